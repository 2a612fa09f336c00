/// One core's share of memory (TALON's `CoreBudget`).
public struct CoreBudget: Sendable, Equatable {
    public var coreId: Int
    public var neuronCount = 0
    public var weightBytes = 0
    public var stateBytes = 0
    public var routingBytes = 0
    public var totalBytes = 0
    public var utilization = 0.0
}

/// TALON's `ResourceMap`: the budgets in the order their cores were first seen.
public struct ResourceMap: Sendable, Equatable {
    public var budgets: [CoreBudget] = []
    public var totalWeightBytes = 0
    public var totalStateBytes = 0
    public var peakCoreUtilization = 0.0
    public var fitsHardware = true
    /// Cores whose total exceeds `sram_bytes_per_core`, in budget order.
    public var violations: [Int] = []
    /// For each violating core, what overflows: its nodes by bytes, largest first.
    public var overflow: [(core: Int, total: Int, nodes: [(name: String, bytes: Int)])] = []

    public static func == (a: ResourceMap, b: ResourceMap) -> Bool {
        a.budgets == b.budgets && a.totalWeightBytes == b.totalWeightBytes && a.totalStateBytes == b.totalStateBytes
            && a.peakCoreUtilization == b.peakCoreUtilization && a.fitsHardware == b.fitsHardware && a.violations == b.violations
    }

    /// What overflows where, one line a violating core (empty when everything fits):
    /// `core 0: 1614152 bytes > sram_bytes_per_core=98304 (fc1 1605632, fc2 5160, ...)`.
    public func overflowReport(sram: Int) -> String {
        overflow.map { o in
            let largest = o.nodes.prefix(4).map { "\($0.name) \($0.bytes)" }.joined(separator: ", ")
            return "core \(o.core): \(o.total) bytes > sram_bytes_per_core=\(sram) (\(largest)\(o.nodes.count > 4 ? ", ..." : ""))"
        }.joined(separator: "\n")
    }
}

extension IRGraph {
    /// TALON's `allocate(graph, hw)` (reference README §12.3): per core (`core_id`, unset: 0)
    /// the compute nodes, their weight bytes (by `precision`), state bytes (tau, v_threshold,
    /// v_leak, r at 4 bytes), and 8 routing bytes per cross-core edge of `partition_metadata`
    /// on its destination's core; utilisation against `sram_bytes_per_core` (may exceed 1).
    /// `overflow` says which nodes fill each core that does not fit.
    ///
    /// `neuron_count`: in `.celesta` mode the neurons of the core's nodes (as partitioning counts
    /// them: `MappingView.neurons`, so synapses and I/O hold none); in `.talon` mode one per
    /// compute node, as TALON counts. Everything else is the same in both modes.
    public func allocate(on hw: HardwareSpec, mode: IRMode = .celesta) -> ResourceMap {
        var map = ResourceMap()
        var slot: [Int: Int] = [:]
        var members: [Int: [(String, Int)]] = [:]
        for n in nodes where !(n.isA("Input") || n.isA("Output")) {
            let core = n.fields["core_id"]?.int ?? 0
            let k: Int
            if let s = slot[core] {
                k = s
            } else {
                k = map.budgets.count
                slot[core] = k
                map.budgets.append(CoreBudget(coreId: core))
            }
            let b = MappingView.bytes(n)
            map.budgets[k].neuronCount += mode == .talon ? 1 : MappingView.neurons(n)
            map.budgets[k].weightBytes += b.weight
            map.budgets[k].stateBytes += b.state
            members[core, default: []].append((n.name, b.weight + b.state))
        }
        if case .dict(let pm)? = settings["partition_metadata"], !pm.isEmpty {
            var assigned: [String: Int] = [:]
            if case .dict(let a)? = pm["assignments"] {
                for e in a.entries { if let c = e.value.int { assigned[e.key] = c } }
            }
            for pair in MappingView.items(pm["cross_core_edges"]) ?? [] {
                guard let p = MappingView.items(pair), p.count == 2, let dst = p[1].string, let c = assigned[dst], let k = slot[c] else { continue }
                map.budgets[k].routingBytes += 8
            }
        }
        let sram = max(hw.sramBytesPerCore, 1)
        for k in map.budgets.indices {
            var b = map.budgets[k]
            b.totalBytes = b.weightBytes + b.stateBytes + b.routingBytes
            b.utilization = Double(b.totalBytes) / Double(sram)
            map.budgets[k] = b
            map.totalWeightBytes += b.weightBytes
            map.totalStateBytes += b.stateBytes
            map.peakCoreUtilization = max(map.peakCoreUtilization, b.utilization)
            if b.totalBytes > hw.sramBytesPerCore {
                map.violations.append(b.coreId)
                let list = (members[b.coreId] ?? []).sorted { $0.1 > $1.1 }
                map.overflow.append((b.coreId, b.totalBytes, list.map { (name: $0.0, bytes: $0.1) }))
            }
        }
        map.fitsHardware = map.violations.isEmpty
        return map
    }
}
