/// Celesta's greedy and edgemap partitioning (the default; `.talon` mode runs TALON's).
///
/// The unit of placement is a strongly connected component (a single node in a DAG), so a
/// recurrent loop never spans cores. Units are taken in topological order of the condensed
/// graph (ties: the lowest node index first, i.e. insertion order where it allows). A unit
/// costs its neurons (see `MappingView.neurons`) and its bytes (weights and state, as
/// `allocate` counts them). The graph gets the fewest cores that hold its neurons and, when
/// every unit fits a core's SRAM, its memory; units are spread over those cores so that each
/// gets an equal share of neurons and memory, and no core ever exceeds either capacity.
enum BalancedPartition {
    struct Unit {
        /// Its nodes, ascending: `Plan.members[members]`.
        var members: Range<Int>
        var neurons: Int
        var bytes: Int
        var isIO: Bool
    }

    struct Plan {
        var units: [Unit]
        /// The units' nodes, unit after unit.
        var members: [Int]
        var unitOf: [Int]
        /// Whether memory is balanced and bounded (every unit fits a core's SRAM).
        var memoryCounts: Bool

        func members(_ u: Unit) -> ArraySlice<Int> { members[u.members] }
    }

    static func plan(_ view: MappingView, _ sccs: Components, _ hw: HardwareSpec) throws -> Plan {
        // Each component's members ascending.
        var sorted = sccs.members
        for c in 0..<sccs.count where sccs.size(c) > 1 { sorted[sccs.start[c]..<sccs.start[c + 1]].sort() }
        // Condensed graph (edges between components, in edge order), topological order by Kahn
        // with the lowest first member first.
        var links: [(Int, Int)] = []
        links.reserveCapacity(view.edges.count)
        var indegree = [Int](repeating: 0, count: sccs.count)
        for e in view.edges {
            let a = sccs.of[e.s], b = sccs.of[e.t]
            if a != b {
                links.append((a, b))
                indegree[b] += 1
            }
        }
        let succ = AdjacencyRows(sccs.count, links)
        var heap = MinHeap()
        for c in 0..<sccs.count where indegree[c] == 0 { heap.push(sorted[sccs.start[c]], c) }
        var units: [Unit] = []
        units.reserveCapacity(sccs.count)
        var members: [Int] = []
        members.reserveCapacity(view.count)
        var unitOf = [Int](repeating: 0, count: view.count)
        var costs = MappingView.Costs()
        while let c = heap.pop() {
            for d in succ[c] {
                indegree[d] -= 1
                if indegree[d] == 0 { heap.push(sorted[sccs.start[d]], d) }
            }
            var neurons = 0, bytes = 0, io = true
            let first = members.count
            for v in sorted[sccs.start[c]..<sccs.start[c + 1]] {
                unitOf[v] = units.count
                members.append(v)
                guard !view.isIO[v] else { continue }
                io = false
                let cost = costs.of(view.graph.nodes[v])
                neurons += cost.neurons
                bytes += cost.weight + cost.state
            }
            units.append(Unit(members: first..<members.count, neurons: neurons, bytes: bytes, isIO: io))
        }
        for u in units where u.neurons > hw.maxNeuronsPerCore {
            if u.members.count == 1 {
                throw CelestaError(.limitExceeded, "node '\(view.name(members[u.members.lowerBound]))' has \(u.neurons) neurons; a core holds at most max_neurons_per_core=\(hw.maxNeuronsPerCore)")
            }
            let names = members[u.members].map { "'\(view.name($0))'" }.joined(separator: ", ")
            throw CelestaError(.limitExceeded, "the recurrent loop of nodes \(names) has \(u.neurons) neurons; a loop stays on one core, which holds at most max_neurons_per_core=\(hw.maxNeuronsPerCore)")
        }
        let maxBytes = units.map(\.bytes).max() ?? 0
        return Plan(units: units, members: members, unitOf: unitOf, memoryCounts: maxBytes > 0 && maxBytes <= hw.sramBytesPerCore)
    }

    static func greedy(_ view: MappingView, _ sccs: Components, _ hw: HardwareSpec) throws -> CoreAssignment {
        let p = try plan(view, sccs, hw)
        return try greedy(view, sccs, hw, p)
    }

    private static func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }

    static func greedy(_ view: MappingView, _ sccs: Components, _ hw: HardwareSpec, _ p: Plan) throws -> CoreAssignment {
        let totalNeurons = p.units.reduce(0) { $0 + $1.neurons }
        let totalBytes = p.units.reduce(0) { $0 + $1.bytes }
        let byNeurons = ceilDiv(totalNeurons, hw.maxNeuronsPerCore)
        let byMemory = p.memoryCounts ? ceilDiv(totalBytes, hw.sramBytesPerCore) : 0
        let needed = max(1, byNeurons, byMemory)
        if needed > hw.numCores {
            var why = ["\(totalNeurons) neurons at most \(hw.maxNeuronsPerCore) a core need \(byNeurons) cores"]
            if p.memoryCounts { why.append("\(totalBytes) bytes at most \(hw.sramBytesPerCore) a core need \(byMemory) cores") }
            throw CelestaError(.limitExceeded, "the graph does not fit: " + why.joined(separator: "; ") + ", but num_cores=\(hw.numCores)")
        }
        func load(_ u: Unit) -> Double {
            (totalNeurons > 0 ? Double(u.neurons) / Double(totalNeurons) : 0)
                + (p.memoryCounts && totalBytes > 0 ? Double(u.bytes) / Double(totalBytes) : 0)
        }
        let total = p.units.reduce(0) { $0 + load($1) }
        var core = [Int](repeating: -1, count: view.count)
        var order: [Int] = []
        order.reserveCapacity(view.count)
        var current = 0, neurons = 0, bytes = 0, filled = false
        var done = 0.0
        var neuronsPerCore = [0], bytesPerCore = [0]
        for (k, u) in p.units.enumerated() {
            if !u.isIO {
                let share = load(u)
                let boundary = total * Double(current + 1) / Double(needed)
                let full = neurons + u.neurons > hw.maxNeuronsPerCore || (p.memoryCounts && bytes + u.bytes > hw.sramBytesPerCore)
                if filled && (full || (current < needed - 1 && done + share / 2 > boundary)) {
                    current += 1
                    if current >= hw.numCores {
                        let left = p.units[k...].filter { !$0.isIO }
                        throw CelestaError(.limitExceeded,
                            "the graph does not fit on num_cores=\(hw.numCores) cores: core \(current - 1) holds \(neurons) of \(hw.maxNeuronsPerCore) neurons and \(bytes) of \(hw.sramBytesPerCore) bytes when node '\(view.name(p.members[u.members.lowerBound]))' (\(u.neurons) neurons, \(u.bytes) bytes) comes; \(left.count) more nodes or loops with \(left.reduce(0) { $0 + $1.neurons }) neurons and \(left.reduce(0) { $0 + $1.bytes }) bytes have no core")
                    }
                    neurons = 0
                    bytes = 0
                    neuronsPerCore.append(0)
                    bytesPerCore.append(0)
                }
                filled = true
                neurons += u.neurons
                bytes += u.bytes
                neuronsPerCore[current] += u.neurons
                bytesPerCore[current] += u.bytes
                done += share
            }
            for v in p.members(u) {
                core[v] = current
                order.append(v)
            }
        }
        var a = CoreAssignment(core: core, order: order)
        let cross = view.crossCount(core)
        a.metrics = [
            "cut_ratio": .float(PartitionBookkeeping.cutRatio(view, cross: cross)),
            "balance_stddev": .float(PartitionBookkeeping.balanceStddev(core, order: order)),
            "total_cross_core_edges": .int(cross), "total_feedback_edges": .int(0),
            "neurons_per_core": .list(neuronsPerCore.map(IRValue.int)), "bytes_per_core": .list(bytesPerCore.map(IRValue.int)),
        ]
        return a
    }

    /// Greedy, then TALON's refinement sweeps on whole units: a unit moves to the first
    /// neighbouring core (ascending) that has room for its neurons (and memory) where it cuts
    /// fewer edges; up to 50 sweeps while something moved.
    static func edgemap(_ view: MappingView, _ sccs: Components, _ hw: HardwareSpec) throws -> CoreAssignment {
        let p = try plan(view, sccs, hw)
        let start = try greedy(view, sccs, hw, p)
        var core = start.core
        let greedyCut = view.crossCount(core)
        // (Cores are 0..<num_cores.)
        var neurons = [Int](repeating: 0, count: hw.numCores), bytes = [Int](repeating: 0, count: hw.numCores)
        for u in p.units where !u.isIO {
            neurons[core[p.members[u.members.lowerBound]]] += u.neurons
            bytes[core[p.members[u.members.lowerBound]]] += u.bytes
        }
        // The other ends of the edges leaving each unit, one entry per edge end.
        var ends: [(Int, Int)] = []
        for e in view.edges where p.unitOf[e.s] != p.unitOf[e.t] {
            ends.append((p.unitOf[e.s], e.t))
            ends.append((p.unitOf[e.t], e.s))
        }
        let boundary = AdjacencyRows(p.units.count, ends)
        var sweeps = 0
        var improved = true
        var candidates: [Int] = []
        while improved && sweeps < 50 {
            improved = false
            sweeps += 1
            for (k, u) in p.units.enumerated() where !u.isIO {
                let own = core[p.members[u.members.lowerBound]]
                // The other cores at its boundary, ascending (a short list: no set made).
                candidates.removeAll(keepingCapacity: true)
                for w in boundary[k] where core[w] != own && !candidates.contains(core[w]) { candidates.append(core[w]) }
                if candidates.count > 1 { candidates.sort() }
                for c in candidates {
                    guard neurons[c] + u.neurons <= hw.maxNeuronsPerCore,
                        !p.memoryCounts || bytes[c] + u.bytes <= hw.sramBytesPerCore
                    else { continue }
                    var delta = 0
                    for w in boundary[k] { delta += (core[w] != c ? 1 : 0) - (core[w] != own ? 1 : 0) }
                    if delta < 0 {
                        for v in p.members(u) { core[v] = c }
                        neurons[own] -= u.neurons
                        bytes[own] -= u.bytes
                        neurons[c] += u.neurons
                        bytes[c] += u.bytes
                        improved = true
                        break
                    }
                }
            }
        }
        let cut = view.crossCount(core)
        var a = CoreAssignment(core: core, order: start.order)
        a.metrics = [
            "cut_ratio": .float(PartitionBookkeeping.cutRatio(view, cross: cut)), "total_cross_core_edges": .int(cut),
            "total_feedback_edges": .int(0), "refinement_iterations": .int(sweeps), "improvement_over_greedy": .int(greedyCut - cut),
        ]
        return a
    }
}

/// A binary min-heap of (key, value) pairs, ties broken by value.
struct MinHeap {
    private var items: [(key: Int, value: Int)] = []

    private static func less(_ a: (key: Int, value: Int), _ b: (key: Int, value: Int)) -> Bool {
        a.key != b.key ? a.key < b.key : a.value < b.value
    }

    mutating func push(_ key: Int, _ value: Int) {
        items.append((key, value))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard MinHeap.less(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, MinHeap.less(items[l], items[m]) { m = l }
                if r < items.count, MinHeap.less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top.value
    }
}
