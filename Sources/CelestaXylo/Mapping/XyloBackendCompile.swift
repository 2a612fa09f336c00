import CelestaIR

/// A Xylo backend's compile as a descriptor: map + quantize (per channel) + configuration
/// (`compile(_:dt:)`), with the quantized specification as its weight table.
extension XyloBackend {
    /// The settings `compile` takes: `dt`, the step in the unit of the graph's time constants
    /// (null: the backend's, else the graph's metadata dt, else 1 ms).
    public static let compileSettings = ["dt"]

    /// Core 0's weight table holds the quantized specification's arrays (int64, Rockpool's
    /// names and shapes: `weights_in` [n_in, n_hidden, n_syn], `weights_rec` [n_hidden,
    /// n_hidden, n_syn], `weights_out` [n_oen, n_out], the hidden and output vectors); metadata
    /// `backend`, `chip` (its id), `dt`, `warnings` (the mapper's); `settings` the weight
    /// shifts, `aliases` and `dt`, so that the specification loads as a configuration. Errors:
    /// the lowering's and mapper's (`.unsupported` naming the node), `.invalidConfig` naming
    /// the broken limits.
    public func compile(_ graph: IRGraph, options: BackendCompileOptions) throws -> BackendDescriptor {
        try options.checkSettings(known: Self.compileSettings, backend: name)
        var step: Double? = nil
        if let v = options.settings["dt"], v != .none {
            guard let x = v.double, v.tensor == nil, x.isFinite, x > 0 else {
                throw CelestaError(.outOfRange, "\(name) compile: 'dt' is \(v.pythonRepr); it must be a finite number > 0")
            }
            step = x
        }
        let deployment = try compile(graph, dt: step)
        let q = deployment.quantized
        func table(_ values: [Int], _ shape: [Int]) throws -> IRValue {
            .tensor(try Tensor(int64: values, shape: shape.reduce(1, *) == values.count ? shape : [values.count]))
        }
        var t = IRDict()
        t["weights_in"] = try table(q.weightsIn, [q.nIn, q.nIEN, q.nSyn])
        t["weights_rec"] = try table(q.weightsRec, [q.nHidden, q.nHidden, q.nSyn])
        t["weights_out"] = try table(q.weightsOut, [q.nOEN, q.nOut])
        t["dash_mem"] = try table(q.dashMem, [q.nHidden])
        t["dash_syn"] = try table(q.dashSyn, [q.nHidden])
        t["dash_syn_2"] = try table(q.dashSyn2, [q.nHidden])
        t["threshold"] = try table(q.threshold, [q.nHidden])
        t["bias"] = try table(q.bias, [q.nHidden])
        t["dash_mem_out"] = try table(q.dashMemOut, [q.nOut])
        t["dash_syn_out"] = try table(q.dashSynOut, [q.nOut])
        t["threshold_out"] = try table(q.thresholdOut, [q.nOut])
        t["bias_out"] = try table(q.biasOut, [q.nOut])
        var d = BackendDescriptor()
        d.weightTables = [(0, t)]
        d.metadata = ["backend": .string(name), "chip": .string(chip.id), "dt": .float(deployment.dt), "warnings": .list(deployment.warnings.map(IRValue.string))]
        d.settings = [
            "weight_shift_in": .int(q.weightShiftIn), "weight_shift_rec": .int(q.weightShiftRec), "weight_shift_out": .int(q.weightShiftOut),
            "aliases": .list(q.aliases.map { .list($0.map(IRValue.int)) }), "dt": .float(deployment.dt),
        ]
        return d
    }
}
