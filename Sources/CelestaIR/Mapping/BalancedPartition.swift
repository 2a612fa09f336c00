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
        var members: [Int]
        var neurons: Int
        var bytes: Int
        var isIO: Bool
    }

    struct Plan {
        var units: [Unit]
        var unitOf: [Int]
        /// Whether memory is balanced and bounded (every unit fits a core's SRAM).
        var memoryCounts: Bool
    }

    static func plan(_ view: MappingView, _ sccs: (list: [[Int]], of: [Int]), _ hw: HardwareSpec) throws -> Plan {
        let comps = sccs.list.map { $0.sorted() }
        // Condensed graph, topological order by Kahn with the lowest first member first.
        var succ = [[Int]](repeating: [], count: comps.count)
        var indegree = [Int](repeating: 0, count: comps.count)
        for e in view.edges {
            let a = sccs.of[e.s], b = sccs.of[e.t]
            if a != b {
                succ[a].append(b)
                indegree[b] += 1
            }
        }
        var heap = MinHeap()
        for c in comps.indices where indegree[c] == 0 { heap.push(comps[c][0], c) }
        var order: [Int] = []
        order.reserveCapacity(comps.count)
        while let c = heap.pop() {
            order.append(c)
            for d in succ[c] {
                indegree[d] -= 1
                if indegree[d] == 0 { heap.push(comps[d][0], d) }
            }
        }
        var units: [Unit] = []
        units.reserveCapacity(order.count)
        var unitOf = [Int](repeating: 0, count: view.count)
        for c in order {
            var neurons = 0, bytes = 0, io = true
            for v in comps[c] where !view.isIO[v] {
                io = false
                let node = view.graph.nodes[v]
                neurons += MappingView.neurons(node)
                let b = MappingView.bytes(node)
                bytes += b.weight + b.state
            }
            for v in comps[c] { unitOf[v] = units.count }
            units.append(Unit(members: comps[c], neurons: neurons, bytes: bytes, isIO: io))
        }
        for u in units where u.neurons > hw.maxNeuronsPerCore {
            if u.members.count == 1 {
                throw CelestaError(.limitExceeded, "node '\(view.names[u.members[0]])' has \(u.neurons) neurons; a core holds at most max_neurons_per_core=\(hw.maxNeuronsPerCore)")
            }
            let names = u.members.map { "'\(view.names[$0])'" }.joined(separator: ", ")
            throw CelestaError(.limitExceeded, "the recurrent loop of nodes \(names) has \(u.neurons) neurons; a loop stays on one core, which holds at most max_neurons_per_core=\(hw.maxNeuronsPerCore)")
        }
        let maxBytes = units.map(\.bytes).max() ?? 0
        return Plan(units: units, unitOf: unitOf, memoryCounts: maxBytes > 0 && maxBytes <= hw.sramBytesPerCore)
    }

    static func greedy(_ view: MappingView, _ sccs: (list: [[Int]], of: [Int]), _ hw: HardwareSpec) throws -> CoreAssignment {
        let p = try plan(view, sccs, hw)
        return try greedy(view, sccs, hw, p)
    }

    private static func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }

    static func greedy(_ view: MappingView, _ sccs: (list: [[Int]], of: [Int]), _ hw: HardwareSpec, _ p: Plan) throws -> CoreAssignment {
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
                            "the graph does not fit on num_cores=\(hw.numCores) cores: core \(current - 1) holds \(neurons) of \(hw.maxNeuronsPerCore) neurons and \(bytes) of \(hw.sramBytesPerCore) bytes when node '\(view.names[u.members[0]])' (\(u.neurons) neurons, \(u.bytes) bytes) comes; \(left.count) more nodes or loops with \(left.reduce(0) { $0 + $1.neurons }) neurons and \(left.reduce(0) { $0 + $1.bytes }) bytes have no core")
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
            for v in u.members {
                core[v] = current
                order.append(v)
            }
        }
        var a = CoreAssignment(core: core, order: order)
        let cross = view.crossEdges(core).count
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
    static func edgemap(_ view: MappingView, _ sccs: (list: [[Int]], of: [Int]), _ hw: HardwareSpec) throws -> CoreAssignment {
        let p = try plan(view, sccs, hw)
        let start = try greedy(view, sccs, hw, p)
        var core = start.core
        let greedyCut = view.crossEdges(core).count
        // (Cores are 0..<num_cores.)
        var neurons = [Int](repeating: 0, count: hw.numCores), bytes = [Int](repeating: 0, count: hw.numCores)
        for u in p.units where !u.isIO {
            neurons[core[u.members[0]]] += u.neurons
            bytes[core[u.members[0]]] += u.bytes
        }
        // Edges leaving each unit: (member, other end), one entry per edge end.
        var boundary = [[(Int, Int)]](repeating: [], count: p.units.count)
        for e in view.edges where p.unitOf[e.s] != p.unitOf[e.t] {
            boundary[p.unitOf[e.s]].append((e.s, e.t))
            boundary[p.unitOf[e.t]].append((e.t, e.s))
        }
        var sweeps = 0
        var improved = true
        var candidates: [Int] = []
        while improved && sweeps < 50 {
            improved = false
            sweeps += 1
            for (k, u) in p.units.enumerated() where !u.isIO {
                let own = core[u.members[0]]
                // The other cores at its boundary, ascending (a short list: no set made).
                candidates.removeAll(keepingCapacity: true)
                for (_, w) in boundary[k] where core[w] != own && !candidates.contains(core[w]) { candidates.append(core[w]) }
                if candidates.count > 1 { candidates.sort() }
                for c in candidates {
                    guard neurons[c] + u.neurons <= hw.maxNeuronsPerCore,
                        !p.memoryCounts || bytes[c] + u.bytes <= hw.sramBytesPerCore
                    else { continue }
                    var delta = 0
                    for (_, w) in boundary[k] { delta += (core[w] != c ? 1 : 0) - (core[w] != own ? 1 : 0) }
                    if delta < 0 {
                        for v in u.members { core[v] = c }
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
        let cut = view.crossEdges(core).count
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
