/// The graph as the mapping algorithms see it: nodes by insertion index, which of them are
/// Input/Output, the edges between known nodes as index pairs (graph order, parallel edges
/// kept), neighbour lists, and each node's neurons and bytes.
package struct MappingView {
    let graph: IRGraph
    let count: Int
    let names: [String]
    /// Input or Output (placed with the others but never counted).
    let isIO: [Bool]
    /// Edges between known nodes, in graph order: (source, target, position in `graph.edges`).
    let edges: [(s: Int, t: Int, position: Int)]
    /// Successors and predecessors, in edge order.
    let out: AdjacencyRows
    let into: AdjacencyRows

    init(_ graph: IRGraph) {
        self.graph = graph
        count = graph.nodes.count
        names = graph.nodes.map(\.name)
        var types = TypeInfoCache()  // (the registry asked once per primitive, not per node)
        var isIO = [Bool](repeating: false, count: count)
        for i in graph.nodes.indices {
            let info = types(graph.nodes[i].type)
            isIO[i] = info.isInput || info.isOutput
        }
        self.isIO = isIO
        let edges = graph.edgePositions()
        self.edges = edges
        out = AdjacencyRows(count, edges.lazy.map { ($0.s, $0.t) })
        into = AdjacencyRows(count, edges.lazy.map { ($0.t, $0.s) })
    }

    /// Strongly connected components as rustworkx gives them (sinks first), as index lists
    /// with the members in rustworkx's order too (TALON's greedy assigns a loop's nodes in that
    /// order), and each node's component number. The second pass is petgraph's `Dfs`: a node
    /// is marked when it is popped, not when it is pushed.
    func components() -> (list: [[Int]], of: [Int]) {
        let finish = IRGraph.postOrder(into, starts: Array(0..<count))
        var of = [Int](repeating: -1, count: count)
        var list: [[Int]] = []
        for v in finish.reversed() where of[v] < 0 {
            var component: [Int] = []
            var stack = [v]
            while let top = stack.popLast() {
                guard of[top] < 0 else { continue }
                of[top] = list.count
                component.append(top)
                for s in out[top].reversed() where of[s] < 0 { stack.append(s) }
            }
            list.append(component)
        }
        return (list, of)
    }

    /// rustworkx's topological order (indices), nil when cyclic.
    func topologicalOrder() -> [Int]? {
        // Kahn's count first (a cycle has no order).
        var indegree = into.indices.map(into.degree)
        var queue = indegree.indices.filter { indegree[$0] == 0 }
        var seen = 0
        while let v = queue.popLast() {
            seen += 1
            for s in out[v] {
                indegree[s] -= 1
                if indegree[s] == 0 { queue.append(s) }
            }
        }
        guard seen == count else { return nil }
        return IRGraph.postOrder(out, starts: Array(0..<count)).reversed()
    }

    // MARK: Neurons and memory of a node

    /// The fields TALON's `allocate` counts as neuron state (4 bytes an element).
    static let stateFields: Set<String> = ["tau", "v_threshold", "v_leak", "r"]

    /// Bytes per element of a node's parameters, from its `precision` (TALON's table).
    static func bytesPerElement(_ node: IRNode) -> Int {
        switch node.fields["precision"]?.string {
        case "fp32", "int32": return 4
        case "fp16", "int16": return 2
        case "int8", "int4": return 1
        default: return 4
        }
    }

    /// (weight bytes, state bytes) of a node as TALON's `allocate` counts them: its array
    /// fields (a field of integers, such as a stride, may be held as an array after a file
    /// read, but is a tuple in TALON and does not count).
    static func bytes(_ node: IRNode) -> (weight: Int, state: Int) {
        let per = bytesPerElement(node)
        let specs = node.descriptor?.fields ?? []
        var weight = 0, state = 0
        for e in node.fields.entries {
            guard case .tensor(let t) = e.value else { continue }
            if let kind = specs.first(where: { $0.name == e.key })?.kind, kind != .array, kind != .any { continue }
            if stateFields.contains(e.key) { state += t.count * 4 } else { weight += t.count * per }
        }
        return (weight, state)
    }

    /// The neurons a node holds: a node with neuron state (a `tau` or `v_threshold` array, as
    /// LIF, IF and their kin have) holds as many as its largest state array has elements (at
    /// least 1, and its output size when that is larger); every other node (synapses,
    /// activations, pooling, I/O) holds none.
    package static func neurons(_ node: IRNode) -> Int {
        var n = 0
        for e in node.fields.entries where stateFields.contains(e.key) {
            if case .tensor(let t) = e.value { n = max(n, t.count) }
        }
        guard n > 0 else { return 0 }
        if let shape = node.outputType?.first {
            n = max(n, shape.reduce(1, *))
        }
        return n
    }

    // MARK: Results shared by the algorithms

    /// Edges (graph order) whose endpoints sit on different cores.
    func crossEdges(_ core: [Int]) -> [(s: Int, t: Int, position: Int)] {
        edges.filter { core[$0.s] != core[$0.t] }
    }

    /// The items of a list or tuple value, else nil.
    static func items(_ v: IRValue?) -> [IRValue]? {
        switch v {
        case .list(let items)?, .tuple(let items)?: return items
        default: return nil
        }
    }
}
