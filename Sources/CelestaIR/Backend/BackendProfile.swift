/// Energy presets, profile options and results, and the per-operation cost model that turns a
/// measured run into TALON's `ProfileResult` (reference README §13 presets, §15 profiler).
/// Nothing here names a backend: a backend runs the graph and hands its measurements
/// (`ProfileMeasurements`) to `ProfileCosts`, or fills a `BackendProfile` from its own models.

/// Picojoules per operation of a process or device (TALON's `ENERGY_PRESETS` entry). Energies
/// computed from them are estimates, never measurements.
public struct EnergyPreset: Sendable, Equatable {
    public var name: String
    public var macPJ: Double
    public var spikePJ: Double
    public var sramReadPJ: Double
    public var sramWritePJ: Double
    public var description: String

    public init(_ name: String, mac: Double, spike: Double, read: Double, write: Double, _ description: String) {
        self.name = name
        macPJ = mac
        spikePJ = spike
        sramReadPJ = read
        sramWritePJ = write
        self.description = description
    }

    /// The presets, in TALON's order (data: add a row for a new process).
    public static let all: [EnergyPreset] = [
        EnergyPreset("45nm_cmos", mac: 0.9, spike: 0.1, read: 5.0, write: 5.0, "Standard 45 nm CMOS process (Horowitz 2014)"),
        EnergyPreset("28nm_cmos", mac: 0.5, spike: 0.06, read: 2.5, write: 2.5, "28 nm CMOS process"),
        EnergyPreset("neuromorphic_int8", mac: 4.6, spike: 0.9, read: 5.0, write: 5.0, "Representative INT8 neuromorphic accelerator"),
        EnergyPreset("zynq_us_plus", mac: 3.2, spike: 0.7, read: 4.0, write: 4.0,
                     "Zynq UltraScale+ XCZU9EG on ZCU102 (16 nm FinFET, 274K LUTs, 2520 DSP48, 32.1 Mb BRAM)"),
        EnergyPreset("zcu102", mac: 3.2, spike: 0.7, read: 4.0, write: 4.0, "Alias for zynq_us_plus (XCZU9EG-2FFVB1156 on ZCU102)"),
        EnergyPreset("zynq_7020", mac: 6.5, spike: 1.2, read: 8.0, write: 8.0, "Xilinx Zynq-7020 FPGA (28 nm)"),
    ]

    /// The profiler's default (TALON's).
    public static let defaultName = "neuromorphic_int8"

    /// The preset `name`; `.notFound` with TALON's message listing the sorted names.
    public static func named(_ name: String) throws -> EnergyPreset {
        guard let p = all.first(where: { $0.name == name }) else {
            let known = all.map(\.name).sorted().map { IRValue.string($0) }
            throw CelestaError(.notFound, "Unknown energy preset '\(name)'. Available: \(IRValue.list(known).pythonStr)")
        }
        return p
    }
}

/// How `Backend.profile` runs and prices a graph.
public struct BackendProfileOptions: Sendable {
    public var nSteps = 1
    /// The preset's name (kept in the result even when a coefficient is overridden, as TALON).
    public var energyPreset = EnergyPreset.defaultName
    /// Overrides of the preset's coefficients (pJ), nil: the preset's.
    public var macPJ: Double? = nil
    public var spikePJ: Double? = nil
    public var sramReadPJ: Double? = nil
    public var sramWritePJ: Double? = nil
    /// Celesta's per-primitive MAC energies (pJ per MAC, by primitive name); refused in the
    /// TALON-compatible mode.
    public var perOperationPJ: [String: Double] = [:]
    /// TALON 0.0.3's profiler exactly (its simulator, MAC count and latency loop).
    public var talonCompatible = false
    /// The backend's time step, nil: its default (each backend documents it).
    public var dt: Double? = nil
    /// Worker threads (0: one per core).
    public var threads = 0
    /// Called with (steps done, steps in all) where the backend can report; returning false
    /// cancels the run (`.cancelled`).
    public var progress: (@Sendable (Int, Int) -> Bool)? = nil
    public init() {}

    /// The coefficients: the preset's, each overridden when given.
    public func coefficients() throws -> (mac: Double, spike: Double, read: Double, write: Double) {
        let p = try EnergyPreset.named(energyPreset)
        return (macPJ ?? p.macPJ, spikePJ ?? p.spikePJ, sramReadPJ ?? p.sramReadPJ, sramWritePJ ?? p.sramWritePJ)
    }
}

/// TALON's `ProfileResult` (energies in μJ, latencies in μs), plus where each figure comes
/// from and, for chips, their models' figures.
public struct BackendProfile: Sendable {
    public var totalLatencyUS = 0.0
    public var perNodeLatencyUS: [(String, Double)] = []
    public var energyEstimateUJ = 0.0
    public var macEnergyUJ = 0.0
    public var spikeEnergyUJ = 0.0
    public var sramEnergyUJ = 0.0
    public var perLayerEnergyUJ: [(String, Double)] = []
    public var peakMemoryBytes = 0
    public var weightMemoryBytes = 0
    public var stateMemoryBytes = 0
    public var totalSRAMAccesses = 0
    public var spikeCounts: [(String, Int)] = []
    public var macOps = 0
    public var neuronUtilization: [(String, Double)] = []
    public var perCoreLatencyUS: [(Int, Double)] = []
    public var perCoreEnergyUJ: [(Int, Double)] = []
    public var energyPreset = EnergyPreset.defaultName
    /// Always true: every energy here is an estimate (per-operation costs or a power model).
    public var energyIsEstimate = true
    /// `measured` (host time per node), or the model the latency comes from (`cycle model`).
    public var latencySource = "measured"
    /// Where the energy comes from: `per-operation costs`, `power model`, `derived power model`
    /// (a chip without a kit: another chip's model, its assumptions in `modelNotes`) or
    /// `unavailable`.
    public var energySource = "per-operation costs"
    /// A chip's cycle model: clock cycles per time step at the run's firing rates.
    public var cyclesPerStep: Double? = nil
    /// The clock that runs the network in real time (cycle model, worst case plus margin).
    public var clockHz: Double? = nil
    /// A chip's power model: mean watts per supply rail over the run, in the model's order.
    public var powerWatts: [(String, Double)] = []
    /// The run's length in seconds of chip time (steps x dt), for the power model.
    public var runSeconds: Double? = nil
    /// The assumptions of a model with no reference model or measurement behind it, and why a
    /// figure is unavailable (one sentence each); empty otherwise.
    public var modelNotes: [String] = []
    public init() {}
}

/// What a backend measured in the run it profiles.
public struct ProfileMeasurements: Sendable {
    /// Steps run and the batch size (1 unbatched).
    public var steps = 1
    public var batch = 1
    /// Spikes per node over the run (all samples), in the run's order.
    public var spikeCounts: [(name: String, count: Int)] = []
    /// Time spent in each node over the run (ns).
    public var nodeNanoseconds: [String: UInt64] = [:]
    /// Multiply-accumulates per step and sample, per node.
    public var nodeMACs: [String: Int] = [:]
    /// Bytes of the values held during a step (per sample).
    public var activationBytes = 0
    public init() {}
}

/// The per-operation cost model of the profiler (README §15): memory from the graph's arrays,
/// MACs, spikes and SRAM traffic priced by the coefficients, per layer and per core. With
/// `talon`, TALON's counting exactly (its MAC rule, only Affine/Conv and LIF layers); otherwise
/// every node with MACs is a layer, and every node with spikes a neuron layer, with the
/// per-primitive MAC energies.
public enum ProfileCosts {
    /// The fields that hold neuron state rather than weights.
    public static let stateFields: Set<String> = ["tau", "v_threshold", "v_leak", "r"]

    static func isPort(_ n: IRNode) -> Bool { n.type == "Input" || n.type == "Output" }

    static func arrays(_ n: IRNode) -> [(String, Tensor)] {
        n.fields.entries.compactMap { e in e.value.tensor.map { (e.key, $0) } }
    }

    static func elements(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// TALON's MACs per step of a node: Affine rows x cols, a convolution its weight's size
    /// (no spatial factor), any other node the size of its >= 2-D `*weight*` arrays (not
    /// `cheap`), plus C x kH x kW of 4-D `cheap_weight` arrays.
    public static func talonMACs(_ n: IRNode) -> Int {
        if n.type == "Affine", let w = n.tensor("weight"), w.ndim >= 2 { return w.shape[0] * w.shape[1] }
        if n.isA("Conv2d") || n.isA("Conv1d") { return n.tensor("weight").map { elements($0.shape) } ?? 0 }
        var total = 0
        for (k, v) in arrays(n) {
            if k.contains("weight"), !k.contains("cheap"), v.ndim >= 2 { total += elements(v.shape) }
            if k.contains("cheap_weight"), v.ndim == 4 { total += v.shape[0] * v.shape[2] * v.shape[3] }
        }
        return total
    }

    /// Neurons of a spiking node: an LIF's threshold length (0 without), else the threshold's
    /// size (1 without one, as numpy's size of None).
    static func neurons(_ n: IRNode) -> Int {
        if n.type == "LIF" { return n.tensor("v_threshold").map { $0.shape.first ?? 1 } ?? 0 }
        return n.tensor("v_threshold").map { elements($0.shape) } ?? 1
    }

    /// The profile of `graph` from `m`, priced by `options` (its coefficients and per-primitive
    /// energies; `talonCompatible` selects TALON's counting).
    public static func profile(_ graph: IRGraph, measured m: ProfileMeasurements, options: BackendProfileOptions) throws -> BackendProfile {
        let talon = options.talonCompatible
        if talon, !options.perOperationPJ.isEmpty {
            throw CelestaError(.invalidArgument, "energy_per_op_pj is a Celesta extension; TALON-compatible profiles take energy_per_*_pj only")
        }
        let (macPJ, spikePJ, readPJ, writePJ) = try options.coefficients()
        let nodes = graph.nodes.filter { !isPort($0) }
        var weightBytes = 0, stateBytes = 0
        for n in nodes {
            for (k, v) in arrays(n) {
                if stateFields.contains(k) { stateBytes += v.bytes.count } else { weightBytes += v.bytes.count }
            }
        }
        let steps = m.steps, batch = m.batch
        var spikes: [String: Int] = [:]
        for s in m.spikeCounts { spikes[s.name] = s.count }
        var macs: [String: Int] = [:]
        for n in nodes { macs[n.name] = talon ? talonMACs(n) : (m.nodeMACs[n.name] ?? 0) }
        let macOps = nodes.reduce(0) { $0 + macs[$1.name]! } * steps * batch
        let spiking = nodes.filter { $0.type == "LIF" || (!talon && spikes[$0.name] != nil) }
        let spikingNames = Set(spiking.map(\.name))
        let stateTraffic = spiking.reduce(0) { $0 + neurons($1) } * steps * batch
        let reads = (weightBytes + 3) / 4 + stateTraffic
        let writes = stateTraffic
        func opMAC(_ n: IRNode) -> Double { options.perOperationPJ[n.type] ?? macPJ }

        var macEnergy: Double
        if talon {
            macEnergy = Double(macOps) * macPJ
        } else {
            macEnergy = 0
            for n in nodes { macEnergy += Double(macs[n.name]! * steps * batch) * opMAC(n) }
        }
        let spikeEnergy = Double(m.spikeCounts.reduce(0) { $0 + $1.count }) * spikePJ
        let sramEnergy = Double(reads) * readPJ + Double(writes) * writePJ

        var p = BackendProfile()
        var perCore: [(Int, Double)] = []
        func addCore(_ core: Int, _ f: (Double) -> Double) {
            if let i = perCore.firstIndex(where: { $0.0 == core }) { perCore[i].1 = f(perCore[i].1) } else { perCore.append((core, f(0.0))) }
        }
        for n in nodes {
            let core = n.fields["core_id"]?.int ?? 0
            let weighted = n.type == "Affine" || n.isA("Conv2d") || n.isA("Conv1d") || (!talon && macs[n.name]! > 0)
            if weighted {
                let wb: Int
                let count: Int
                let coef: Double
                if talon {
                    wb = (n.tensor("weight")?.bytes.count ?? 0) + (n.tensor("bias")?.bytes.count ?? 0)
                    count = n.tensor("weight").map { elements($0.shape) } ?? 0
                    coef = macPJ
                } else {
                    wb = arrays(n).filter { !stateFields.contains($0.0) }.reduce(0) { $0 + $1.1.bytes.count }
                    count = macs[n.name]! * batch
                    coef = opMAC(n)
                }
                let words = Double((wb + 3) / 4)
                let e = Double(count * steps) * coef + words * readPJ
                if e > 0 { p.perLayerEnergyUJ.append((n.name, e / 1e6)) }
                addCore(core) { $0 + Double(count * steps) * coef + words * readPJ }
            } else if spikingNames.contains(n.name) {
                let s = spikes[n.name] ?? 0
                let e = Double(s) * spikePJ + Double(neurons(n) * steps * batch) * (readPJ + writePJ)
                if e > 0 { p.perLayerEnergyUJ.append((n.name, e / 1e6)) }
                addCore(core) { $0 + Double(s) * spikePJ }
            }
        }
        var total = 0.0
        var perCoreLatency: [(Int, Double)] = []
        for n in nodes {
            let us = Double(m.nodeNanoseconds[n.name] ?? 0) / 1000.0
            p.perNodeLatencyUS.append((n.name, us))
            total += us
            let core = n.fields["core_id"]?.int ?? 0
            if let i = perCoreLatency.firstIndex(where: { $0.0 == core }) { perCoreLatency[i].1 += us } else { perCoreLatency.append((core, 0.0 + us)) }
        }
        p.neuronUtilization = spiking.map { n in (n.name, Double(spikes[n.name] ?? 0) / Double(max(neurons(n) * steps, 1))) }
        p.totalLatencyUS = total
        p.energyEstimateUJ = (macEnergy + spikeEnergy + sramEnergy) / 1e6
        p.macEnergyUJ = macEnergy / 1e6
        p.spikeEnergyUJ = spikeEnergy / 1e6
        p.sramEnergyUJ = sramEnergy / 1e6
        p.peakMemoryBytes = m.activationBytes + weightBytes + stateBytes
        p.weightMemoryBytes = weightBytes
        p.stateMemoryBytes = stateBytes
        p.totalSRAMAccesses = reads + writes
        p.spikeCounts = m.spikeCounts.map { ($0.name, $0.count) }
        p.macOps = macOps
        p.perCoreLatencyUS = perCoreLatency
        p.perCoreEnergyUJ = perCore.map { ($0.0, $0.1 / 1e6) }
        p.energyPreset = options.energyPreset
        return p
    }
}

extension BackendProfile {
    /// The profile as JSON with TALON's field names (per-core keys as strings), plus
    /// `energy_is_estimate`, `latency_source`, `energy_source` and, when the backend has them,
    /// `cycles_per_step`, `clock_hz`, `power_watts` {rail: W}, `power_total_watts`,
    /// `run_seconds` and `model_notes` [sentence].
    public var json: String {
        func dict<K>(_ list: [(K, Double)]) -> String {
            "{" + list.map { JSONText.quote("\($0.0)") + ": " + JSONText.number($0.1) }.joined(separator: ", ") + "}"
        }
        var parts: [(String, String)] = [
            ("total_latency_us", JSONText.number(totalLatencyUS)), ("per_node_latency", dict(perNodeLatencyUS)),
            ("energy_estimate_uj", JSONText.number(energyEstimateUJ)), ("mac_energy_uj", JSONText.number(macEnergyUJ)),
            ("spike_energy_uj", JSONText.number(spikeEnergyUJ)), ("sram_energy_uj", JSONText.number(sramEnergyUJ)),
            ("per_layer_energy_uj", dict(perLayerEnergyUJ)), ("peak_memory_bytes", "\(peakMemoryBytes)"),
            ("weight_memory_bytes", "\(weightMemoryBytes)"), ("state_memory_bytes", "\(stateMemoryBytes)"),
            ("total_sram_accesses", "\(totalSRAMAccesses)"),
            ("spike_counts", "{" + spikeCounts.map { JSONText.quote($0.0) + ": \($0.1)" }.joined(separator: ", ") + "}"),
            ("mac_ops", "\(macOps)"), ("neuron_utilization", dict(neuronUtilization)),
            ("per_core_latency", dict(perCoreLatencyUS)), ("per_core_energy", dict(perCoreEnergyUJ)),
            ("energy_preset", JSONText.quote(energyPreset)), ("energy_is_estimate", "\(energyIsEstimate)"),
            ("latency_source", JSONText.quote(latencySource)), ("energy_source", JSONText.quote(energySource)),
        ]
        if let cyclesPerStep { parts.append(("cycles_per_step", JSONText.number(cyclesPerStep))) }
        if let clockHz { parts.append(("clock_hz", JSONText.number(clockHz))) }
        if !powerWatts.isEmpty {
            parts.append(("power_watts", dict(powerWatts)))
            parts.append(("power_total_watts", JSONText.number(powerWatts.reduce(0) { $0 + $1.1 })))
        }
        if let runSeconds { parts.append(("run_seconds", JSONText.number(runSeconds))) }
        if !modelNotes.isEmpty { parts.append(("model_notes", "[" + modelNotes.map(JSONText.quote).joined(separator: ", ") + "]")) }
        return "{" + parts.map { JSONText.quote($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }
}
