// The shim's error plumbing: every exported function runs its body through `guarded`, which
// turns a thrown `CelestaError` into its status code and stores the message in a thread-local
// buffer that `celesta_last_error` returns.

import CelestaIR
import CelestaXylo

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The per-thread slot holding the last error message (a malloc'd C string, freed by the key's
/// destructor when the thread exits).
private let errorKey: pthread_key_t = {
    var key = pthread_key_t()
    let rc = pthread_key_create(&key) { free($0) }
    precondition(rc == 0, "celesta: pthread_key_create failed")
    return key
}()

/// The empty message returned while a thread has had no error.
private nonisolated(unsafe) let emptyMessage: UnsafeMutablePointer<CChar> = strdup("")!

/// Replaces this thread's last error message.
func setLastError(_ message: String) {
    let old = pthread_getspecific(errorKey)
    let copy = strdup(message)
    pthread_setspecific(errorKey, copy)
    free(old)
}

/// This thread's last error message ("" if none).
func lastErrorPointer() -> UnsafePointer<CChar> {
    if let p = pthread_getspecific(errorKey) {
        return UnsafePointer(p.assumingMemoryBound(to: CChar.self))
    }
    return UnsafePointer(emptyMessage)
}

/// Records `error` for this thread and returns its status code.
func fail(_ error: CelestaError) -> Int32 {
    setLastError("\(error.code.name): \(error.message)")
    return error.code.rawValue
}

/// Runs `body`; returns 0 on success, or records the thrown error and returns its code.
/// Errors that are not `CelestaError` are reported as internal errors, never as traps.
/// The handle locks the body takes (through `object`) are held until it returns.
func guarded(_ body: () throws -> Void) -> Int32 {
    do {
        try CallState.current.run(body)
        return StatusCode.ok.rawValue
    } catch let error as CelestaError {
        return fail(error)
    } catch {
        return fail(CelestaError(.internalError, "unexpected error: \(error)"))
    }
}

/// Unwraps a pointer argument, or throws `nullPointer` naming the argument.
func required<T>(_ pointer: T?, _ name: String) throws -> T {
    guard let pointer else { throw CelestaError(.nullPointer, "argument '\(name)' is NULL") }
    return pointer
}

/// Converts a C string argument to a Swift string, rejecting NULL and invalid UTF-8.
func requiredString(_ pointer: UnsafePointer<CChar>?, _ name: String) throws -> String {
    let p = try required(pointer, name)
    guard let text = String(validatingCString: p) else {
        throw CelestaError(.invalidArgument, "argument '\(name)' is not valid UTF-8")
    }
    return text
}

/// A process-lifetime C copy of `text` (for strings the ABI hands out as static storage).
func permanentCString(_ text: String) -> UnsafePointer<CChar> {
    UnsafePointer(strdup(text)!)
}

/// The ABI's size-query idiom (see the header's conventions) for an output of `needed`
/// elements: `*len` receives `needed`; returns nil for a pure query (`buffer == NULL`,
/// `capacity == 0`), otherwise the buffer, which holds at least `needed` elements. A NULL
/// `len`, a NULL buffer with a capacity, or a capacity below `needed` (`bufferTooSmall`, the
/// buffer untouched) throw, naming the argument `name` (its capacity and length arguments are
/// `name`_cap / `name`_len, or cap / len when `name` is "buf").
func sizedOutput<T>(
    _ buffer: UnsafeMutablePointer<T>?, _ capacity: UInt, _ len: UnsafeMutablePointer<UInt>?,
    needed: Int, _ name: String = "buf", unit: String = "values"
) throws -> UnsafeMutablePointer<T>? {
    let lenName = name == "buf" ? "len" : "\(name)_len"
    let capName = name == "buf" ? "cap" : "\(name)_cap"
    let len = try required(len, lenName)
    len.pointee = UInt(needed)
    guard let buffer else {
        if capacity == 0 { return nil }
        throw CelestaError(.nullPointer, "argument '\(name)' is NULL but \(capName) is \(capacity)")
    }
    guard capacity >= UInt(needed) else {
        throw CelestaError(.bufferTooSmall, "argument '\(name)' holds \(capacity) \(unit) but \(needed) are needed (\(capName))")
    }
    return buffer
}

/// Copies `text` and its NUL terminator into a caller buffer following the size-query idiom:
/// `*len` receives the size in bytes including the NUL.
func copyOut(
    _ text: String, to buffer: UnsafeMutablePointer<CChar>?, capacity: UInt,
    len: UnsafeMutablePointer<UInt>?, field: String = "buf"
) throws {
    try copyOut(bytes: Array(text.utf8), to: buffer, capacity: capacity, len: len, field: field)
}

/// `copyOut` of text given as UTF-8 bytes.
func copyOut(
    bytes: [UInt8], to buffer: UnsafeMutablePointer<CChar>?, capacity: UInt,
    len: UnsafeMutablePointer<UInt>?, field: String = "buf"
) throws {
    guard let buffer = try sizedOutput(buffer, capacity, len, needed: bytes.count + 1, field, unit: "bytes") else { return }
    bytes.withUnsafeBufferPointer { src in
        buffer.withMemoryRebound(to: UInt8.self, capacity: bytes.count + 1) { dst in
            if let base = src.baseAddress { dst.update(from: base, count: bytes.count) }
            dst[bytes.count] = 0
        }
    }
}

/// The C name of a public struct type as Swift imports it (`celesta_xylo_chip_info_t`).
private func cStructName<T>(_ type: T.Type) -> String {
    let name = String(describing: type)
    return name.hasSuffix("_t") ? name : name + "_t"
}

/// Checks the `struct_size` (the first member, a uint32_t) of a caller's struct of type `T`
/// named `name`: at least this version's sizeof(T), else `invalidArgument` naming the field.
/// Returns it.
@discardableResult
func checkStructSize<T>(_ pointer: UnsafeRawPointer, _ type: T.Type, _ name: String) throws -> Int {
    let size = Int(pointer.load(as: UInt32.self))
    let expected = MemoryLayout<T>.stride
    guard size >= expected else {
        let c = cStructName(type)
        throw CelestaError(
            .invalidArgument,
            "field '\(name)->struct_size' is \(size) but sizeof(\(c)) is \(expected): set it with CELESTA_INIT(\(c))")
    }
    return size
}

/// Fills a caller's array of `count` structs of type `T` whose stride is `out[0].struct_size`
/// (checked, named `name`[0]): `fill` writes entry k (all but struct_size), and every entry
/// written gets the same struct_size. Nothing is written for `count` 0.
func fillEntries<T>(_ out: UnsafeMutablePointer<T>, count: Int, _ name: String, _ fill: (Int, UnsafeMutablePointer<T>) throws -> Void) throws {
    guard count > 0 else { return }
    let stride = try checkStructSize(UnsafeRawPointer(out), T.self, "\(name)[0]")
    let base = UnsafeMutableRawPointer(out)
    for k in 0..<count {
        try fill(k, (base + k * stride).assumingMemoryBound(to: T.self))
        (base + k * stride).storeBytes(of: UInt32(stride), as: UInt32.self)
    }
}

/// Reads a caller's input struct after checking its struct_size (NULL: `nullPointer`).
func structIn<T>(_ pointer: UnsafePointer<T>?, _ name: String) throws -> T {
    let p = try required(pointer, name)
    try checkStructSize(UnsafeRawPointer(p), T.self, name)
    return p.pointee
}

/// Reads a caller's optional input struct (NULL gives nil) after checking its struct_size.
func optionalStructIn<T>(_ pointer: UnsafePointer<T>?, _ name: String) throws -> T? {
    guard let pointer else { return nil }
    return try structIn(pointer, name)
}

/// Checks the struct_size of a caller's output struct (NULL: `nullPointer`) and returns it.
func structOut<T>(_ pointer: UnsafeMutablePointer<T>?, _ name: String) throws -> UnsafeMutablePointer<T> {
    let p = try required(pointer, name)
    try checkStructSize(UnsafeRawPointer(p), T.self, name)
    return p
}

/// Writes this version's fields of `value` to a checked output struct, keeping the caller's
/// struct_size.
func store<T>(_ value: T, to pointer: UnsafeMutablePointer<T>) {
    let size = UnsafeRawPointer(pointer).load(as: UInt32.self)
    pointer.pointee = value
    UnsafeMutableRawPointer(pointer).storeBytes(of: size, as: UInt32.self)
}
