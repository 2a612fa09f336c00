/// The partitioning algorithms of TALON's `talon.graph.partition` (reference README §12.2).
public enum PartitionAlgorithm: String, Sendable, CaseIterable {
    case greedy, edgemap, spectral

    /// The algorithm called `name`, or TALON's ValueError (`.invalidArgument`).
    public init(named name: String) throws {
        guard let a = PartitionAlgorithm(rawValue: name) else {
            throw CelestaError(.invalidArgument, "Unknown algorithm: \(name). Use 'edgemap', 'spectral', or 'greedy'.")
        }
        self = a
    }
}

/// What `partition` decided (TALON's `PartitionResult` plus the algorithm's name): it is also
/// written into the graph, as each node's `core_id` and the graph's `partition_metadata`.
public struct PartitionResult: Sendable, Equatable {
    /// Node name -> core, in the order the algorithm assigned them.
    public var assignments: [(name: String, core: Int)] {
        var out: [(name: String, core: Int)] = []
        out.reserveCapacity(order.count)
        for (k, i) in order.enumerated() { out.append((nodes[i].name, cores[k])) }
        return out
    }
    public var numCoresUsed: Int
    /// Edges whose endpoints sit on different cores, in graph edge order.
    public var crossCoreEdges: [IREdge]
    /// Cross-core edges inside a strongly connected component (cyclic graphs).
    public var feedbackEdges: [IREdge]
    public var algorithm: String
    /// The algorithm's metrics (`cut_ratio`, `total_cross_core_edges`, ...), in TALON's order.
    public var metrics: IRDict
    /// The node index (graph order) of each assignment, and its core, parallel to `assignments`.
    public var order: [Int] = []
    public var cores: [Int] = []
    /// The partitioned graph's nodes (for their names).
    var nodes: [IRNode] = []

    public static func == (a: PartitionResult, b: PartitionResult) -> Bool {
        a.assignments.map(\.name) == b.assignments.map(\.name) && a.cores == b.cores
            && a.numCoresUsed == b.numCoresUsed && a.crossCoreEdges == b.crossCoreEdges && a.feedbackEdges == b.feedbackEdges
            && a.algorithm == b.algorithm && a.metrics == b.metrics
    }

    /// TALON's `partition_metadata` dict: `assignments`, `num_cores_used`, `cross_core_edges`,
    /// `feedback_edges` (edges as [src, dst] lists), `algorithm`, `metrics`.
    public var metadata: IRDict {
        var assigned = IRDict(capacity: assignments.count)
        for a in assignments { assigned.appendNew(a.name, .int(a.core)) }
        func pairs(_ edges: [IREdge]) -> IRValue { .list(edges.map { .list([.string($0.source), .string($0.target)]) }) }
        return [
            "assignments": .dict(assigned), "num_cores_used": .int(numCoresUsed), "cross_core_edges": pairs(crossCoreEdges),
            "feedback_edges": pairs(feedbackEdges), "algorithm": .string(algorithm), "metrics": .dict(metrics),
        ]
    }
}

/// One algorithm's raw decision before the shared bookkeeping.
struct CoreAssignment {
    /// Core per node index (-1: not assigned).
    var core: [Int]
    /// Node indices in assignment order.
    var order: [Int]
    /// Feedback edges when the algorithm fixes them itself (TALON's edgemap keeps greedy's).
    var feedback: [(s: Int, t: Int, position: Int)]? = nil
    var metrics: IRDict = IRDict()
}

extension IRGraph {
    /// TALON's `partition(graph, hw, algorithm)`: validates `hardware`, runs the algorithm,
    /// checks feedback delays, then writes `core_id` on every assigned node and sets
    /// `partition_metadata`. On an error the graph is left as it was.
    ///
    /// In `.celesta` mode greedy and edgemap count neurons rather than nodes, keep every
    /// strongly connected component on one core, balance neurons and memory over the cores
    /// they need, and report a graph that does not fit with what overflows where
    /// (`.limitExceeded`); spectral is TALON's algorithm with a deterministic eigen-solver that
    /// always converges. `.talon` mode reproduces TALON exactly.
    @discardableResult
    public mutating func partition(on hardware: HardwareSpec, algorithm name: String = "greedy", mode: IRMode = .celesta) throws -> PartitionResult {
        var result = try partitionResult(on: hardware, algorithm: name, mode: mode)
        let assignments = result.assignments, metadata = result.metadata
        // Everything checked: write it down. (The view is gone and the result lets go of the
        // node array it shares: each write below is in place.)
        result.nodes = []
        for (name, core) in assignments {
            guard let i = position(of: name) else { continue }
            var n = nodes[i]
            n.fields["core_id"] = .int(core)
            try replace(n)
        }
        settings["partition_metadata"] = .dict(metadata)
        result.nodes = nodes
        return result
    }
}

extension IRGraph {
    /// What `partition` decides (the same checks and errors), without writing it into the graph.
    /// `scan`, the analysis scan of this graph (unchanged since), saves finding its adjacency.
    public func partitionResult(
        on hardware: HardwareSpec, algorithm name: String = "greedy", mode: IRMode = .celesta, scan: GraphScan? = nil
    ) throws -> PartitionResult {
        try hardware.validate()
        let algorithm = try PartitionAlgorithm(named: name)
        return try IRGraph.decide(scan.map { MappingView(self, scan: $0) } ?? MappingView(self), algorithm, hardware, mode)
    }

    static func decide(_ view: MappingView, _ algorithm: PartitionAlgorithm, _ hardware: HardwareSpec, _ mode: IRMode) throws -> PartitionResult {
        let sccs = view.components()
        let decided: CoreAssignment
        switch (algorithm, mode) {
        case (.greedy, .talon): decided = try TalonPartition.greedy(view, sccs, hardware)
        case (.edgemap, .talon): decided = try TalonPartition.edgemap(view, sccs, hardware)
        case (.greedy, .celesta): decided = try BalancedPartition.greedy(view, sccs, hardware)
        case (.edgemap, .celesta): decided = try BalancedPartition.edgemap(view, sccs, hardware)
        case (.spectral, _): decided = try SpectralPartition.run(view, sccs, hardware, mode: mode)
        }
        return try PartitionBookkeeping.finish(view, sccs, decided, algorithm: algorithm.rawValue, hardware: hardware)
    }
}

/// The parts every algorithm shares: cross-core and feedback edges, the feedback-delay check,
/// the result.
enum PartitionBookkeeping {
    /// Cross-core edges whose endpoints share a strongly connected component (cyclic graphs only).
    static func feedbackEdges(_ view: MappingView, _ sccs: Components, core: [Int], cyclic: Bool) -> [(s: Int, t: Int, position: Int)] {
        guard cyclic else { return [] }
        return view.crossEdges(core).filter { sccs.of[$0.s] == sccs.of[$0.t] }
    }

    static func isCyclic(_ sccs: Components, _ view: MappingView) -> Bool { !sccs.acyclic }

    static func finish(
        _ view: MappingView, _ sccs: Components, _ decided: CoreAssignment, algorithm: String, hardware: HardwareSpec
    ) throws -> PartitionResult {
        let core = decided.core
        let cross = view.crossEdges(core)
        let feedback = decided.feedback ?? feedbackEdges(view, sccs, core: core, cyclic: isCyclic(sccs, view))
        try checkFeedbackDelay(view, feedback, core: core, hardware: hardware)
        func edge(_ e: (s: Int, t: Int, position: Int)) -> IREdge { view.graph.edges[e.position] }
        var cores: [Int] = []
        cores.reserveCapacity(decided.order.count)
        var used = [Bool](), numUsed = 0
        for v in decided.order {
            let c = core[v]
            cores.append(c)
            if c >= used.count { used += [Bool](repeating: false, count: c + 1 - used.count) }
            if !used[c] {
                used[c] = true
                numUsed += 1
            }
        }
        return PartitionResult(
            numCoresUsed: numUsed, crossCoreEdges: cross.map(edge), feedbackEdges: feedback.map(edge), algorithm: algorithm,
            metrics: decided.metrics, order: decided.order, cores: cores, nodes: view.graph.nodes)
    }

    /// TALON's check: on a mesh a feedback edge may span at most `max_feedback_delay` hops
    /// (Manhattan distance between the cores' cells); without a mesh any cross-core feedback
    /// edge needs a limit of at least 1.
    static func checkFeedbackDelay(_ view: MappingView, _ feedback: [(s: Int, t: Int, position: Int)], core: [Int], hardware: HardwareSpec) throws {
        var lines: [String] = []
        for e in feedback {
            let a = core[e.s], b = core[e.t]
            let hops: Int
            if let m = hardware.mesh {
                hops = abs(a / m.cols - b / m.cols) + abs(a % m.cols - b % m.cols)
                if hops <= hardware.maxFeedbackDelay { continue }
            } else {
                hops = 1
                if hardware.maxFeedbackDelay >= 1 { continue }
            }
            lines.append("  \(view.name(e.s)) (core \(a)) -> \(view.name(e.t)) (core \(b)): \(hops) hops > max_feedback_delay=\(hardware.maxFeedbackDelay)")
        }
        guard lines.isEmpty else {
            throw CelestaError(.invalidArgument, "Feedback delay constraint violated for \(lines.count) edge(s):\n" + lines.joined(separator: "\n"))
        }
    }

    /// `cut_ratio`: cross-core edges over all edges (at least 1).
    static func cutRatio(_ view: MappingView, cross: Int) -> Double {
        Double(cross) / Double(max(view.graph.edges.count, 1))
    }

    /// TALON's `balance_stddev`: the population standard deviation of the nodes per core
    /// (bincount over every assigned node, I/O included) over max(mean, 1).
    static func balanceStddev(_ core: [Int], order: [Int]) -> Double {
        var top = -1
        for i in order where core[i] > top { top = core[i] }
        guard top >= 0 else { return 0 }
        var bins = [Double](repeating: 0, count: top + 1)
        for i in order { bins[core[i]] += 1 }
        // numpy's order of operations: pairwise sums, mean, mean of squared deviations.
        let mean = pairwiseSum(bins[...]) / Double(bins.count)
        let variance = pairwiseSum(bins.map { ($0 - mean) * ($0 - mean) }[...]) / Double(bins.count)
        return variance.squareRoot() / max(mean, 1)
    }

    /// numpy's pairwise summation (8 running sums in blocks of up to 128, halves above).
    static func pairwiseSum(_ a: ArraySlice<Double>) -> Double {
        let n = a.count, base = a.startIndex
        if n < 8 {
            var s = 0.0
            for x in a { s += x }
            return s
        }
        if n <= 128 {
            var r = [Double](a[base..<(base + 8)])
            var i = 8
            while i < n - n % 8 {
                for j in 0..<8 { r[j] += a[base + i + j] }
                i += 8
            }
            var s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n {
                s += a[base + i]
                i += 1
            }
            return s
        }
        var half = n / 2
        half -= half % 8
        return pairwiseSum(a[base..<(base + half)]) + pairwiseSum(a[(base + half)...])
    }
}

/// TALON's greedy and edgemap, exactly (quirks included: a node costs one "neuron" slot, an
/// SCC may overflow its core, edgemap keeps greedy's feedback edges).
enum TalonPartition {
    static func greedy(_ view: MappingView, _ sccs: Components, _ hw: HardwareSpec) throws -> CoreAssignment {
        let cyclic = PartitionBookkeeping.isCyclic(sccs, view)
        let sequence: [Int]
        if !cyclic {
            // (Acyclic: rustworkx's topological order.)
            sequence = IRGraph.postOrder(view.out, starts: Array(0..<view.count)).reversed()
        } else {
            // SCCs stably sorted by size, largest first, flattened.
            let ranked = (0..<sccs.count).sorted { a, b in sccs.size(a) != sccs.size(b) ? sccs.size(a) > sccs.size(b) : a < b }
            sequence = ranked.flatMap { sccs[$0] }
        }
        var core = [Int](repeating: -1, count: view.count)
        var counts = [Int](repeating: 0, count: hw.numCores)
        var current = 0
        // SCC number -> the core of its first assigned non-I/O member.
        var sccCore: [Int: Int] = [:]
        var order: [Int] = []
        order.reserveCapacity(view.count)
        for v in sequence {
            if view.isIO[v] {
                core[v] = current
            } else if cyclic, let c = sccCore[sccs.of[v]] {
                core[v] = c
                counts[c] += 1
            } else {
                if counts[current] >= hw.maxNeuronsPerCore {
                    current += 1
                    if current >= hw.numCores {
                        throw CelestaError(.invalidArgument, "Graph requires more than \(hw.numCores) cores. Reduce model size or increase core capacity.")
                    }
                }
                core[v] = current
                counts[current] += 1
                if cyclic { sccCore[sccs.of[v]] = current }
            }
            order.append(v)
        }
        var a = CoreAssignment(core: core, order: order)
        let cross = view.crossCount(core)
        let feedback = PartitionBookkeeping.feedbackEdges(view, sccs, core: core, cyclic: cyclic).count
        a.metrics = [
            "cut_ratio": .float(PartitionBookkeeping.cutRatio(view, cross: cross)),
            "balance_stddev": .float(PartitionBookkeeping.balanceStddev(core, order: order)),
            "total_cross_core_edges": .int(cross), "total_feedback_edges": .int(feedback),
        ]
        return a
    }

    static func edgemap(_ view: MappingView, _ sccs: Components, _ hw: HardwareSpec) throws -> CoreAssignment {
        let start = try greedy(view, sccs, hw)
        var core = start.core
        let greedyFeedback = PartitionBookkeeping.feedbackEdges(view, sccs, core: core, cyclic: PartitionBookkeeping.isCyclic(sccs, view))
        let greedyCut = view.crossCount(core)
        // Core sizes count every assigned node, I/O included (cores are 0..<num_cores).
        var size = [Int](repeating: 0, count: hw.numCores)
        for v in start.order { size[core[v]] += 1 }
        var sweeps = 0
        var improved = true
        var candidates: [Int] = []
        while improved && sweeps < 50 {
            improved = false
            sweeps += 1
            for v in start.order where !view.isIO[v] {
                let own = core[v]
                // Neighbour cores other than its own, ascending (CPython's order for small ints).
                candidates.removeAll(keepingCapacity: true)
                for w in view.out[v] where core[w] != own && !candidates.contains(core[w]) { candidates.append(core[w]) }
                for w in view.into[v] where core[w] != own && !candidates.contains(core[w]) { candidates.append(core[w]) }
                if candidates.count > 1 { candidates.sort() }
                for c in candidates where size[c] < hw.maxNeuronsPerCore {
                    // Over the node's incident edges, one term per edge end (parallel edges
                    // repeated): its successors and its predecessors.
                    var delta = 0
                    for w in view.out[v] { delta += (core[w] != c ? 1 : 0) - (core[w] != own ? 1 : 0) }
                    for w in view.into[v] { delta += (core[w] != c ? 1 : 0) - (core[w] != own ? 1 : 0) }
                    if delta < 0 {
                        core[v] = c
                        size[own] -= 1
                        size[c] += 1
                        improved = true
                        break
                    }
                }
            }
        }
        let cut = view.crossCount(core)
        var a = CoreAssignment(core: core, order: start.order, feedback: greedyFeedback)
        a.metrics = [
            "cut_ratio": .float(PartitionBookkeeping.cutRatio(view, cross: cut)), "total_cross_core_edges": .int(cut),
            "total_feedback_edges": .int(greedyFeedback.count), "refinement_iterations": .int(sweeps),
            "improvement_over_greedy": .int(greedyCut - cut),
        ]
        return a
    }
}
