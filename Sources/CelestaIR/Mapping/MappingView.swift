/// The graph as the mapping algorithms see it: nodes by insertion index, which of them are
/// Input/Output, the edges between known nodes as index pairs (graph order, parallel edges
/// kept), neighbour lists, and each node's neurons and bytes.
package struct MappingView {
    let graph: IRGraph
    let count: Int
    /// Input or Output (placed with the others but never counted).
    let isIO: [Bool]
    /// Edges between known nodes, in graph order: (source, target, position in `graph.edges`).
    let edges: [(s: Int, t: Int, position: Int)]
    /// Successors and predecessors, in edge order.
    let out: AdjacencyRows
    let into: AdjacencyRows
    /// Whether the graph has no cycle, when known already (the scan's levels exist exactly then).
    private let knownAcyclic: Bool?

    init(_ graph: IRGraph) {
        knownAcyclic = nil
        self.graph = graph
        count = graph.nodes.count
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

    /// The view of `graph` from its analysis scan (the same primitives, edge ends and
    /// adjacency, found once per graph and kept with it by the C ABI).
    init(_ graph: IRGraph, scan: GraphScan) {
        self.graph = graph
        count = graph.nodes.count
        let io = scan.types.map { $0.isInput || $0.isOutput }
        isIO = scan.kind.map { io[$0] }
        var edges: [(s: Int, t: Int, position: Int)] = []
        edges.reserveCapacity(scan.sources.count)
        for k in scan.sources.indices where scan.sources[k] >= 0 && scan.targets[k] >= 0 {
            edges.append((scan.sources[k], scan.targets[k], k))
        }
        self.edges = edges
        out = scan.adjacency.out
        into = scan.adjacency.into
        knownAcyclic = scan.levels != nil
    }

    /// The name of node `i` (for results and messages).
    func name(_ i: Int) -> String { graph.nodes[i].name }

    /// Strongly connected components as rustworkx gives them (sinks first), with the members
    /// in rustworkx's order too (TALON's greedy assigns a loop's nodes in that order), and each
    /// node's component number. The second pass is petgraph's `Dfs`: a node is marked when it is
    /// popped, not when it is pushed. A graph without a cycle (Kahn's count, no self-loop) has a
    /// component per node, numbered as the nodes (no algorithm depends on the numbering of
    /// one-node components: TALON's greedy takes the topological order then).
    func components() -> Components {
        if isAcyclic() { return Components(singletons: count) }
        let finish = IRGraph.postOrder(into, starts: Array(0..<count))
        var of = [Int](repeating: -1, count: count)
        var members: [Int] = []
        members.reserveCapacity(count)
        var start = [0]
        var stack: [Int] = []
        for v in finish.reversed() where of[v] < 0 {
            let c = start.count - 1
            stack.append(v)
            while let top = stack.popLast() {
                guard of[top] < 0 else { continue }
                of[top] = c
                members.append(top)
                for s in out[top].reversed() where of[s] < 0 { stack.append(s) }
            }
            start.append(members.count)
        }
        return Components(of: of, members: members, start: start, acyclic: false)
    }

    /// True when no cycle runs through the nodes (Kahn's count; a self-loop is a cycle).
    func isAcyclic() -> Bool {
        if let knownAcyclic { return knownAcyclic }
        var indegree = [Int](repeating: 0, count: count)
        for v in 0..<count { indegree[v] = into.degree(v) }
        var queue: [Int] = []
        queue.reserveCapacity(count)
        for v in 0..<count where indegree[v] == 0 { queue.append(v) }
        var seen = 0
        out.items.withUnsafeBufferPointer { items in
            out.start.withUnsafeBufferPointer { start in
                while let v = queue.popLast() {
                    seen += 1
                    for k in start[v]..<start[v + 1] {
                        let s = items[k]
                        indegree[s] -= 1
                        if indegree[s] == 0 { queue.append(s) }
                    }
                }
            }
        }
        return seen == count
    }

    /// rustworkx's topological order (indices), nil when cyclic.
    func topologicalOrder() -> [Int]? {
        guard isAcyclic() else { return nil }
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

    /// Neurons and bytes of nodes by the rules of `neurons` and `bytes`, with what those ask of
    /// a primitive's descriptor found once per primitive and field layout (a graph of thousands
    /// of nodes has a handful of each).
    struct Costs {
        private struct Layout {
            var type: String
            var keys: [String]
            /// Per field: `counted` (its array counts in bytes: the descriptor says array, any or
            /// nothing) and `state` (a neuron-state name).
            var roles: [UInt8]
        }
        private static let counted: UInt8 = 1, state: UInt8 = 2
        /// The layouts seen, most recent first (a graph has a handful).
        private var seen: [Layout] = []

        /// (neurons, weight bytes, state bytes) of `node`: `neurons(node)` and `bytes(node)`.
        mutating func of(_ node: IRNode) -> (neurons: Int, weight: Int, state: Int) {
            let entries = node.fields.entries
            var found = -1
            for k in seen.indices where seen[k].type == node.type && Costs.same(seen[k].keys, entries) {
                found = k
                break
            }
            if found < 0 {
                let specs = node.descriptor?.fields ?? []
                let roles = entries.map { e -> UInt8 in
                    var role: UInt8 = MappingView.stateFields.contains(e.key) ? Costs.state : 0
                    if let kind = specs.first(where: { $0.name == e.key })?.kind, kind != .array, kind != .any {} else { role |= Costs.counted }
                    return role
                }
                seen.insert(Layout(type: node.type, keys: entries.map(\.key), roles: roles), at: 0)
                if seen.count > 16 { seen.removeLast() }
                found = 0
            }
            let roles = seen[found].roles
            let per = MappingView.bytesPerElement(node)
            var neurons = 0, weight = 0, state = 0
            for (k, e) in entries.enumerated() {
                guard case .tensor(let t) = e.value else { continue }
                let role = roles[k]
                if role & Costs.state != 0 { neurons = max(neurons, t.count) }
                if role & Costs.counted != 0 {
                    if role & Costs.state != 0 { state += t.count * 4 } else { weight += t.count * per }
                }
            }
            if neurons > 0, let shape = node.outputType?.first { neurons = max(neurons, shape.reduce(1, *)) }
            return (neurons, weight, state)
        }

        private static func same(_ keys: [String], _ entries: [IREntry]) -> Bool {
            guard keys.count == entries.count else { return false }
            for k in keys.indices where keys[k] != entries[k].key { return false }
            return true
        }
    }

    // MARK: Results shared by the algorithms

    /// Edges (graph order) whose endpoints sit on different cores.
    func crossEdges(_ core: [Int]) -> [(s: Int, t: Int, position: Int)] {
        edges.filter { core[$0.s] != core[$0.t] }
    }

    /// The number of edges whose endpoints sit on different cores.
    func crossCount(_ core: [Int]) -> Int {
        var n = 0
        for e in edges where core[e.s] != core[e.t] { n += 1 }
        return n
    }

    /// The items of a list or tuple value, else nil.
    static func items(_ v: IRValue?) -> [IRValue]? {
        switch v {
        case .list(let items)?, .tuple(let items)?: return items
        default: return nil
        }
    }
}

/// Strongly connected components (`MappingView.components`): component `c` is
/// `members[start[c]..<start[c + 1]]`, in rustworkx's order.
struct Components {
    /// The component of each node.
    let of: [Int]
    let members: [Int]
    let start: [Int]
    /// No cycle: one node a component and no self-loop.
    let acyclic: Bool

    init(of: [Int], members: [Int], start: [Int], acyclic: Bool) {
        self.of = of
        self.members = members
        self.start = start
        self.acyclic = acyclic
    }

    /// A component per node, numbered as the nodes.
    init(singletons n: Int) {
        of = Array(0..<n)
        members = of
        start = Array(0...n)
        acyclic = true
    }

    var count: Int { start.count - 1 }
    subscript(c: Int) -> ArraySlice<Int> { members[start[c]..<start[c + 1]] }
    func size(_ c: Int) -> Int { start[c + 1] - start[c] }
}
