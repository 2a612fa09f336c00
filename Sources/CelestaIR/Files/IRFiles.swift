import FoundationEssentials

/// The IR's file formats behind one entry point, shared by the C ABI, the CLI and Python.
public enum IRFileFormat: Int32, Sendable, CaseIterable {
    case auto = 0
    case t1c = 1
    case nir = 2
    case json = 3

    public var name: String {
        switch self {
        case .auto: return "auto"
        case .t1c: return "t1c"
        case .nir: return "nir"
        case .json: return "json"
        }
    }

    /// The format of a name such as "nir", or nil.
    public init?(name: String) {
        guard let f = IRFileFormat.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = f
    }

    /// The format a path's extension names: `.t1c`, `.nir` (also `.h5`/`.hdf5`), `.json`.
    public static func of(path: String) throws -> IRFileFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".t1c") { return .t1c }
        if lower.hasSuffix(".nir") || lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") { return .nir }
        if lower.hasSuffix(".json") { return .json }
        throw CelestaError(.invalidArgument, "cannot tell the format of '\(path)' from its extension; use .t1c, .nir or .json, or name the format")
    }
}

public enum IRFiles {
    /// Reads a graph in `format` (`.auto`: by extension).
    public static func read(path: String, format: IRFileFormat = .auto, mode: IRMode = .celesta) throws -> IRGraph {
        switch format == .auto ? try IRFileFormat.of(path: path) : format {
        case .t1c: return try T1CFile.read(path: path, mode: mode)
        case .nir: return try NIRFile.read(path: path)
        case .json, .auto:
            return try IRJSON.decode(Array(try AtomicFile.read(path)), name: path, mode: mode)
        }
    }

    /// Reads a graph from a file's bytes (`.t1c`, NIR or IR JSON; `format` must name it);
    /// `name` names the input in messages.
    public static func read(bytes: [UInt8], name: String, format: IRFileFormat, mode: IRMode = .celesta) throws -> IRGraph {
        switch format {
        case .t1c: return try T1CFile.read(bytes: bytes, name: name, mode: mode)
        case .nir: return try NIRFile.read(bytes: bytes, name: name)
        case .json: return try IRJSON.decode(bytes, name: name, mode: mode)
        case .auto: throw CelestaError(.invalidArgument, "argument 'format' is auto; name the format of the bytes (t1c, nir or json)")
        }
    }

    /// Writes a graph atomically (a failed write leaves an existing file as it was).
    public static func write(_ graph: IRGraph, to path: String, format: IRFileFormat = .auto, mode: IRMode = .celesta, compress: Bool = true) throws {
        switch format == .auto ? try IRFileFormat.of(path: path) : format {
        case .t1c: try T1CFile.write(graph, to: path, mode: mode)
        case .nir: try NIRFile.write(graph, to: path, compress: compress)
        case .json, .auto: try AtomicFile.write(Data(IRJSON.encode(graph).utf8), to: path)
        }
    }
}
