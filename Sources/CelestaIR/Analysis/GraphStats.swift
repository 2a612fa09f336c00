/// The statistics of one node (TALON's `LayerStats`).
public struct LayerStats: Sendable, Equatable {
    public var name: String
    public var nodeType: String
    public var params = 0
    public var bytes = 0
    /// The node's `input` / `output` port shape (empty when unknown).
    public var inputShape: [Int] = []
    public var outputShape: [Int] = []
    public var flops = 0
    /// What the layer is configured with (kernel, stride, weight shape...), in TALON's keys.
    public var config: IRDict = IRDict()
}

/// The statistics of a graph (TALON's `GraphStats`, from `analyze_graph`).
public struct GraphStats: Sendable, Equatable {
    public var totalParams = 0
    public var totalBytes = 0
    public var totalFlops = 0
    public var nodeCount = 0
    public var edgeCount = 0
    /// Longest path (levels from 0) and the most nodes on one level; nil for a cyclic graph.
    public var depth: Int? = 0
    public var width: Int? = 0
    public var isDAG = true
    /// Nodes per primitive, in first-seen order.
    public var typeCounts: [(String, Int)] = []
    public var layers: [LayerStats] = []
    public var inputShapes: [[Int]] = []
    public var outputShapes: [[Int]] = []
    /// Parameter bytes per primitive, in first-seen order.
    public var memoryBreakdown: [(String, Int)] = []
    public var lifCount = 0
    public var affineCount = 0
    public var convCount = 0

    public static func == (a: GraphStats, b: GraphStats) -> Bool {
        a.layers == b.layers && a.totalParams == b.totalParams && a.totalBytes == b.totalBytes && a.totalFlops == b.totalFlops
            && a.depth == b.depth && a.width == b.width && a.typeCounts.map(\.0) == b.typeCounts.map(\.0)
            && a.typeCounts.map(\.1) == b.typeCounts.map(\.1) && a.edgeCount == b.edgeCount
    }
}

/// Graph analysis (TALON's `talon.sdk.analyze_graph` and `summarize`).
public enum GraphAnalysis {
    /// The statistics of `graph`. In `.celesta` mode the parameters of every primitive count
    /// (TALON's `analyze_graph` gives Conv1d, IF, BatchNorm, PReLU and LayerNorm none).
    public static func analyze(_ graph: IRGraph, mode: IRMode = .celesta) -> GraphStats {
        analyze(graph, scan: GraphScan(graph), mode: mode)
    }

    /// `analyze` from the scan of `graph` (its `layers` left empty when `layers` is false).
    public static func analyze(_ graph: IRGraph, scan: GraphScan, mode: IRMode = .celesta, layers: Bool = true) -> GraphStats {
        var stats = totals(graph, scan: scan, mode: mode)
        if layers {
            let (params, bytes) = scan.counts(mode: mode)
            stats.layers.reserveCapacity(graph.nodes.count)
            for i in graph.nodes.indices {
                let node = graph.nodes[i]
                var l = LayerStats(name: node.name, nodeType: node.type)
                l.inputShape = node.inputType?["input"] ?? []
                l.outputShape = node.outputType?["output"] ?? []
                l.params = params[i]
                l.bytes = bytes[i]
                l.flops = scan.flops[i]
                if let facts = scan.types[scan.kind[i]].facts { l.config = IRDict(facts.config(node)) }
                stats.layers.append(l)
            }
        }
        return stats
    }

    /// The statistics without `layers`.
    static func totals(_ graph: IRGraph, scan: GraphScan, mode: IRMode) -> GraphStats {
        var stats = GraphStats()
        stats.nodeCount = graph.nodes.count
        stats.edgeCount = graph.edges.count
        let (params, bytes) = scan.counts(mode: mode)
        var count = [Int](repeating: 0, count: scan.types.count), memory = count
        for i in graph.nodes.indices {
            let k = scan.kind[i]
            count[k] += 1
            memory[k] += bytes[i]
            stats.totalParams += params[i]
            stats.totalBytes += bytes[i]
            stats.totalFlops &+= scan.flops[i]
        }
        for (k, type) in scan.typeNames.enumerated() {
            stats.typeCounts.append((type, count[k]))
            stats.memoryBreakdown.append((type, memory[k]))
            switch type {
            case "LIF": stats.lifCount += count[k]
            case "Affine", "SpikingAffine": stats.affineCount += count[k]
            default: if scan.types[k].exact?.countsAsConv == true { stats.convCount += count[k] }
            }
        }
        for i in scan.inputs { if let s = graph.nodes[i].inputType?["input"] { stats.inputShapes.append(s) } }
        for i in scan.outputs { if let s = graph.nodes[i].outputType?["output"] { stats.outputShapes.append(s) } }
        if let (depth, width) = scan.levels {
            stats.depth = depth
            stats.width = width
        } else {
            stats.depth = nil
            stats.width = nil
            stats.isDAG = false
        }
        return stats
    }

    /// One node's statistics.
    public static func layer(_ node: IRNode, mode: IRMode = .celesta) -> LayerStats {
        layer(node, facts: AnalysisFacts.of(node.type), mode: mode)
    }

    /// (parameters, bytes) of a node with these facts.
    static func parameters(_ node: IRNode, _ facts: AnalysisFacts?, mode: IRMode) -> (Int, Int) {
        guard let facts, facts.talonCountsParameters || mode == .celesta else { return (0, 0) }
        var hints = [Int](repeating: -1, count: facts.parameters.count)
        return parameters(facts.parameters, of: node.fields.entries, hints: &hints)
    }

    /// (elements, bytes) of the arrays named `names` among `fields` (absent ones count 0).
    /// `hints[j]` is where `names[j]` is looked for first (nodes of one primitive keep their
    /// fields in the descriptor's order, and equal strings compare at once); it is set to where
    /// the name was found.
    static func parameters(_ names: [String], of fields: [IREntry], hints: inout [Int]) -> (Int, Int) {
        var params = 0, bytes = 0
        for (j, name) in names.enumerated() {
            var at = hints[j]
            if at < 0 || at >= fields.count || fields[at].key != name {
                guard let found = fields.firstIndex(where: { $0.key == name }) else { continue }
                at = found
                hints[j] = found
            }
            if case .tensor(let t) = fields[at].value {
                params += t.count
                bytes += t.bytes.count
            }
        }
        return (params, bytes)
    }

    static func layer(_ node: IRNode, facts: AnalysisFacts?, mode: IRMode) -> LayerStats {
        var l = LayerStats(name: node.name, nodeType: node.type)
        l.inputShape = node.inputType?["input"] ?? []
        l.outputShape = node.outputType?["output"] ?? []
        guard let facts else { return l }
        (l.params, l.bytes) = parameters(node, facts, mode: mode)
        l.flops = flops(node, facts.compute, output: l.outputShape)
        l.config = IRDict(facts.config(node))
        return l
    }

    /// A node's FLOPs (TALON's: dense layers and 2-D convolutions only; wrapping as numpy's
    /// int64 products do, since a port shape may be huge).
    static func flops(_ node: IRNode, _ compute: AnalysisFacts.Compute, output: [Int]?) -> Int {
        switch compute {
        case .dense:
            if let w = node.tensor("weight") { return 2 * w.count }
        case .conv2d:
            if let w = node.tensor("weight"), w.ndim == 4, let output, output.count >= 2 {
                let s = w.shape
                return 2 &* s[0] &* s[1] &* s[2] &* s[3] &* output[output.count - 2] &* output[output.count - 1]
            }
        default: break
        }
        return 0
    }

    /// (depth, width) of the `count` nodes of `adj` (levels by longest path from the sources),
    /// nil when they hold a cycle.
    static func depthAndWidth(_ adj: IRGraph.Adjacency, count n: Int) -> (depth: Int, width: Int)? {
        if n == 0 { return (0, 0) }
        var indegree = adj.into.indices.map(adj.into.degree)
        var queue = indegree.indices.filter { indegree[$0] == 0 }
        queue.reserveCapacity(n)
        var level = [Int](repeating: 0, count: n)
        var head = 0
        while head < queue.count {
            let v = queue[head]
            head += 1
            for s in adj.out[v] {
                level[s] = max(level[s], level[v] + 1)
                indegree[s] -= 1
                if indegree[s] == 0 { queue.append(s) }
            }
        }
        guard queue.count == n else { return nil }
        let depth = level.max() ?? 0
        var counts = [Int](repeating: 0, count: depth + 1)
        for l in level { counts[l] += 1 }
        return (depth, counts.max() ?? 0)
    }

    // MARK: Text

    /// TALON's `format_number`: "999", "12,345", "123.5K", "1.23M".
    public static func formatNumber(_ n: Int) -> String {
        if n < 1000 { return String(n) }
        if n < 1_000_000 { return n < 100_000 ? grouped(n) : PyFormat.fixed(Double(n) / 1000, 1) + "K" }
        return PyFormat.fixed(Double(n) / 1_000_000, 2) + "M"
    }

    /// TALON's `format_bytes`: "512 B", "1.5 KB", "2.0 MB", "1.25 GB" (binary units).
    public static func formatBytes(_ b: Int) -> String {
        if b < 1024 { return "\(b) B" }
        if b < 1024 * 1024 { return PyFormat.fixed(Double(b) / 1024, 1) + " KB" }
        if b < 1024 * 1024 * 1024 { return PyFormat.fixed(Double(b) / 1_048_576, 1) + " MB" }
        return PyFormat.fixed(Double(b) / 1_073_741_824, 2) + " GB"
    }

    /// `f"{n:,}"`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// TALON's `summarize(graph, verbose)` text. Shapes print as TALON prints them (tuples of
    /// numpy integers).
    public static func summarize(_ graph: IRGraph, verbose: Bool = false, mode: IRMode = .celesta) -> String {
        summarize(analyze(graph, mode: mode), verbose: verbose)
    }

    public static func summarize(_ stats: GraphStats, verbose: Bool = false) -> String {
        let rule = String(repeating: "=", count: 50)
        let depth = stats.depth.map(String.init) ?? "N/A (cyclic)"
        let width = stats.width.map(String.init) ?? "N/A (cyclic)"
        var lines = [
            "TALON IR Graph Summary", rule,
            "Nodes: \(stats.nodeCount)  |  Edges: \(stats.edgeCount)  |  Depth: \(depth)  |  Width: \(width)",
            "Parameters: \(formatNumber(stats.totalParams))  |  Memory: \(formatBytes(stats.totalBytes))  |  FLOPs: \(formatNumber(stats.totalFlops))",
            "", "Layer Types:",
        ]
        for (t, c) in stats.typeCounts.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }) { lines.append("  \(t): \(c)") }
        func shapes(_ list: [[Int]]) -> String {
            list.count == 1 ? numpyTuple(list[0]) : "[" + list.map(numpyTuple).joined(separator: ", ") + "]"
        }
        if !stats.inputShapes.isEmpty { lines.append("\nInput: " + shapes(stats.inputShapes)) }
        if !stats.outputShapes.isEmpty { lines.append("Output: " + shapes(stats.outputShapes)) }
        if stats.lifCount > 0 { lines.append("\nSNN: \(stats.lifCount) LIF neuron layer(s)") }
        if verbose {
            lines.append("\n" + rule)
            lines.append("Layer Breakdown:")
            for l in stats.layers where l.params > 0 {
                lines.append("  \(l.name): \(l.nodeType) - \(formatNumber(l.params)) params, \(formatBytes(l.bytes))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A tuple of numpy int64 scalars as Python 3 with numpy 2 prints it: `(np.int64(8),)`.
    static func numpyTuple(_ shape: [Int]) -> String {
        let items = shape.map { "np.int64(\($0))" }
        return items.count == 1 ? "(\(items[0]),)" : "(" + items.joined(separator: ", ") + ")"
    }
}
