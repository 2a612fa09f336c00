/// TALON's `RoutingTable`: one path of cores per ordered pair of cores that an edge crosses.
public struct RoutingTable: Sendable, Equatable {
    public struct Route: Sendable, Equatable {
        public var source: Int
        public var target: Int
        public var path: [Int]
        /// `"a->b"`, TALON's key.
        public var key: String { "\(source)->\(target)" }
    }
    public var forwardRoutes: [Route] = []
    public var feedbackRoutes: [Route] = []
    public var totalHops = 0
    public var maxHops = 0

    /// TALON's `partition_metadata["routing"]` dict.
    public var metadata: IRDict {
        func routes(_ list: [Route]) -> IRValue {
            var d = IRDict(capacity: list.count)
            for r in list { d.appendNew(r.key, .list(r.path.map(IRValue.int))) }
            return .dict(d)
        }
        return ["forward_routes": routes(forwardRoutes), "feedback_routes": routes(feedbackRoutes), "total_hops": .int(totalHops), "max_hops": .int(maxHops)]
    }
}

extension IRGraph {
    /// TALON's `route(graph, hw)` (reference README §12.5): a path per ordered pair of cores
    /// that a graph edge crosses (cores from `core_id`, unset: 0), filed under feedback routes
    /// when the edge is one of `partition_metadata["feedback_edges"]`; stored as
    /// `partition_metadata["routing"]` (made if missing).
    ///
    /// `.celesta`: on a mesh each path is a shortest route over the 4-connected mesh,
    /// dimension-ordered (along the row to the target's column, then along the column), and
    /// `total_hops` / `max_hops` count its links; a core outside the mesh is an error. Without a
    /// mesh every core reaches every other directly. `.talon`: TALON's paths, which are always
    /// the direct `[a, b]` (its shortest-path lookup always fails), one hop per cross-core edge.
    @discardableResult
    public mutating func route(on hw: HardwareSpec, mode: IRMode = .celesta) throws -> RoutingTable {
        var pm: IRDict
        if case .dict(let d)? = settings["partition_metadata"] { pm = d } else { pm = IRDict() }
        var feedback = Set<IREdge>()
        for pair in MappingView.items(pm["feedback_edges"]) ?? [] {
            if let p = MappingView.items(pair), p.count == 2, let s = p[0].string, let t = p[1].string { feedback.insert(IREdge(s, t)) }
        }
        var table = RoutingTable()
        var paths: [PairKey: [Int]] = [:]
        var forwardSeen = Set<PairKey>(), feedbackSeen = Set<PairKey>()
        for e in edges {
            guard let s = node(e.source), let t = node(e.target) else { continue }
            let a = s.fields["core_id"]?.int ?? 0, b = t.fields["core_id"]?.int ?? 0
            guard a != b else { continue }
            let key = PairKey(a: a, b: b)
            let path: [Int]
            if let p = paths[key] {
                path = p
            } else {
                path = mode == .talon ? [a, b] : try IRGraph.meshPath(from: a, to: b, hw)
                paths[key] = path
            }
            let hops = path.count - 1
            table.totalHops += hops
            table.maxHops = max(table.maxHops, hops)
            let route = RoutingTable.Route(source: a, target: b, path: path)
            if feedback.contains(e) {
                if feedbackSeen.insert(key).inserted { table.feedbackRoutes.append(route) }
            } else if forwardSeen.insert(key).inserted {
                table.forwardRoutes.append(route)
            }
        }
        pm["routing"] = .dict(table.metadata)
        settings["partition_metadata"] = .dict(pm)
        return table
    }

    /// A shortest path of cores from `a` to `b` on the hardware's mesh, dimension-ordered
    /// (columns first, then rows); `[a, b]` without a mesh.
    static func meshPath(from a: Int, to b: Int, _ hw: HardwareSpec) throws -> [Int] {
        guard let m = hw.mesh else { return [a, b] }
        let cells = m.rows * m.cols
        for c in [a, b] where c < 0 || c >= cells {
            throw CelestaError(.invalidArgument, "core \(c) is not on the \(m.rows)x\(m.cols) mesh (core_mesh_topology): a core id must be below \(cells)")
        }
        var r = a / m.cols, c = a % m.cols
        let tr = b / m.cols, tc = b % m.cols
        var path = [a]
        while c != tc {
            c += c < tc ? 1 : -1
            path.append(r * m.cols + c)
        }
        while r != tr {
            r += r < tr ? 1 : -1
            path.append(r * m.cols + c)
        }
        return path
    }
}

private struct PairKey: Hashable {
    var a: Int
    var b: Int
}
