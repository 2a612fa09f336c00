/// Traversal orders of an `IRGraph`, reproducing the orders TALON gets from rustworkx
/// (petgraph) exactly (reference README §12.1), because they leak into partitioning results.
/// Nodes are indexed in insertion order; edges to unknown nodes are skipped; a node's
/// neighbours are visited newest edge first.
extension IRGraph {
    /// Adjacency by node index: successors and predecessors in edge order (parallel edges kept).
    struct Adjacency {
        var out: [[Int]]
        var into: [[Int]]
    }

    func adjacency() -> Adjacency {
        var out = [[Int]](repeating: [], count: nodes.count)
        var into = [[Int]](repeating: [], count: nodes.count)
        for e in edges {
            guard let s = position(of: e.source), let t = position(of: e.target) else { continue }
            out[s].append(t)
            into[t].append(s)
        }
        return Adjacency(out: out, into: into)
    }

    /// petgraph's `DfsPostOrder` over `next`, started from each undiscovered index in
    /// ascending order: a node seen for the first time pushes its undiscovered neighbours in
    /// petgraph's enumeration order (newest edge first, so the oldest edge ends on top).
    static func postOrder(_ next: [[Int]], starts: [Int]) -> [Int] {
        let n = next.count
        var discovered = [Bool](repeating: false, count: n)
        var finished = [Bool](repeating: false, count: n)
        var order: [Int] = []
        order.reserveCapacity(n)
        var stack: [Int] = []
        for start in starts where !discovered[start] {
            stack.append(start)
            while let top = stack.last {
                if !discovered[top] {
                    discovered[top] = true
                    for s in next[top].reversed() where !discovered[s] { stack.append(s) }
                } else {
                    stack.removeLast()
                    if !finished[top] {
                        finished[top] = true
                        order.append(top)
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
        var indegree = adj.into.map(\.count)
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
