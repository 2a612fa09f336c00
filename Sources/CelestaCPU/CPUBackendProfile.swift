import CelestaIR

/// The cpu backend's TALON-compatible validation and simulation, and its profiler (README §15).
extension CPUBackend {
    public var simulates: Bool { true }

    /// TALON 0.0.3's cpu rule when `talonCompatible`: invalid without nodes (a warning says
    /// so), "Graph has no edges" as a warning, every edge end that is not a node unsupported.
    /// Node types are not checked (TALON does not).
    public func validate(_ graph: IRGraph, talonCompatible: Bool) -> BackendValidation {
        guard talonCompatible else { return validate(graph) }
        var v = BackendValidation()
        if graph.nodes.isEmpty {
            v.rejected = true
            v.warnings.append("Graph has no nodes")
        }
        if graph.edges.isEmpty { v.warnings.append("Graph has no edges") }
        for e in graph.edges {
            for end in [e.source, e.target] where !graph.contains(end) {
                v.unsupportedNodes.append(end)
                v.warnings.append("Edge references missing node: \(end)")
            }
        }
        return v
    }

    /// TALON's simulator (README §14) as a `BackendRunResult`: `zerosForMissing` gives TALON's
    /// default input; failures land in `errors` with `outputsValid` false; a run the progress
    /// callback stopped throws `.cancelled`.
    func talonSimulate(_ graph: IRGraph, inputs: [String: BackendArray], options: BackendRunOptions, profiling: Bool) throws -> (BackendRunResult, TalonSimulator.Result) {
        let r = TalonSimulator.run(graph, inputs: options.zerosForMissing ? nil : inputs, nSteps: options.nSteps,
                                   stepByStep: options.stepByStep, profiling: profiling, progress: options.progress)
        if r.cancelled { throw CelestaError(.cancelled, "simulation cancelled before the end of its \(options.nSteps) steps") }
        var out = BackendRunResult()
        out.timestepsRun = r.timestepsRun
        for o in r.outputs {
            if let v = o.value { out.outputs.append((o.name, v)) } else { out.absentOutputs.append(o.name) }
        }
        out.spikeCounts = r.spikeCounts
        out.nodeStates = r.nodeStates
        out.nodeNanoseconds = r.nodeNanoseconds
        out.outputsValid = r.outputsValid
        out.errors = r.errors
        return (out, r)
    }

    /// The profile (README §15). Default mode: the CPU simulator's own time per node as
    /// latency (`latencySource` "measured"), the MACs its kernels really do, every spiking node
    /// a neuron layer, `perOperationPJ` per primitive, and the activation memory of one step
    /// per sample. `talonCompatible`: TALON's simulator and profiler exactly (its MAC rule,
    /// peak activation of its loop). Energies are estimates from per-operation costs.
    /// Errors: an unknown preset (`.notFound`), per-operation energies in TALON mode
    /// (`.invalidArgument`), a failed TALON run (`.invalidState`, its errors), and the
    /// simulator's errors.
    public func profile(_ graph: IRGraph, inputs: [String: BackendArray]?, options: BackendProfileOptions) throws -> BackendProfile {
        _ = try options.coefficients()
        if options.talonCompatible, !options.perOperationPJ.isEmpty {
            throw CelestaError(.invalidArgument, "energy_per_op_pj is a Celesta extension; TALON-compatible profiles take energy_per_*_pj only")
        }
        var run = BackendRunOptions()
        run.nSteps = options.nSteps
        run.threads = options.threads
        if let dt = options.dt { run.dt = dt }
        run.zerosForMissing = inputs == nil
        // The measured run reports its steps (see `BackendProfileOptions.progress`).
        run.progress = options.progress
        var m = ProfileMeasurements()
        if options.talonCompatible {
            let (sim, raw) = try talonSimulate(graph, inputs: inputs ?? [:], options: run, profiling: true)
            guard sim.errors.isEmpty else { throw CelestaError(.invalidState, sim.errors.joined(separator: "; ")) }
            m.steps = sim.timestepsRun == 0 ? options.nSteps : sim.timestepsRun
            m.activationBytes = raw.peakActivationBytes
            m.spikeCounts = sim.spikeCounts
            for t in sim.nodeNanoseconds { m.nodeNanoseconds[t.name] = t.ns }
        } else {
            run.timing = true
            let sim = try simulate(graph, inputs: inputs ?? [:], options: run)
            m.steps = sim.timestepsRun == 0 ? options.nSteps : sim.timestepsRun
            m.batch = sim.batch ?? 1
            m.spikeCounts = sim.spikeCounts
            for t in sim.nodeNanoseconds { m.nodeNanoseconds[t.name] = t.ns }
            for t in sim.nodeMACs { m.nodeMACs[t.name] = t.macs }
            // The values held during one step, per sample: a one-step run on the first step's input.
            var one = BackendRunOptions()
            one.nSteps = 1
            one.stepByStep = true
            one.threads = options.threads
            if let dt = options.dt { one.dt = dt }
            one.zerosForMissing = inputs == nil
            let first = try simulate(graph, inputs: Self.firstStep(graph, inputs ?? [:]), options: one)
            var bytes = (first.nodeStates.last ?? []).reduce(0) { $0 + 4 * $1.value.shape.reduce(1, *) }
            if let b = first.batch, b > 0 { bytes /= b }
            m.activationBytes = bytes
        }
        return try ProfileCosts.profile(graph, measured: m, options: options)
    }

    /// The inputs of the first step only ([T, *S] -> [1, *S], [B, T, *S] -> [B, 1, *S]; S the
    /// Input's declared shape, or the value's own rank when it declares none).
    static func firstStep(_ graph: IRGraph, _ inputs: [String: BackendArray]) -> [String: BackendArray] {
        var out: [String: BackendArray] = [:]
        for (name, v) in inputs {
            let rank = graph.node(name)?.inputType?.first?.count ?? v.shape.count
            let nd = v.shape.count
            if nd == rank + 1, let t = v.shape.first, t > 0 {
                let per = v.values.count / t
                out[name] = BackendArray(shape: [1] + v.shape.dropFirst(), values: Array(v.values[0..<per]))
            } else if nd == rank + 2, v.shape[0] > 0, v.shape[1] > 0 {
                let b = v.shape[0], t = v.shape[1]
                let per = v.values.count / (b * t)
                var values: [Float] = []
                values.reserveCapacity(b * per)
                for i in 0..<b { values += v.values[(i * t * per)..<(i * t * per + per)] }
                out[name] = BackendArray(shape: [b, 1] + v.shape.dropFirst(2), values: values)
            } else {
                out[name] = v
            }
        }
        return out
    }
}
