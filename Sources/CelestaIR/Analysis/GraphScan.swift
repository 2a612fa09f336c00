/// What `analyze`, `profile` and `lint` read of a graph, gathered in one pass over its nodes
/// and edges: each node's primitive, parameter counts, FLOPs and output size, the edges' ends,
/// the adjacency and the levels. The three analyses ask for the same facts, so a caller that
/// keeps the scan of a graph that has not changed (the C ABI keeps one per graph handle) pays
/// for it once.
///
/// A scan belongs to the graph it was made of: give it to the analyses only with that graph,
/// unchanged.
public final class GraphScan: Sendable {
    /// The graph's primitives in first-seen order, and each node's index among them.
    let types: [TypeInfo]
    let typeNames: [String]
    let kind: [Int]
    /// Per node: parameter elements and bytes by Celesta's rule (every primitive with analysis
    /// facts counts; TALON's rule is applied per primitive by `counts(mode:)`), FLOPs, and the
    /// element count of the `output` port (nil when it is unknown or has no dimensions).
    let params: [Int]
    let bytes: [Int]
    let flops: [Int]
    let outputSize: [Int?]
    /// The positions of the Input and the Output nodes, in node order.
    let inputs: [Int]
    let outputs: [Int]
    /// Each edge's ends by position, in edge order: the source (-1 when no node has its name)
    /// and the target (-1 when unknown, or not looked up because the source is unknown).
    let sources: [Int]
    let targets: [Int]
    /// The adjacency of the edges between known nodes.
    let adjacency: IRGraph.Adjacency
    /// (depth, width) by longest path from the sources; nil when the graph has a cycle.
    let levels: (depth: Int, width: Int)?

    public init(_ graph: IRGraph) {
        let nodes = graph.nodes, n = nodes.count
        var types: [TypeInfo] = [], typeNames: [String] = []
        var kind = [Int](repeating: 0, count: n)
        var params = [Int](repeating: 0, count: n), bytes = [Int](repeating: 0, count: n)
        var flops = [Int](repeating: 0, count: n), outputSize = [Int?](repeating: nil, count: n)
        var inputs: [Int] = [], outputs: [Int] = []
        // Per primitive: its parameter arrays, how it computes, and where each parameter array
        // sat among the fields of the last node (read per node without copying the facts).
        var parameters: [[String]] = [], compute: [AnalysisFacts.Compute?] = []
        var hints: [[Int]] = []
        var last = -1
        for i in 0..<n {
            let type = nodes[i].type
            var k: Int
            if last >= 0, typeNames[last] == type {
                k = last
            } else if let found = typeNames.firstIndex(of: type) {
                k = found
            } else {
                k = types.count
                types.append(TypeInfo(type))
                typeNames.append(type)
                parameters.append(types[k].facts?.parameters ?? [])
                compute.append(types[k].facts?.compute)
                hints.append([Int](repeating: -1, count: parameters[k].count))
            }
            last = k
            kind[i] = k
            if types[k].isInput { inputs.append(i) }
            if types[k].isOutput { outputs.append(i) }
            let output = nodes[i].outputType?["output"]
            if let output, !output.isEmpty { outputSize[i] = output.reduce(1, &*) }
            guard let how = compute[k] else { continue }
            (params[i], bytes[i]) = GraphAnalysis.parameters(parameters[k], of: nodes[i].fields.entries, hints: &hints[k])
            flops[i] = GraphAnalysis.flops(nodes[i], how, output: output)
        }
        // The edges' ends (as `IRGraph.edgePositions` resolves them) and the adjacency.
        var sources = [Int](repeating: -1, count: graph.edges.count), targets = sources
        var pairs: [(Int, Int)] = []
        pairs.reserveCapacity(graph.edges.count)
        var ends = EdgeEnds()
        for (e, edge) in graph.edges.enumerated() {
            guard let s = ends.source(edge.source, graph) else { continue }
            sources[e] = s
            guard let t = ends.target(edge.target, after: s, graph) else { continue }
            targets[e] = t
            pairs.append((s, t))
        }
        let adjacency = IRGraph.Adjacency(out: AdjacencyRows(n, pairs), into: AdjacencyRows(n, pairs.lazy.map { ($0.1, $0.0) }))
        self.types = types
        self.typeNames = typeNames
        self.kind = kind
        self.params = params
        self.bytes = bytes
        self.flops = flops
        self.outputSize = outputSize
        self.inputs = inputs
        self.outputs = outputs
        self.sources = sources
        self.targets = targets
        self.adjacency = adjacency
        self.levels = GraphAnalysis.depthAndWidth(adjacency, count: n)
    }

    /// Each node's parameter elements and bytes in `mode` (TALON's `analyze_graph` counts none
    /// for the primitives whose facts say so).
    func counts(mode: IRMode) -> (params: [Int], bytes: [Int]) {
        guard mode == .talon, types.contains(where: { $0.facts?.talonCountsParameters == false }) else { return (params, bytes) }
        var p = params, b = bytes
        for i in kind.indices where types[kind[i]].facts?.talonCountsParameters == false {
            p[i] = 0
            b[i] = 0
        }
        return (p, b)
    }

    /// TALON's `Graph.validate()` of `graph` (this scan's): the first problem, with TALON's
    /// message, or nil.
    func validationError(_ graph: IRGraph) -> String? {
        graph.validationProblem(
            hasInput: !inputs.isEmpty, hasOutput: !outputs.isEmpty, isInput: { types[kind[$0]].isInput }, isOutput: { types[kind[$0]].isOutput },
            ends: { k, _ in (sources[k] < 0 ? nil : sources[k], targets[k] < 0 ? nil : targets[k]) }, isDAG: { levels != nil })
    }
}
