import FoundationEssentials

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// File reading and writing with the engine's error model. Writes go to a temporary file in
/// the same folder, which is then renamed over the target: a failed write leaves the old file
/// as it was.
///
/// What a write replaces: a regular file (keeping its permission bits) or nothing. A symbolic
/// link is followed to its target, which is written the same way (the link stays a link); a
/// FIFO, a device, a socket or a directory at the path (or at the end of the links) is refused
/// with `CelestaError(.io)` and left as it is. Errors name the path and the system's reason.
public enum AtomicFile {
    /// The most symbolic links followed from one path (Linux's own limit).
    static let maxLinks = 40

    public static func write(_ data: Data, to path: String) throws {
        func fail(_ why: String) -> CelestaError { CelestaError(.io, "cannot write '\(path)': \(why)") }
        guard !path.isEmpty else { throw fail("the path is empty") }
        let target = try resolveLinks(path, fail)
        var st = stat()
        var mode: mode_t = 0o666
        var keepMode = false
        if lstat(target, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFREG else {
                throw fail((target == path ? "" : "its link target '\(target)' ") + "is \(kind(st.st_mode)), not a regular file; it is left as it is")
            }
            mode = st.st_mode & 0o7777
            keepMode = true
        } else if errno != ENOENT {
            throw fail(String(cString: strerror(errno)))
        }
        let slash = target.lastIndex(of: "/")
        let dir = slash.map { String(target[...$0]) } ?? ""
        let base = slash.map { String(target[target.index(after: $0)...]) } ?? target
        // A fresh name next to the target (O_EXCL: never an existing file or link).
        var fd: Int32 = -1
        var temp = ""
        for attempt in 0..<100 {
            temp = dir + ".\(base).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).\(attempt).tmp"
            fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, keepMode ? 0o600 : mode)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw fail(String(cString: strerror(errno))) }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        do {
            defer { close(fd) }
            try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                var done = 0
                while done < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw fail(String(cString: strerror(errno)))
                    }
                    done += n
                }
            }
            if keepMode && fchmod(fd, mode) != 0 { throw fail(String(cString: strerror(errno))) }
        }
        guard rename(temp, target) == 0 else { throw fail(String(cString: strerror(errno))) }
        ok = true
    }

    /// `path` with its symbolic links followed (a dangling link gives the path it points to;
    /// the folders on the way are the system's to resolve).
    static func resolveLinks(_ path: String, _ fail: (String) -> CelestaError) throws -> String {
        var current = path
        for _ in 0...maxLinks {
            var st = stat()
            guard lstat(current, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n >= 0 else { throw fail(String(cString: strerror(errno))) }
            let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if link.hasPrefix("/") {
                current = link
            } else if let slash = current.lastIndex(of: "/") {
                current = String(current[...slash]) + link
            } else {
                current = link
            }
        }
        throw fail("more than \(maxLinks) symbolic links")
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    public static func read(_ path: String) throws -> Data {
        func fail(_ why: String) -> CelestaError { CelestaError(.io, "cannot read '\(path)': \(why)") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fail(reason(errno: errno)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw fail(reason(errno: errno)) }
        guard (st.st_mode & S_IFMT) != S_IFDIR else { throw fail("is a directory") }
        var bytes = [UInt8]()
        if (st.st_mode & S_IFMT) == S_IFREG { bytes.reserveCapacity(Int(st.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail(reason(errno: errno))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return Data(bytes)
    }

    /// The reason for an errno, in words ("no such file", "permission denied", ...).
    static func reason(errno code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case EACCES, EPERM: return "permission denied"
        case EISDIR: return "is a directory"
        default: return String(cString: strerror(code))
        }
    }

    package static func reason(_ error: Error) -> String {
        let text = "\(error)"
        if text.contains("NoSuchFile") || text.contains("No such file") || text.contains("rawValue: 260") {
            return "no such file"
        }
        if text.contains("Permission") || text.contains("NoPermission") || text.contains("rawValue: 257") || text.contains("rawValue: 513") {
            return "permission denied"
        }
        if text.contains("IsDirectory") || text.contains("directory") { return "is a directory" }
        return text
    }
}
