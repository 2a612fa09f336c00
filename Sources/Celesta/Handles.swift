// Handle plumbing: opaque C handles are retained Swift objects.

import CelestaABI
import CelestaIR
import CelestaXylo

/// `celesta_xylo_config_t *` as the shim spells it (see scripts/gen_header.py).
public typealias celesta_xylo_config_ref = OpaquePointer
/// `const celesta_xylo_config_t *`.
public typealias celesta_xylo_config_cref = OpaquePointer
/// `celesta_xylo_sim_t *`.
public typealias celesta_xylo_sim_ref = OpaquePointer

/// The object behind a `celesta_xylo_config_t *`.
final class ConfigBox {
    let config: XyloConfig
    let chip: ChipSpec
    init(_ config: XyloConfig, _ chip: ChipSpec) {
        self.config = config
        self.chip = chip
    }
}

/// The object behind a `celesta_xylo_sim_t *`.
final class SimBox: ProgressHolder {
    /// Replaced by the copy a run with progress worked on, when that run completes.
    var sim: XyloSimulator
    var progress: ProgressCallback?
    init(_ sim: XyloSimulator) { self.sim = sim }
}

/// A C progress callback and its user data, as a Swift progress closure: `true` to go on.
struct ProgressCallback {
    let function: celesta_progress_fn
    let userData: UnsafeMutableRawPointer?

    func callAsFunction(_ done: Int, of total: Int) -> Bool {
        function(userData, done, total) == 0
    }

    /// As an engine closure that gets the units done and their total.
    var closure: (Int, Int) -> Bool { { self($0, of: $1) } }

    /// As an engine closure that gets the units done of a known `total`.
    func closure(total: Int) -> (Int) -> Bool { { self($0, of: total) } }
}

/// A handle object whose long calls report progress to a callback set on the handle.
protocol ProgressHolder: AnyObject {
    var progress: ProgressCallback? { get set }
}

/// The body of every celesta_*_set_progress(): sets or (with `fn` NULL) clears the callback of
/// the handle `handle` of type `T`, named `name` in errors.
func setProgress<T: ProgressHolder>(
    _ handle: OpaquePointer?, _ type: T.Type, _ name: String, _ fn: celesta_progress_fn?, _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    guarded {
        try object(handle, T.self, name).progress = fn.map { ProgressCallback(function: $0, userData: userData) }
    }
}

/// Registers `object` as a new live handle (see HandleTable.swift: a handle is a key into the
/// table of live handles, never a pointer to the object, and a value is never given out twice).
func makeHandle<T: AnyObject>(_ object: T) -> OpaquePointer {
    HandleTable.shared.insert(object)
}

/// The object behind a live handle of type `T` (not consumed). NULL is `nullPointer`; a freed
/// handle, a handle of another type or a value that never was a handle is `invalidArgument`,
/// naming the argument. Inside a `guarded` call the handle's lock is taken and held until the
/// call returns, so calls on one handle from several threads run one after the other.
func object<T: AnyObject>(_ handle: OpaquePointer?, _ type: T.Type, _ name: String) throws -> T {
    guard let handle else { throw CelestaError(.nullPointer, "argument '\(name)' is NULL") }
    return try HandleTable.shared.resolve(handle, T.self, name)
}

/// Releases a handle made by `makeHandle`; NULL is ignored. A handle that is not live (freed
/// already) or of another type is ignored too (nothing is freed; the calling thread's last
/// error names it). `close` runs on the object, under the handle's lock, before it is dropped.
func releaseHandle<T: AnyObject>(_ handle: OpaquePointer?, _ type: T.Type, close: ((T) -> Void)? = nil) {
    guard let handle else { return }
    HandleTable.shared.remove(handle, T.self, close: close)
}

/// Copies a borrowed C array into a Swift array, rejecting NULL with a non-zero length.
/// (C `size_t` lengths arrive as `UInt` arguments or as `Int` struct fields.)
func borrowedInts<N: BinaryInteger>(_ pointer: UnsafePointer<Int32>?, _ count: N, _ name: String) throws -> [Int]? {
    guard let pointer else {
        if count == 0 { return nil }
        throw CelestaError(.nullPointer, "field '\(name)' is NULL but its length is \(count)")
    }
    guard count >= 0, count <= N(clamping: Int32.max) else {
        throw CelestaError(.outOfRange, "the length of '\(name)' is \(UInt(truncatingIfNeeded: count)), too large")
    }
    return UnsafeBufferPointer(start: pointer, count: Int(count)).map { Int($0) }
}

/// Borrows a C array of doubles for the duration of the call, without copying: NULL is taken
/// for an empty array only (else an error naming `name` and its length argument `name`_len).
func borrowedDoubleBuffer(_ pointer: UnsafePointer<Double>?, _ count: UInt, _ name: String) throws -> UnsafeBufferPointer<Double> {
    try checkDoubleCount(count, name)
    guard let pointer else {
        if count == 0 { return UnsafeBufferPointer(start: nil, count: 0) }
        throw CelestaError(.nullPointer, "argument '\(name)' is NULL but \(name)_len is \(count)")
    }
    return UnsafeBufferPointer(start: pointer, count: Int(count))
}

/// Refuses a length argument `name`_len of doubles too large to address (a negative size_t).
func checkDoubleCount(_ count: UInt, _ name: String) throws {
    guard count <= UInt(Int.max / 16) else { throw CelestaError(.outOfRange, "argument '\(name)_len' is \(count), too large") }
}

/// Checks a caller output buffer's length.
func checkOutput<N: BinaryInteger>(_ pointer: UnsafeMutablePointer<Int32>?, _ count: N, needed: Int, _ name: String) throws {
    guard pointer != nil else { return }
    // A size_t read as a negative Int is a huge length: large enough.
    guard count < 0 || count >= N(needed) else {
        throw CelestaError(.bufferTooSmall, "argument '\(name)' holds \(count) values but \(needed) are needed")
    }
}
