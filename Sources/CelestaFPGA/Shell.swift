#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs external tools (g++, the compiled C simulation) through `/bin/sh -c`, with their
/// output captured in a file.
enum Shell {
    /// Single-quotes an argument for the shell.
    static func quote(_ s: String) -> String {
        "'" + s.replacing("'", with: "'\\''") + "'"
    }

    /// Runs a command line; returns its exit status and what it printed (stdout and stderr).
    static func run(_ command: String) -> (status: Int32, output: String) {
        let log = tempPath("sh.log")
        defer { unlink(log) }
        let full = "(\(command)) > \(quote(log)) 2>&1"
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(full), nil]
        defer { for p in argv { free(p) } }
        let rc = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        guard rc == 0 else { return (-1, "cannot start /bin/sh: error \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exit, readText(log) ?? "")
    }

    static func readText(_ path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes.append(contentsOf: buf[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func writeText(_ text: String, to path: String) -> Bool {
        guard let f = fopen(path, "wb") else { return false }
        defer { fclose(f) }
        let bytes = Array(text.utf8)
        return bytes.isEmpty || fwrite(bytes, 1, bytes.count, f) == bytes.count
    }

    static func tempPath(_ suffix: String) -> String {
        let dir = ProcessInfoLite.environment("TMPDIR") ?? "/tmp"
        return "\(dir)/celesta-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-\(suffix)"
    }

    /// Finds an executable on PATH.
    static func which(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for dir in (ProcessInfoLite.environment("PATH") ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if access(p, X_OK) == 0 { return p }
        }
        return nil
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}

enum ProcessInfoLite {
    static func environment(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        let s = String(cString: v)
        return s.isEmpty ? nil : s
    }
}
