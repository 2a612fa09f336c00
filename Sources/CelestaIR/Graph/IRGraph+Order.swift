/// Traversal orders of an `IRGraph`, reproducing the orders TALON gets from rustworkx
/// (petgraph) exactly (reference README §12.1), because they leak into partitioning results.
/// Nodes are indexed in insertion order; edges to unknown nodes are skipped; a node's
/// neighbours are visited newest edge first.
extension IRGraph {
    /// Adjacency by node index: successors and predecessors in edge order (parallel edges kept),
    /// each as compressed rows (one block for all nodes, no array per node).
    struct Adjacency {
        var out: AdjacencyRows
        var into: AdjacencyRows
    }

    func adjacency() -> Adjacency {
        let pairs = edgePositions()
        return Adjacency(out: AdjacencyRows(nodes.count, pairs.lazy.map { ($0.s, $0.t) }),
                         into: AdjacencyRows(nodes.count, pairs.lazy.map { ($0.t, $0.s) }))
    }

    /// The edges between known nodes as node positions, in edge order, with each edge's
    /// position in `edges`. A graph built in order (each edge starting where the last one
    /// ended, its target the next node) is resolved by comparing names with those nodes; any
    /// other edge by the name index.
    func edgePositions() -> [(s: Int, t: Int, position: Int)] {
        var out: [(s: Int, t: Int, position: Int)] = []
        out.reserveCapacity(edges.count)
        var ends = EdgeEnds()
        for (k, e) in edges.enumerated() {
            guard let s = ends.source(e.source, self), let t = ends.target(e.target, after: s, self) else { continue }
            out.append((s, t, k))
        }
        return out
    }

    /// petgraph's `DfsPostOrder` over `next`, started from each undiscovered index in
    /// ascending order: a node seen for the first time pushes its undiscovered neighbours in
    /// petgraph's enumeration order (newest edge first, so the oldest edge ends on top).
    static func postOrder(_ next: AdjacencyRows, starts: [Int]) -> [Int] {
        let n = next.count
        var discovered = [Bool](repeating: false, count: n)
        var finished = [Bool](repeating: false, count: n)
        var order: [Int] = []
        order.reserveCapacity(n)
        var stack: [Int] = []
        // (The rows read in place: no slice of them made per node.)
        next.items.withUnsafeBufferPointer { items in
            next.start.withUnsafeBufferPointer { rows in
                for start in starts where !discovered[start] {
                    stack.append(start)
                    while let top = stack.last {
                        if !discovered[top] {
                            discovered[top] = true
                            var k = rows[top + 1]
                            while k > rows[top] {
                                k -= 1
                                if !discovered[items[k]] { stack.append(items[k]) }
                            }
                        } else {
                            stack.removeLast()
                            if !finished[top] {
                                finished[top] = true
                                order.append(top)
                            }
                        }
                    }
                }
            }
        }
        return order
    }

    /// rustworkx `topological_sort` for a DAG: the reversed DFS finish order. Nil when the
    /// graph has a cycle.
    public var topologicalOrder: [String]? {
        guard isDAG else { return nil }
        let adj = adjacency()
        let finish = IRGraph.postOrder(adj.out, starts: Array(0..<nodes.count))
        return finish.reversed().map { nodes[$0].name }
    }

    /// True when no cycle goes through known nodes (a self-loop is a cycle).
    public var isDAG: Bool {
        let adj = adjacency()
        // Kahn's algorithm.
        var indegree = adj.into.indices.map(adj.into.degree)
        var queue = indegree.indices.filter { indegree[$0] == 0 }
        var seen = 0
        while let v = queue.popLast() {
            seen += 1
            for s in adj.out[v] {
                indegree[s] -= 1
                if indegree[s] == 0 { queue.append(s) }
            }
        }
        return seen == nodes.count
    }

    /// rustworkx `strongly_connected_components` (petgraph Kosaraju): components in the order
    /// found, sinks first. Member order inside a component is the discovery order.
    public var stronglyConnectedComponents: [[String]] {
        let adj = adjacency()
        let finish = IRGraph.postOrder(adj.into, starts: Array(0..<nodes.count))
        var assigned = [Bool](repeating: false, count: nodes.count)
        var components: [[String]] = []
        for v in finish.reversed() where !assigned[v] {
            var component: [Int] = []
            var stack = [v]
            assigned[v] = true
            while let top = stack.popLast() {
                component.append(top)
                for s in adj.out[top].reversed() where !assigned[s] {
                    assigned[s] = true
                    stack.append(s)
                }
            }
            components.append(component.map { nodes[$0].name })
        }
        return components
    }

    /// The cycles' node sets: every strongly connected component with more than one node, or
    /// one node with a self-loop (TALON's `find_cycles` reports these).
    public var cycles: [[String]] {
        stronglyConnectedComponents.filter { c in
            c.count > 1 || edges.contains { $0.source == c[0] && $0.target == c[0] }
        }
    }

    /// Level of each node in a DAG (0 without predecessors, else 1 + the largest level of its
    /// predecessors); nil for a cyclic graph.
    public var levels: [String: Int]? {
        guard let order = topologicalOrder else { return nil }
        let adj = adjacency()
        var level = [Int](repeating: 0, count: nodes.count)
        for name in order {
            let v = position(of: name)!
            for p in adj.into[v] { level[v] = max(level[v], level[p] + 1) }
        }
        var out: [String: Int] = [:]
        for (i, n) in nodes.enumerated() { out[n.name] = level[i] }
        return out
    }
}

/// Neighbour lists of nodes 0..<count as compressed rows: row v is `items[start[v]..<start[v + 1]]`,
/// in the order the pairs were given.
struct AdjacencyRows: RandomAccessCollection {
    let start: [Int]
    let items: [Int]

    /// Rows from (node, neighbour) pairs (stable: a row keeps the pairs' order).
    init<S: Sequence>(_ count: Int, _ pairs: S) where S.Element == (Int, Int) {
        var start = [Int](repeating: 0, count: count + 1)
        var n = 0
        start.withUnsafeMutableBufferPointer { start in
            for (v, _) in pairs {
                start[v + 1] += 1
                n += 1
            }
            for v in 0..<count { start[v + 1] += start[v] }
        }
        var next = start
        var items = [Int](repeating: 0, count: n)
        next.withUnsafeMutableBufferPointer { next in
            items.withUnsafeMutableBufferPointer { items in
                for (v, w) in pairs {
                    items[next[v]] = w
                    next[v] += 1
                }
            }
        }
        self.start = start
        self.items = items
    }

    var startIndex: Int { 0 }
    var endIndex: Int { start.count - 1 }
    subscript(v: Int) -> ArraySlice<Int> { items[start[v]..<start[v + 1]] }
    /// The number of neighbours of v.
    func degree(_ v: Int) -> Int { start[v + 1] - start[v] }
}

/// The positions of edges' ends, found by name: first among the nodes a graph built in order
/// puts there (the source where the last edge ended, the target right after its source), by
/// comparing names, else by the graph's name index.
struct EdgeEnds {
    private var last = -1

    mutating func source(_ name: String, _ g: IRGraph) -> Int? {
        if last >= 0, g.nodes[last].name == name { return last }
        last = -1
        return g.position(of: name)
    }

    /// (Call after `source` of the same edge.)
    mutating func target(_ name: String, after s: Int, _ g: IRGraph) -> Int? {
        let t = s + 1 < g.nodes.count && g.nodes[s + 1].name == name ? s + 1 : g.position(of: name)
        last = t ?? -1
        return t
    }
}
