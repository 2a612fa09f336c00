/// Energy costs in picojoules per operation (TALON's `ENERGY_TABLE` keys).
public struct EnergyTable: Sendable, Equatable {
    public var macPJ = 0.9
    public var spikePJ = 0.1
    public var sramReadPJ = 5.0
    public var sramWritePJ = 5.0

    /// TALON's `talon.sdk.ENERGY_TABLE` (45 nm CMOS figures).
    public static let talonDefault = EnergyTable()

    public init(macPJ: Double = 0.9, spikePJ: Double = 0.1, sramReadPJ: Double = 5.0, sramWritePJ: Double = 5.0) {
        self.macPJ = macPJ
        self.spikePJ = spikePJ
        self.sramReadPJ = sramReadPJ
        self.sramWritePJ = sramWritePJ
    }

    /// The keys in TALON's order, with their values.
    public var entries: [(String, Double)] {
        [("mac_pj", macPJ), ("spike_pj", spikePJ), ("sram_read_pj", sramReadPJ), ("sram_write_pj", sramWritePJ)]
    }

    /// The defaults with the given keys overridden; an unknown key is refused.
    public static func overriding(_ given: [(String, Double)]) throws -> EnergyTable {
        var t = EnergyTable()
        for (k, v) in given {
            switch k {
            case "mac_pj": t.macPJ = v
            case "spike_pj": t.spikePJ = v
            case "sram_read_pj": t.sramReadPJ = v
            case "sram_write_pj": t.sramWritePJ = v
            default: throw CelestaError(.invalidArgument, "energy_table has an unknown key '\(k)'; the keys are mac_pj, spike_pj, sram_read_pj, sram_write_pj")
            }
        }
        return t
    }
}

/// An inference energy estimate (TALON's `EnergyEstimate`), in microjoules.
public struct EnergyEstimate: Sendable, Equatable {
    public var totalUJ = 0.0
    public var macEnergyUJ = 0.0
    public var spikeEnergyUJ = 0.0
    public var memoryEnergyUJ = 0.0
    /// Layers with energy > 0, in node order.
    public var perLayer: [(String, Double)] = []
    public var macCount = 0
    public var spikeCount = 0
    public var memoryAccesses = 0

    public static func == (a: EnergyEstimate, b: EnergyEstimate) -> Bool {
        a.totalUJ == b.totalUJ && a.macCount == b.macCount && a.spikeCount == b.spikeCount && a.memoryAccesses == b.memoryAccesses
            && a.perLayer.map(\.0) == b.perLayer.map(\.0) && a.perLayer.map(\.1) == b.perLayer.map(\.1)
    }
}

/// TALON's `talon.sdk.estimate_energy` MAC cost model (reference README §11): MACs of dense,
/// convolution and normalisation layers, one SRAM read per 4 parameter bytes, and
/// `neurons * spike_rate * timesteps` spikes per LIF layer. MACs are per inference (not
/// multiplied by timesteps), as TALON counts them.
public enum EnergyModel {
    public static func estimate(_ graph: IRGraph, spikeRate: Double = 0.1, timesteps: Int = 1, table: EnergyTable = .talonDefault) throws -> EnergyEstimate {
        guard spikeRate.isFinite else { throw CelestaError(.invalidArgument, "argument 'spike_rate' is \(spikeRate); it must be a finite number") }
        var e = EnergyEstimate()
        var memBytes = 0
        var types = TypeInfoCache()
        for node in graph.nodes {
            let info = types(node.type)
            guard let facts = info.facts else { continue }
            if facts.compute == .neuron && info.isLIF {
                let neurons = node.tensor("v_threshold")?.count ?? node.outputType?["output"]?.reduce(1, *) ?? 0
                let spikes = Int((Double(neurons) * spikeRate * Double(timesteps)).rounded(.towardZero))
                e.spikeCount += spikes
                let energy = Double(spikes) * table.spikePJ
                if energy > 0 { e.perLayer.append((node.name, energy / 1e6)) }
                continue
            }
            let (macs, bytes) = work(node, facts)
            e.macCount += macs
            memBytes += bytes
            let accesses = (bytes + 3) / 4
            var energy = Double(macs) * table.macPJ
            if accesses > 0 { energy += Double(accesses) * table.sramReadPJ }
            if energy > 0 { e.perLayer.append((node.name, energy / 1e6)) }
        }
        let macPJ = Double(e.macCount) * table.macPJ
        let spikePJ = Double(e.spikeCount) * table.spikePJ
        e.memoryAccesses = (memBytes + 3) / 4
        let memPJ = Double(e.memoryAccesses) * table.sramReadPJ
        e.totalUJ = (macPJ + spikePJ + memPJ) / 1e6
        e.macEnergyUJ = macPJ / 1e6
        e.spikeEnergyUJ = spikePJ / 1e6
        e.memoryEnergyUJ = memPJ / 1e6
        return e
    }

    /// (MACs, parameter bytes) of one node.
    static func work(_ node: IRNode, _ facts: AnalysisFacts) -> (Int, Int) {
        func bytes(_ names: [String]) -> Int { names.reduce(0) { $0 + (node.tensor($1)?.bytes.count ?? 0) } }
        let out = node.outputType?["output"]
        switch facts.compute {
        case .none, .neuron: return (0, 0)
        case .dense:
            return (node.tensor("weight")?.count ?? 0, bytes(["weight", "bias"]))
        case .conv2d:
            guard let w = node.tensor("weight"), w.ndim == 4 else { return (0, bytes(["bias"])) }
            var h = 1, wd = 1
            if let out, out.count >= 2 {
                h = out[out.count - 2]
                wd = out[out.count - 1]
            }
            let groups = max(node["groups"]?.int ?? 1, 1)
            return (w.shape[0] * h * wd * (w.shape[1] * w.shape[2] * w.shape[3]) / groups, bytes(["weight", "bias"]))
        case .conv1d:
            guard let w = node.tensor("weight"), w.ndim == 3 else { return (0, bytes(["bias"])) }
            let length = out.map { $0.reduce(1, *) / max(w.shape[0], 1) } ?? 1
            let groups = max(node["groups"]?.int ?? 1, 1)
            return (w.shape[0] * length * (w.shape[1] * w.shape[2]) / groups, bytes(["weight", "bias"]))
        case .sepConv2d:
            guard let dw = node.tensor("depthwise_weight"), dw.ndim == 4, let pw = node.tensor("pointwise_weight"), pw.ndim >= 1 else { return (0, 0) }
            var h = 1, wd = 1
            if let out {
                h = out.count >= 2 ? out[out.count - 2] : 1
                wd = out.count >= 1 ? out[out.count - 1] : 1
            }
            let macs = dw.shape[0] * dw.shape[2] * dw.shape[3] * h * wd + pw.shape[0] * dw.shape[0] * h * wd
            return (macs, bytes(facts.parameters))
        case .batchNorm:
            var features = node["num_features"]?.int ?? 0
            if features == 0 { features = node.tensor("weight")?.count ?? 0 }
            return (4 * features, bytes(facts.parameters))
        case .layerNorm:
            let features = node["normalized_shape"]?.ints?.reduce(1, *) ?? 1
            return (4 * features, bytes(facts.parameters))
        }
    }
}
