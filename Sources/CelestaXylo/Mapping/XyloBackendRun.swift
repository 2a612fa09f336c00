import CelestaIR

/// The Xylo backends' compile, simulate and profile: map + quantize (per channel) +
/// configuration, the bit-exact simulator, and the chip's cycle and power models.
extension XyloBackend {
    /// A compiled network: the validated configuration, the mapping and its warnings.
    public struct Deployment: Sendable {
        public var config: XyloConfig
        public var mapping: XyloMapping
        public var warnings: [String]
        /// The step the graph was discretised with (seconds, or the graph's time unit).
        public var dt: Double
        /// The quantized specification the configuration was made from.
        public var quantized: QuantizedSpecification
    }

    /// Maps `graph` (the time step `dt` in its time constants' unit; nil: the backend's, else
    /// the graph's metadata dt, else 1 ms), quantizes per channel (8-bit weights, 16-bit
    /// thresholds) and validates the configuration (`.invalidConfig` naming the broken limits).
    public func compile(_ graph: IRGraph, dt given: Double? = nil) throws -> Deployment {
        let lowered = try XyloIRLowering.lower(graph, dt: given ?? dt)
        let mapping = try XyloMapper.map(lowered.network, chip: chip)
        let quantized = try XyloQuantizeMethod.channel.quantize(mapping.spec)
        let config = try quantized.config()
        let issues = config.validate(for: chip)
        guard issues.isEmpty else {
            throw CelestaError(.invalidConfig, "the configuration for \(name) is invalid: " + issues.map(\.description).joined(separator: "; "))
        }
        return Deployment(config: config, mapping: mapping, warnings: lowered.warnings + mapping.warnings, dt: mapping.spec.dt, quantized: quantized)
    }

    public var simulates: Bool { true }

    /// `compile`'s summary: the chip, the network's dimensions, its non-zero synapses, the
    /// step, the real-time clock (where the chip has a cycle model) and the mapper's warnings.
    public func deploy(_ graph: IRGraph, options: BackendRunOptions) throws -> [(String, IRValue)] {
        let d = try compile(graph, dt: options.discretisationStep)
        let c = d.config
        let synapses = c.weightsIn.filter { $0 != 0 }.count + c.weightsRec.filter { $0 != 0 }.count + c.weightsOut.filter { $0 != 0 }.count
        var out: [(String, IRValue)] = [
            ("chip", .string(chip.id)), ("n_in", .int(c.nIn)), ("n_hidden", .int(c.nHidden)), ("n_out", .int(c.nOut)),
            ("synapses", .int(synapses)), ("dt", .float(d.dt)),
        ]
        if chip.cycleModel != nil { out.append(("clock_hz", .float(try XyloCycles.clockFrequency(c, chip: chip, dt: d.dt)))) }
        out.append(("warnings", .list(d.warnings.map { .string($0) })))
        return out
    }

    /// The input rasters of one run: integer event counts [T, n_in] (one sequence) or
    /// [B, T, n_in] (B sequences, each from the reset state); nil: zeros for `steps` steps.
    static func rasters(_ inputs: [String: BackendArray], nIn: Int, steps: Int, name: String) throws -> (rasters: [[Int]], steps: Int, batched: Bool) {
        guard !inputs.isEmpty else { return ([[Int](repeating: 0, count: steps * nIn)], steps, false) }
        guard inputs.count == 1, let x = inputs.values.first else {
            throw CelestaError(.invalidArgument, "\(name): give one input array (the network has one input port), got \(inputs.count)")
        }
        guard x.shape.count == 2 || x.shape.count == 3, x.shape.last == nIn else {
            throw CelestaError(.shapeMismatch, "\(name): the input has shape \(x.shape); the network takes event counts [T, \(nIn)] or [B, T, \(nIn)]")
        }
        var counts = [Int](repeating: 0, count: x.values.count)
        for (i, v) in x.values.enumerated() {
            guard v.isFinite, v == v.rounded(), v >= 0, v <= 255 else {
                throw CelestaError(.outOfRange, "\(name): input value \(v) at flat index \(i) is not an event count in 0...255")
            }
            counts[i] = Int(v)
        }
        let t = x.shape[x.shape.count - 2]
        if x.shape.count == 2 { return ([counts], t, false) }
        let per = t * nIn
        return ((0..<x.shape[0]).map { Array(counts[($0 * per)..<($0 * per + per)]) }, t, true)
    }

    /// Runs the compiled network on the bit-exact simulator: outputs {first Output (or
    /// "output"): output spike counts [T, n_out] ([B, T, n_out] batched)}, spike counts
    /// {"hidden", output}. No inputs: zeros for `nSteps` steps. `options.discretisationStep`:
    /// the `dt` of `compile`; `options.progress`: the steps of all sequences, after each block.
    public func simulate(_ graph: IRGraph, inputs: [String: BackendArray], options: BackendRunOptions) throws -> BackendRunResult {
        if options.talonCompatible { throw CelestaError(.unsupported, "talon_compatible: TALON has no backend '\(name)'") }
        let d = try compile(graph, dt: options.discretisationStep)
        return try run(d, graph: graph, inputs: inputs, steps: options.nSteps, progress: options.progress).result
    }

    /// One run of a deployment: the result and the simulator's records (one per sequence).
    func run(_ d: Deployment, graph: IRGraph, inputs: [String: BackendArray], steps: Int, progress: (@Sendable (Int, Int) -> Bool)?)
        throws -> (result: BackendRunResult, records: [XyloSimulationResult], rasters: [[Int]])
    {
        let (rasters, t, batched) = try Self.rasters(inputs, nIn: d.config.nIn, steps: steps, name: name)
        var records: [XyloSimulationResult] = []
        var outValues: [Float] = []
        var hidden = 0, spikesOut = 0
        for (b, raster) in rasters.enumerated() {
            let sim = try XyloSimulator(config: d.config, chip: chip)
            let report: ((Int) -> Bool)? = progress.map { p in { done in p(b * t + done, rasters.count * t) } }
            let r = try sim.evolve(input: raster, steps: t, record: true, progress: report)
            hidden += r.spikes.reduce(0) { $0 + Int($1) }
            spikesOut += r.spikesOut.reduce(0) { $0 + Int($1) }
            outValues += r.spikesOut.map { Float($0) }
            records.append(r)
        }
        let outName = graph.outputs.first ?? "output"
        var result = BackendRunResult()
        result.timestepsRun = t
        result.batch = batched ? rasters.count : nil
        result.outputs = [(outName, BackendArray(shape: (batched ? [rasters.count] : []) + [t, d.config.nOut], values: outValues))]
        result.spikeCounts = [("hidden", hidden), (outName, spikesOut)]
        return (result, records, rasters)
    }

    /// The chip's models on a simulated run: clock cycles per step from the cycle model at the
    /// run's firing rates, the clock that runs the network in real time (worst case + 20 %),
    /// latency = cycles / clock per step (`latencySource` "cycle model"), and the dev kit's
    /// per-rail power model over the run's activity at that clock (`powerWatts`, `energySource`
    /// "power model", energy = total power x run time). Models, not measurements. A cycle
    /// model with no reference behind it (`XyloCycleModel.derivation`: Xylo v1's) gives
    /// `latencySource` "derived cycle model" and its assumptions in `modelNotes`; a chip
    /// without a kit takes its record's derived power model (`XyloPowerModel.derivation`: Xylo
    /// v1's, Audio 2's SNN-core rail), `energySource` "derived power model" and its
    /// assumptions in `modelNotes`; a chip with neither gives `energySource` "unavailable",
    /// energy 0 and the reason in `modelNotes`. `options.dt`: as `compile`. Errors: as `compile`, the input's, and
    /// `.unsupported` for a chip without a cycle model.
    public func profile(_ graph: IRGraph, inputs: [String: BackendArray]?, options: BackendProfileOptions) throws -> BackendProfile {
        let d = try compile(graph, dt: options.dt)
        let (sim, records, rasters) = try run(d, graph: graph, inputs: inputs ?? [:], steps: options.nSteps, progress: options.progress)
        let cfg = d.config
        let steps = max(sim.timestepsRun, 1)
        let hiddenSpikes = sim.spikeCounts[0].count, outSpikes = sim.spikeCounts[1].count
        let hiddenRate = min(Double(hiddenSpikes) / Double(max(steps * cfg.nHidden, 1)), 1.0)
        let outRate = min(Double(outSpikes) / Double(max(steps * cfg.nOut, 1)), 1.0)
        var inputRate = 0.0
        if let x = inputs?.values.first, !x.values.isEmpty {
            inputRate = Double(x.values.filter { $0 != 0 }.count) / Double(x.values.count)
        }
        let cycles = try XyloCycles.cycles(cfg, chip: chip, inputRate: inputRate, hiddenRate: hiddenRate, outputRate: outRate).cycles
        let clock = try XyloCycles.clockFrequency(cfg, chip: chip, dt: d.dt)
        var p = BackendProfile()
        p.totalLatencyUS = clock != 0 ? cycles / clock * 1e6 * Double(steps) : 0.0
        p.spikeCounts = sim.spikeCounts.map { ($0.name, $0.count) }
        p.energyPreset = name
        let model = try XyloCycleModel.model(for: chip)
        p.latencySource = model.derivation == nil ? "cycle model" : "derived cycle model"
        p.modelNotes = model.derivation ?? []
        p.cyclesPerStep = cycles
        p.clockHz = clock
        if let power = chip.profilePowerModel {
            var activity = XyloActivity()
            for (r, raster) in zip(records, rasters) {
                activity += try XyloActivity.measure(config: cfg, chip: chip, input: raster, result: r)
            }
            let seconds = Double(activity.steps) * d.dt
            p.powerWatts = Array(zip(power.rails.map(\.name), power.power(activity, seconds: seconds, clockHertz: clock)))
            p.runSeconds = seconds
            p.energySource = power.derivation == nil ? "power model" : "derived power model"
            p.modelNotes += power.derivation ?? []
            p.energyEstimateUJ = p.powerWatts.reduce(0) { $0 + $1.1 } * seconds * 1e6
        } else {
            p.energySource = "unavailable"
            do { _ = try XyloPowerModel.model(for: chip) } catch let e as CelestaError {
                p.modelNotes.append("power unavailable: " + e.message + "; no published power figures to ground a model (energy_estimate_uj is 0)")
            }
        }
        return p
    }
}
