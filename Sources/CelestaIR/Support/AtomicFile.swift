import FoundationEssentials

/// File reading and writing with the engine's error model. Writes go to a temporary file in
/// the same folder, which is then renamed over the target: a failed write leaves the old file
/// as it was.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(filePath: path), options: .atomic)
        } catch {
            throw CelestaError(.io, "cannot write '\(path)': \(Self.reason(error))")
        }
    }

    public static func read(_ path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(filePath: path))
        } catch {
            throw CelestaError(.io, "cannot read '\(path)': \(Self.reason(error))")
        }
    }

    package static func reason(_ error: Error) -> String {
        let text = "\(error)"
        if text.contains("NoSuchFile") || text.contains("No such file") { return "no such file" }
        if text.contains("Permission") || text.contains("NoPermission") { return "permission denied" }
        if text.contains("IsDirectory") || text.contains("directory") { return "is a directory" }
        return text
    }
}
