import CelestaIR
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Writing a folder of generated files atomically (an HLS project, a bitstream project): all of
/// it is written to a temporary folder next to the target and renamed into place, so a failure
/// leaves the target as it was and no partial folder behind.
enum ProjectFolder {
    /// The target without a trailing slash.
    static func normalized(_ dir: String) -> String { dir.hasSuffix("/") && dir.count > 1 ? String(dir.dropLast()) : dir }

    /// Refuses a target that exists and is not a folder, or a folder that is not empty unless
    /// `overwrite`. Returns whether the target exists.
    @discardableResult
    static func check(_ dir: String, overwrite: Bool) throws -> Bool {
        let target = normalized(dir)
        var isDir: Bool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDir) else { return false }
        guard isDir else { throw CelestaError(.invalidArgument, "output '\(target)' exists and is not a folder") }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []
        if !entries.isEmpty && !overwrite {
            throw CelestaError(.invalidArgument, "output folder '\(target)' is not empty (\(entries.count) entries); pass overwrite=True (--overwrite) to replace it")
        }
        return true
    }

    /// Writes `files` (paths relative to `dir`) as the folder `dir`, after `check`. With
    /// `overwrite` an existing folder is replaced as a whole. `executable`: paths made 0755.
    static func write(_ files: [(path: String, text: String)], to dir: String, overwrite: Bool, executable: [String] = []) throws {
        let fm = FileManager.default
        let target = normalized(dir)
        let exists = try check(target, overwrite: overwrite)
        let parent = NSStringLite(s: target).deletingLastPathComponent
        let base = parent.isEmpty ? "." : parent
        let tmp = "\(base)/.celesta-hls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            for (path, text) in files {
                let full = "\(tmp)/\(path)"
                try fm.createDirectory(atPath: NSStringLite(s: full).deletingLastPathComponent, withIntermediateDirectories: true)
                guard Shell.writeText(text, to: full) else { throw CelestaError(.io, "cannot write '\(full)'") }
            }
            for path in executable { chmod("\(tmp)/\(path)", 0o755) }
            if exists {
                let old = "\(tmp).old"
                guard rename(target, old) == 0 else { throw CelestaError(.io, "cannot replace '\(target)': \(String(cString: strerror(errno)))") }
                guard rename(tmp, target) == 0 else {
                    _ = rename(old, target)
                    throw CelestaError(.io, "cannot move the project into '\(target)': \(String(cString: strerror(errno)))")
                }
                try? fm.removeItem(atPath: old)
            } else {
                guard rename(tmp, target) == 0 else { throw CelestaError(.io, "cannot create '\(target)': \(String(cString: strerror(errno)))") }
            }
        } catch {
            try? fm.removeItem(atPath: tmp)
            if let e = error as? CelestaError { throw e }
            throw CelestaError(.io, "cannot write the project to '\(target)': \(AtomicFile.reason(error))")
        }
    }
}
