/// A human-readable table of a graph: one row per node (name, type, input and output shapes,
/// parameter count), then the edges and metadata. Used by `celesta ir info`.
public enum IRSummary {
    /// The number of floating-point array elements of a node (its parameters; nested graphs
    /// included, integer arrays such as strides not).
    public static func parameterCount(_ n: IRNode) -> Int {
        n.fields.entries.reduce(0) { total, e in
            switch e.value {
            case .tensor(let t) where t.dtype.isFloat: return total + t.count
            case .graph(let g): return total + g.nodes.map(parameterCount).reduce(0, +)
            default: return total
            }
        }
    }

    public static func text(_ g: IRGraph, title: String) -> String {
        func shape(_ p: PortShapes?) -> String {
            guard let p, !p.isEmpty else { return "-" }
            return p.ports.map { p.ports.count > 1 ? "\($0.name)=\($0.shape)" : "\($0.shape)" }.joined(separator: " ")
        }
        var rows = [["node", "type", "input", "output", "params"]]
        for n in g.nodes { rows.append([n.name, n.type, shape(n.inputType), shape(n.outputType), String(parameterCount(n))]) }
        let widths = (0..<5).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var out = "\(title): \(g.nodes.count) nodes, \(g.edges.count) edges, \(g.nodes.map(parameterCount).reduce(0, +)) parameters, "
        out += g.isDAG ? "acyclic" : "cyclic (allow_cycles=\(g.allowCycles))"
        out += "\n"
        for r in rows {
            out += r.enumerated().map { $1 + String(repeating: " ", count: max(0, widths[$0] - $1.count)) }.joined(separator: "  ") + "\n"
        }
        out += "edges: " + g.edges.map { "\($0.source)->\($0.target)" }.joined(separator: ", ")
        if !g.metadata.isEmpty { out += "\nmetadata: " + IRJSON.encode(.dict(g.metadata)) }
        return out
    }
}
