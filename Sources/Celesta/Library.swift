// Exported C functions: version, status names, last error, build information.

import CelestaIR
import CelestaXylo
import CelestaHDK

#if canImport(Glibc)
import Glibc
#endif

private nonisolated(unsafe) let versionCString = permanentCString(CelestaVersion.string)

private nonisolated(unsafe) let statusNameCStrings: [Int32: UnsafePointer<CChar>] = Dictionary(
    uniqueKeysWithValues: StatusCode.allCases.map { ($0.rawValue, permanentCString($0.name)) })

private nonisolated(unsafe) let unknownStatusCString = permanentCString("CELESTA_UNKNOWN_STATUS")

/// Reports the runtime version of the library, which equals the CELESTA_VERSION_* macros of the
/// header it was built with. Any of the pointers may be NULL to skip that part.
///
/// Thread safety: safe from any thread. Never fails; returns CELESTA_OK.
@_cdecl("celesta_version")
public func celesta_version(
    _ major: UnsafeMutablePointer<Int32>?, _ minor: UnsafeMutablePointer<Int32>?,
    _ patch: UnsafeMutablePointer<Int32>?
) -> Int32 {
    major?.pointee = Int32(CelestaVersion.major)
    minor?.pointee = Int32(CelestaVersion.minor)
    patch?.pointee = Int32(CelestaVersion.patch)
    return StatusCode.ok.rawValue
}

/// Returns the runtime version as "MAJOR.MINOR.PATCH".
///
/// Ownership: static storage owned by the library; do not free. Thread safety: any thread.
@_cdecl("celesta_version_string")
public func celesta_version_string() -> UnsafePointer<CChar> {
    versionCString
}

/// Returns the C name of a status code, e.g. "CELESTA_ERR_NULL_POINTER" for -1, or
/// "CELESTA_UNKNOWN_STATUS" for a value that is not a status code. Never returns NULL.
///
/// Ownership: static storage owned by the library; do not free. Thread safety: any thread.
@_cdecl("celesta_status_name")
public func celesta_status_name(_ status: Int32) -> UnsafePointer<CChar> {
    statusNameCStrings[status] ?? unknownStatusCString
}

/// Returns the message of the most recent failed call made on the calling thread, naming the
/// offending argument or field and its value, e.g.
/// "CELESTA_ERR_NOT_FOUND: chip 'xa9' is unknown; ...". Returns "" if no call on this thread
/// has failed yet. Successful calls leave the message unchanged. Never returns NULL.
///
/// Ownership: owned by the library; valid until the next failing call on the same thread or
/// until the thread exits; copy it to keep it. Thread safety: each thread has its own message.
@_cdecl("celesta_last_error")
public func celesta_last_error() -> UnsafePointer<CChar> {
    lastErrorPointer()
}

/// Writes a one-line description of this build into `buf`, e.g.
/// "celesta 0.2.0 (libusb 1.0.26, hdf5 1.10.8)", with the versions of the C libraries it
/// links as found at run time.
///
/// Size query (see the top of this header): `*len` receives the bytes needed, NUL included.
/// Thread safety: any thread.
@_cdecl("celesta_build_info")
public func celesta_build_info(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?
) -> Int32 {
    guarded {
        try copyOut(BuildInfo.summary, to: buf, capacity: cap, len: len)
    }
}
