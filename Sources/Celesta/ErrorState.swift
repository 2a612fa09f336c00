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
func guarded(_ body: () throws -> Void) -> Int32 {
    do {
        try body()
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

/// Copies `text` and its NUL terminator into a caller buffer following the ABI's size-query
/// convention: `needed` (if not NULL) receives the size in bytes including the NUL; with
/// `buffer == NULL` and `capacity == 0` the call only reports the size. A non-NULL buffer that
/// is too small is left untouched and the call fails with `bufferTooSmall`.
func copyOut(
    _ text: String, to buffer: UnsafeMutablePointer<CChar>?, capacity: UInt,
    needed: UnsafeMutablePointer<UInt>?, field: String
) throws {
    let bytes = Array(text.utf8)
    let size = UInt(bytes.count + 1)
    needed?.pointee = size
    guard let buffer else {
        if capacity == 0 { return }
        throw CelestaError(.nullPointer, "argument '\(field)' is NULL but capacity is \(capacity)")
    }
    guard capacity >= size else {
        throw CelestaError(
            .bufferTooSmall, "argument '\(field)' holds \(capacity) bytes but \(size) are needed")
    }
    bytes.withUnsafeBufferPointer { src in
        buffer.withMemoryRebound(to: UInt8.self, capacity: Int(size)) { dst in
            if let base = src.baseAddress { dst.update(from: base, count: bytes.count) }
            dst[bytes.count] = 0
        }
    }
}
