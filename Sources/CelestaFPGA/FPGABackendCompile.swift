import CelestaIR

/// The fpga backend's capabilities and compile: TALON's hls4ml descriptor (reference README
/// §18). Writing a project is `HLSProject`'s work (`celesta hls`, `build_bitstream`).
extension FPGABackend {
    /// TALON's fpga capabilities (README §13).
    public var capabilities: BackendCapabilities {
        BackendCapabilities(
            primitives: primitives.sorted(), precisions: ["fp32", "int16", "int8", "int4", "ap_fixed<16,6>"], supportsCyclic: false,
            maxGraphSize: 50000,
            constraints: [
                "Conv2d": [BackendLimit("max_kernel_size", 64), BackendLimit("max_channels", 2048)],
                "Conv1d": [BackendLimit("max_kernel_size", 128), BackendLimit("max_channels", 2048)],
                "Affine": [BackendLimit("max_params", 16_000_000)], "LIF": [BackendLimit("max_neurons", 262_144)],
                "MaxPool2d": [BackendLimit("max_kernel_size", 8)], "AvgPool2d": [BackendLimit("max_kernel_size", 8)],
            ])
    }

    /// TALON's fpga `get_constraints()` (reference README §12.0).
    public var hardwareConstraints: HardwareSpec? {
        HardwareSpec(maxNeuronsPerCore: 4096, maxSynapsesPerCore: 1_000_000, sramBytesPerCore: 4_202_496, maxFanIn: 8192, maxFanOut: 8192,
                     maxFeedbackDelay: 1, supportedPrecisions: ["fp32", "int16", "int8", "int4"], mesh: nil, numCores: 1)
    }

    /// Board -> FPGA part (TALON's table).
    public static let targetParts: [(String, String)] = [
        ("zcu102", "xczu9eg-ffvb1156-2-i"), ("zcu104", "xczu7ev-ffvc1156-2-e"), ("zcu111", "xczu28dr-ffvg1517-2-e"),
        ("ultra96", "xczu3eg-sbva484-1-e"), ("pynq_z1", "xc7z020clg400-1"), ("pynq_z2", "xc7z020clg400-1"),
    ]
    /// The HLS headers TALON's project holds.
    public static let templatePaths = [
        "firmware/nnet_utils/if_model.h", "firmware/nnet_utils/lif_model.h", "firmware/nnet_utils/lif_subtractive_model.h",
        "firmware/nnet_utils/complex_lif.h",
    ]
    /// The settings `compile` takes, with their defaults (TALON's `compile` keywords).
    public static let compileDefaults: IRDict = [
        "output_dir": .string("hls4ml_project"), "project_name": .string("myproject"), "part": .string("xczu9eg-ffvb1156-2-i"),
        "clock_period": .int(5), "io_type": .string("io_stream"), "default_precision": .string("ap_fixed<16,6>"),
        "default_reuse_factor": .int(1), "strategy": .string("Latency"), "bitstream": .none,
    ]
    /// The flags of a `bitstream` setting (TALON's `BitstreamConfig`), in order.
    public static let bitstreamFlags = ["csim", "synth", "cosim", "export", "vsynth", "bitfile"]

    /// Validates (an invalid graph: `.invalidArgument` "Graph validation failed: [nodes].
    /// Supported: [...]", TALON's message), then describes the hls4ml project: metadata
    /// `backend` "fpga", `hls4ml_config` (OutputDir, ProjectName, Part, ClockPeriod, IOType,
    /// Backend, PytorchModel, InputShape, HLSConfig, Layers: one per node in execution order),
    /// `template_paths`, `target_parts` and, with a `bitstream` setting ({flag: bool} of
    /// `bitstreamFlags`), `bitstream`. Settings: the keys of `compileDefaults`. The same in
    /// both modes.
    public func compile(_ graph: IRGraph, options: BackendCompileOptions) throws -> BackendDescriptor {
        try options.checkSettings(known: Self.compileDefaults.keys, backend: name)
        func setting(_ key: String) -> IRValue { options.settings[key] ?? Self.compileDefaults[key]! }
        func text(_ key: String) throws -> String {
            guard case .string(let s) = setting(key) else { throw CelestaError(.invalidArgument, "fpga compile: '\(key)' must be a string, got \(setting(key).kindName)") }
            return s
        }
        let v = validate(graph)
        if !v.isValid {
            let names = IRValue.list(v.unsupportedNodes.map(IRValue.string)).pythonStr
            let known = IRValue.list(primitives.sorted().map(IRValue.string)).pythonStr
            throw CelestaError(.invalidArgument, "Graph validation failed: \(names). Supported: \(known)")
        }
        guard setting("clock_period").double != nil, setting("clock_period").tensor == nil else {
            throw CelestaError(.invalidArgument, "fpga compile: 'clock_period' must be a number, got \(setting("clock_period").kindName)")
        }
        guard case .int(let reuse) = setting("default_reuse_factor") else {
            throw CelestaError(.invalidArgument, "fpga compile: 'default_reuse_factor' must be an int, got \(setting("default_reuse_factor").kindName)")
        }
        let order = Self.executionOrder(graph)
        var inputShape: [Int] = []
        var layers: [IRValue] = []
        var named = IRDict()
        for name in order {
            guard let node = graph.node(name) else { continue }
            if node.type == "Input" {
                inputShape = node.outputType?.first ?? []
                continue
            }
            if node.type == "Output" { continue }
            if let layer = Self.layer(graph, node) { layers.append(.dict(layer)) }
            // TALON: an entry for a node that sets a type or a reuse factor (None is unset)
            var precision = IRDict()
            for key in Self.typeFields {
                if case .string(let s)? = node[key] { precision[String(key.dropLast(2))] = .string(s) }
            }
            var entry = IRDict()
            if !precision.isEmpty { entry["Precision"] = .dict(precision) }
            if let r = node["reuse_factor"], r != .none { entry["ReuseFactor"] = r }
            if !entry.isEmpty { named[name] = .dict(entry) }
        }
        var hls: IRDict = ["Model": .dict(["Precision": .string(try text("default_precision")), "ReuseFactor": .int(reuse), "Strategy": .string(try text("strategy"))])]
        if !named.isEmpty { hls["LayerName"] = .dict(named) }
        let config: IRDict = [
            "OutputDir": .string(try text("output_dir")), "ProjectName": .string(try text("project_name")), "Part": .string(try text("part")),
            "ClockPeriod": setting("clock_period"), "IOType": .string(try text("io_type")), "Backend": .string("Vivado"),
            "PytorchModel": .string("__pytorch_model__"), "InputShape": .list(inputShape.map(IRValue.int)), "HLSConfig": .dict(hls),
            "Layers": .list(layers),
        ]
        var d = BackendDescriptor()
        d.metadata = [
            "backend": .string("fpga"), "hls4ml_config": .dict(config), "template_paths": .list(Self.templatePaths.map(IRValue.string)),
            "target_parts": .dict(IRDict(Self.targetParts.map { IREntry($0.0, .string($0.1)) })),
        ]
        if case .dict(let given) = setting("bitstream") {
            let flags = try BitstreamConfig(given)
            // TALON's: the texts of the two scripts (Celesta's own, as build_bitstream writes them)
            let s = BitstreamScripts.Settings(config: config, flags: flags)
            d.metadata["bitstream"] = .dict(["enabled": .bool(true), "config": flags.value, "build_script": .string(BitstreamScripts.buildPy(s)),
                                             "tcl_script": .string(BitstreamScripts.tcl(s))])
        } else if setting("bitstream") != .none {
            throw CelestaError(.invalidArgument, "fpga compile: 'bitstream' must be an object of flags or null")
        }
        return d
    }

    /// `(a, a)` for an int, the first two of a sequence (`(v0, v0)` for one of another length), `fallback` for None.
    static func pair(_ v: IRValue?, _ fallback: (Int, Int)) -> (Int, Int) {
        guard let v, v != .none else { return fallback }
        if let i = v.int, v.tensor == nil || v.tensor!.ndim == 0 { return (i, i) }
        guard let xs = v.ints ?? v.tensor?.doubles.map({ Int($0) }), !xs.isEmpty else { return fallback }
        return xs.count == 2 ? (xs[0], xs[1]) : (xs[0], xs[0])
    }

    /// The node fields of a layer's types, in TALON's order.
    static let typeFields = ["weight_t", "bias_t", "accum_t", "result_t"]

    /// One hls4ml layer dict (TALON's conversion), nil for a primitive it does not write, with
    /// the node's own types and reuse factor where TALON copies them: Conv, Dense and
    /// BatchNormalization both, H_LIF the types, Pooling2D the reuse factor.
    static func layer(_ graph: IRGraph, _ node: IRNode) -> IRDict? {
        guard var out = baseLayer(graph, node) else { return nil }
        let cls = out["class_name"]?.string ?? ""
        let types = ["Conv2D", "Conv1D", "Dense", "BatchNormalization", "H_LIF"].contains(cls)
        let reuse = ["Conv2D", "Conv1D", "Dense", "BatchNormalization", "Pooling2D"].contains(cls)
        if types {
            for key in typeFields { if case .string? = node[key] { out[key] = node[key] } }
        }
        if reuse, let r = node["reuse_factor"], r != .none { out["reuse_factor"] = r }
        return out
    }

    static func baseLayer(_ graph: IRGraph, _ node: IRNode) -> IRDict? {
        let name = IRValue.string(node.name)
        let w = node.tensor("weight")?.shape ?? []
        switch node.type {
        case "Conv2d", "SConv", "SDConv":
            guard w.count == 4 else { return nil }
            let s = pair(node["stride"], (1, 1)), p = pair(node["padding"], (0, 0))
            return ["class_name": .string("Conv2D"), "name": name, "n_filt": .int(w[0]), "filt_height": .int(w[2]), "filt_width": .int(w[3]),
                    "stride_height": .int(s.0), "stride_width": .int(s.1), "padding_height": .int(p.0), "padding_width": .int(p.1), "n_in": .int(w[1])]
        case "Conv1d":
            guard w.count == 3 else { return nil }
            return ["class_name": .string("Conv1D"), "name": name, "n_filt": .int(w[0]), "filt_width": .int(w[2]),
                    "stride_width": .int(pair(node["stride"], (1, 1)).0), "padding_width": .int(pair(node["padding"], (0, 0)).0), "n_in": .int(w[1])]
        case "Affine", "SpikingAffine":
            guard w.count == 2 else { return nil }
            return ["class_name": .string("Dense"), "name": name, "n_in": .int(w[1]), "n_out": .int(w[0])]
        case "LIF":
            guard let tau = node.tensor("tau"), let thr = node.tensor("v_threshold"), tau.count > 0, thr.count > 0 else { return nil }
            let n = tau.shape.first ?? 1
            return ["class_name": .string("H_LIF"), "name": name, "n_in": .int(n), "n_out": .int(n), "threshold": .float(thr.double(at: 0)),
                    "leak": .float(1 - 1 / tau.double(at: 0))]
        case "MaxPool2d", "AvgPool2d":
            let k = pair(node["kernel_size"], (2, 2)), s = pair(node["stride"], k), p = pair(node["padding"], (0, 0))
            return ["class_name": .string("Pooling2D"), "name": name, "pool_height": .int(k.0), "pool_width": .int(k.1), "stride_height": .int(s.0),
                    "stride_width": .int(s.1), "padding_height": .int(p.0), "padding_width": .int(p.1),
                    "pool_layer": .string(node.type == "MaxPool2d" ? "Max" : "Avg")]
        case "BatchNorm1d", "BatchNorm2d":
            guard let f = node["num_features"]?.int else { return ["class_name": .string("BatchNormalization"), "name": name] }
            return ["class_name": .string("BatchNormalization"), "name": name, "n_in": .int(f), "n_out": .int(f)]
        case "ReLU", "Sigmoid":
            var out: IRDict = ["class_name": .string("Activation"), "name": name]
            if let f = node["features"]?.int, f != 0 {
                out["n_in"] = .int(f)
                out["n_out"] = .int(f)
            }
            let slope = node.type == "ReLU" ? (node["negative_slope"]?.double ?? 0) : 0
            if node.type == "Sigmoid" {
                out["activation"] = .string("sigmoid")
            } else if slope != 0 {
                out["activation"] = .string("leaky_relu")
                out["leaky_slope"] = .float(slope)
            } else {
                out["activation"] = .string("relu")
            }
            return out
        case "Flatten":
            let preds = graph.predecessors(node.name)
            let shape = preds.first.flatMap { graph.node($0)?.outputType?.first } ?? []
            return ["class_name": .string("Reshape"), "name": name, "target_shape": .list([.int(shape.isEmpty ? 1 : shape.reduce(1, *))])]
        default:
            return nil
        }
    }
}
