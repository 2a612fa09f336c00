import FoundationEssentials

/// TALON's graph fingerprints (`fingerprint_graph`, `fingerprint_graph_dual`,
/// `verify_fingerprint`, `stamp_graph`, `get_stamp`): one SHA-256 over, per node in sorted
/// name order, its name, its primitive and its structure (the strings Python's `str()` gives of
/// stride, padding, shapes...; the raw int64 port shapes of Input and Output), then, with
/// weights, the raw bytes of its arrays; then the sorted edges as "src->dst"; then, when asked
/// and not empty, the metadata as Python's `json.dumps(metadata, sort_keys=True)`.
public enum Fingerprint {
    /// The hex SHA-256 of `graph`.
    public static func fingerprint(_ graph: IRGraph, includeWeights: Bool = true, includeMetadata: Bool = false) -> String {
        var h = SHA256()
        hash(graph, into: &h, weights: includeWeights)
        if includeMetadata, !graph.metadata.isEmpty { h.update(PythonJSON.dumps(.dict(graph.metadata), sortKeys: true)) }
        return h.hexDigest()
    }

    /// (structure-only, full) fingerprints; the metadata goes into the full one when asked.
    public static func dual(_ graph: IRGraph, includeMetadata: Bool = false) -> (structure: String, full: String) {
        (fingerprint(graph, includeWeights: false), fingerprint(graph, includeWeights: true, includeMetadata: includeMetadata))
    }

    /// True when the graph's fingerprint is `expected`.
    public static func verify(_ graph: IRGraph, expected: String, includeWeights: Bool = true) -> Bool {
        fingerprint(graph, includeWeights: includeWeights) == expected
    }

    static func hash(_ graph: IRGraph, into h: inout SHA256, weights: Bool) {
        var types = TypeInfoCache()
        let order = graph.nodes.indices.sorted { graph.nodes[$0].name.utf8.lexicographicallyPrecedes(graph.nodes[$1].name.utf8) }
        for i in order {
            let node = graph.nodes[i]
            h.update(node.name)
            h.update(node.type)
            let facts = types(node.type).facts
            for item in facts?.structure ?? [] {
                switch item {
                case .ports:
                    for ports in [node.inputType, node.outputType] {
                        guard let ports, !ports.isEmpty else { continue }
                        for port in ports.ports.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
                            var raw: [UInt8] = []
                            for d in port.shape { withUnsafeBytes(of: Int64(d).littleEndian) { raw.append(contentsOf: $0) } }
                            h.update(raw)
                        }
                    }
                case .field(let f): h.update((node.fields[f] ?? .none).pythonStr)
                case .shape(let f): if let t = node.tensor(f) { h.update(Tensor.describe(t.shape)) }
                }
            }
            guard weights else { continue }
            for f in ["weight", "bias"] + (facts?.hashedArrays ?? []) {
                if let t = node.tensor(f) { h.update(t.bytes) }
            }
        }
        let edges = graph.edges.sorted { a, b in
            a.source == b.source ? a.target.utf8.lexicographicallyPrecedes(b.target.utf8) : a.source.utf8.lexicographicallyPrecedes(b.source.utf8)
        }
        for e in edges { h.update(e.source + "->" + e.target) }
    }

    /// TALON's `stamp_graph`: a new graph whose metadata gains `provenance` {sdk_versions,
    /// timestamp, fingerprint_structure, fingerprint_full, then the given entries that are
    /// truthy}. Celesta keeps the graph's cycle setting and graph-level settings; TALON's new
    /// graph drops them.
    public static func stamp(_ graph: IRGraph, entries: IRDict = IRDict(), now: Date = Date(), mode: IRMode = .celesta) throws -> IRGraph {
        let (structure, full) = dual(graph)
        var provenance = IRDict()
        provenance["sdk_versions"] = .dict(["celesta": .string(CelestaVersion.string)])
        provenance["timestamp"] = .string(isoTimestamp(now) + "Z")
        provenance["fingerprint_structure"] = .string(structure)
        provenance["fingerprint_full"] = .string(full)
        for key in ["notes", "git_commit", "training_run_id", "calibration_config", "quantization_config"] {
            if let v = entries[key], v.isTruthy { provenance[key] = v }
        }
        var metadata = graph.metadata
        metadata["provenance"] = .dict(provenance)
        return try IRGraph(
            nodes: graph.nodes, edges: graph.edges, metadata: metadata,
            allowCycles: mode == .celesta ? graph.allowCycles : false, settings: mode == .celesta ? graph.settings : IRDict())
    }

    /// The `provenance` entry of the metadata, or nil.
    public static func getStamp(_ graph: IRGraph) -> IRValue? { graph.metadata["provenance"] }

    /// Python's `datetime.utcnow().isoformat()`: "YYYY-MM-DDTHH:MM:SS.ffffff" (no fraction when
    /// it is zero).
    static func isoTimestamp(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        var secs = Int(t.rounded(.down))
        let micros = Int(((t - Double(secs)) * 1_000_000).rounded(.down))
        let days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400
        secs -= days * 86400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        var out = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2))"
        if micros > 0 { out += "." + pad(micros, 6) }
        return out
    }
}

/// Python's `json.dumps` with its default separators (", " and ": "), `ensure_ascii`, and
/// `NaN`/`Infinity` for non-finite floats; tuples and arrays are written as lists.
public enum PythonJSON {
    public static func dumps(_ v: IRValue, sortKeys: Bool = false) -> String {
        var w = JSONBytes(capacity: 64)
        w.value(v, sortKeys: sortKeys)
        return w.text
    }

    /// A JSON string with Python's escapes (`ensure_ascii=True`).
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.utf16 {
            switch u {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(u)))
            default:
                let hex = String(u, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out + "\""
    }
}
