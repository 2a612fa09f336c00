/// The built-in primitives: every TALON primitive (`talon.ir`, README §4 of the reference) and
/// every node type of NIR 1.0.8, as data. Where both have a primitive of one name (Input,
/// Output, Affine, Conv1d, Conv2d, AvgPool2d, Flatten, LIF, IF) one descriptor serves both:
/// the fields only one of them knows are marked with its dialect, and each file format stores
/// the other's fields where its reader ignores them.
enum BuiltinPrimitives {
    static let all: [PrimitiveDescriptor] = talon + nirOnly

    // MARK: Field helpers

    private static let both: Set<Dialect> = [.talon, .nir]

    /// TALON's per-node hardware metadata (`Node` base class), on every primitive.
    private static let hardware: [FieldSpec] = [
        FieldSpec("precision", .string, .none, dialects: [.talon]),
        FieldSpec("weight_t", .string, .none, dialects: [.talon]),
        FieldSpec("bias_t", .string, .none, dialects: [.talon]),
        FieldSpec("accum_t", .string, .none, dialects: [.talon]),
        FieldSpec("result_t", .string, .none, dialects: [.talon]),
        FieldSpec("reuse_factor", .int, .none, dialects: [.talon]),
        FieldSpec("core_id", .int, .none, dialects: [.talon]),
        FieldSpec("hardware_hints", .dict, .none, dialects: [.talon]),
    ]

    /// A node-level metadata dict: NIR has it on every node, TALON on a few.
    private static func metadata(_ dialects: Set<Dialect>) -> FieldSpec { FieldSpec("metadata", .dict, .none, dialects: dialects) }

    private static func array(_ name: String, _ d: FieldSpec.Default = .required, _ dialects: Set<Dialect> = both) -> FieldSpec {
        FieldSpec(name, .array, d, dialects: dialects)
    }

    private static func talonOnly(_ f: FieldSpec) -> FieldSpec { FieldSpec(f.name, f.kind, f.defaultValue, dialects: [.talon]) }

    private static func pair(_ a: Int) -> IRValue { .tuple([.int(a), .int(a)]) }

    private static func describe(_ d: Dialect...) -> Set<Dialect> { Set(d) }

    /// A TALON primitive: its fields, then the node metadata and hardware metadata.
    private static func talonPrimitive(
        _ name: String, base: String? = nil, dialects: Set<Dialect> = [.talon], summary: String, fields: [FieldSpec],
        nodeMetadata: Set<Dialect> = [.nir],
        check: @escaping @Sendable (inout NodeDraft) throws -> Void = { _ in },
        infer: @escaping @Sendable (NodeDraft) -> (PortShapes?, PortShapes?) = { _ in (nil, nil) }
    ) -> PrimitiveDescriptor {
        PrimitiveDescriptor(
            name, base: base, dialects: dialects, summary: summary, fields: fields + [metadata(nodeMetadata)] + hardware,
            check: check, infer: infer)
    }

    // MARK: Checks (TALON's messages)

    static func fail(_ message: String) -> CelestaError { CelestaError(.invalidArgument, message) }

    private static func require(_ ok: Bool, _ message: @autoclosure () -> String) throws {
        if !ok { throw fail(message()) }
    }

    /// `[n]` for a one-dimensional port.
    private static func ports(_ input: [Int]?, _ output: [Int]?) -> (PortShapes?, PortShapes?) {
        (input.map { PortShapes("input", $0) }, output.map { PortShapes("output", $0) })
    }

    /// Both ports the shape of `field` (neurons, element-wise nodes).
    private static func sameAs(_ field: String) -> @Sendable (NodeDraft) -> (PortShapes?, PortShapes?) {
        { d in ports(d.shape(field), d.shape(field)) }
    }

    /// TALON's LIF and IF ports: the parameters' shape (TALON mode: its first dimension only,
    /// as TALON does for multi-dimensional populations).
    private static func neuronPorts(_ field: String) -> @Sendable (NodeDraft) -> (PortShapes?, PortShapes?) {
        { d in
            guard let s = d.shape(field) else { return (nil, nil) }
            let shape = d.mode == .talon ? Array(s.prefix(1)) : s
            return ports(shape, shape)
        }
    }

    /// Both ports `[features]`. In Celesta's mode an element-wise node given an input shape of
    /// `features` elements keeps that shape (a ReLU after a Conv2d gives `[C, H, W]`, as the
    /// pooling after it needs); TALON always gives `[features]`.
    private static let featuresPorts: @Sendable (NodeDraft) -> (PortShapes?, PortShapes?) = { d in
        guard let f = d.int("features") else { return (nil, nil) }
        if d.mode == .celesta, let s = d.inputShape, s.count > 1, (try? Tensor.elementCount(s)) == f { return ports(s, s) }
        return ports([f], [f])
    }

    /// `features` must be positive. TALON checks it only for ReLU (`talonToo`); Celesta's mode
    /// checks every primitive that has it.
    private static func featuresCheck(talonToo: Bool) -> @Sendable (inout NodeDraft) throws -> Void {
        { d in
            guard talonToo || d.mode == .celesta, let f = d.int("features") else { return }
            try require(f > 0, "features must be a positive int, got \(f)")
        }
    }

    // MARK: Shared rules

    /// Dense layers (Affine, SpikingAffine, Linear): a 2-D weight (out, in) and, when given, a
    /// bias of `out` entries (TALON's messages).
    private static let denseCheck: @Sendable (inout NodeDraft) throws -> Void = { d in
        guard let w = d.shape("weight"), w.count == 2 else { throw fail("weight must be exactly 2D (out_features, in_features)") }
        if let b = d.shape("bias") {
            try require(b.count == 1 && b[0] == w[0], "bias must be 1D with \(w[0]) elements, got shape \(Tensor.describe(b))")
        }
    }

    /// Dense layers' ports: `[in]` / `[out]` from the weight's shape.
    private static let densePorts: @Sendable (NodeDraft) -> (PortShapes?, PortShapes?) = { d in
        ports(d.shape("weight").map { [$0[1]] }, d.shape("weight").map { [$0[0]] })
    }

    /// Neuron parameter arrays must share one shape (TALON's LIF message, extended by the
    /// NIR-only fields when they are set).
    private static func sameShapes(_ kind: String, _ names: [String]) -> @Sendable (inout NodeDraft) throws -> Void {
        { d in
            // One pass without allocating first (every neuron node of a graph goes through here).
            var first: [Int]? = nil
            var differ = false
            for name in names {
                guard let s = d.shape(name) else { continue }
                if let f = first { if s != f { differ = true; break } } else { first = s }
            }
            guard differ else { return }
            let present = names.filter { d.tensor($0) != nil }
            let shapes = present.map { d.shape($0)! }
            if let first = shapes.first, shapes.contains(where: { $0 != first }) {
                let listing = zip(present, shapes).map { "\($0)=\(Tensor.describe($1))" }.joined(separator: ", ")
                throw fail("All \(kind) parameters must have same shape, got: \(listing)")
            }
        }
    }

    /// Conv input/output inference. TALON never infers the spatial size (§21.2): [Cin] / [Cout].
    /// Celesta infers it when the input shape (or NIR's `input_shape`) is known.
    private static func convPorts(_ spatialDims: Int) -> @Sendable (NodeDraft) -> (PortShapes?, PortShapes?) {
        { d in
            guard let w = d.shape("weight"), w.count == spatialDims + 2 else { return (nil, nil) }
            let groups = d.int("groups") ?? 1
            guard let cin = ShapeRules.times(w[1], d.mode == .talon ? 1 : max(groups, 1)) else { return (nil, nil) }
            var input: [Int]? = d.inputShape
            if input == nil, let s = d.ints("input_shape"), s.count == spatialDims { input = [w[1]] + s }
            let tail = spatialOutput(d, input, kernel: Array(w.suffix(spatialDims)))
            if d.mode == .talon || tail == nil {
                return ports(input ?? [cin], [w[0]])
            }
            return ports(input ?? [cin], [w[0]] + tail!)
        }
    }

    /// The spatial output dims of a conv or pooling node with `input` [C, *spatial].
    private static func spatialOutput(_ d: NodeDraft, _ input: [Int]?, kernel: [Int], dilationField: String? = "dilation", ceilField: String? = nil) -> [Int]? {
        let n = kernel.count
        guard let input, input.count == n + 1 else { return nil }
        let stride = ShapeRules.widened(d.fields["stride"], n) ?? kernel
        let dilation = dilationField.flatMap { ShapeRules.widened(d.fields[$0], n) } ?? [Int](repeating: 1, count: n)
        let ceil = ceilField.flatMap { d.bool($0) } ?? false
        var padding = ShapeRules.widened(d.fields["padding"], n) ?? [Int](repeating: 0, count: n)
        if let p = d.string("padding") {
            if p == "same" { return Array(input.dropFirst()) }
            padding = [Int](repeating: 0, count: n)
        }
        return (0..<n).map {
            ShapeRules.windowed(input[$0 + 1], kernel: kernel[$0], stride: stride[$0], padding: padding[$0], dilation: dilation[$0], ceil: ceil)
        }
    }

    private static func poolPorts(dilation: Bool, ceil: Bool) -> @Sendable (NodeDraft) -> (PortShapes?, PortShapes?) {
        { d in
            guard let input = d.inputShape, let k = ShapeRules.widened(d.fields["kernel_size"], 2),
                let tail = spatialOutput(d, input, kernel: k, dilationField: dilation ? "dilation" : nil, ceilField: ceil ? "ceil_mode" : nil)
            else { return (nil, nil) }
            return ports(input, [input[0]] + tail)
        }
    }

    /// MaxPool/AvgPool: a stride of None is the kernel size.
    private static let poolStride: @Sendable (inout NodeDraft) throws -> Void = { d in
        if d.fields["stride"] == nil, let k = d.fields["kernel_size"] { d.fields["stride"] = k }
        // Keep the descriptor's field order: re-insert the following fields after stride.
        d.fields = reorder(d.fields, ["kernel_size", "stride"])
    }

    private static func reorder(_ fields: IRDict, _ leading: [String]) -> IRDict {
        var out = IRDict()
        for k in leading { if let v = fields[k] { out[k] = v } }
        for e in fields.entries where !leading.contains(e.key) { out[e.key] = e.value }
        return out
    }

    // MARK: TALON primitives

    static let talon: [PrimitiveDescriptor] = [
        port("Input", summary: "graph entry; output = input", given: \.inputType, "input_type", mirrored: \.outputType, "output"),
        port("Output", summary: "graph exit; input = output", given: \.outputType, "output_type", mirrored: \.inputType, "input"),
        talonPrimitive(
            "Affine", dialects: both, summary: "y = W x + b",
            fields: [array("weight"), array("bias")],
            check: denseCheck, infer: densePorts),
        talonPrimitive(
            "SpikingAffine", summary: "Affine with quantisation hints for spiking hardware",
            fields: [
                array("weight"), array("bias"), FieldSpec("spike_mode", .string, .value(.string("binary"))),
                FieldSpec("weight_bits", .int, .value(.int(8))), FieldSpec("accumulator_bits", .int, .value(.int(16))),
            ],
            nodeMetadata: both,
            check: { d in
                try denseCheck(&d)
                let wb = d.int("weight_bits") ?? 8, ab = d.int("accumulator_bits") ?? 16
                try require((1...32).contains(wb), "weight_bits must be in [1, 32]")
                try require((1...64).contains(ab), "accumulator_bits must be in [1, 64]")
                try require(ab >= wb, "accumulator_bits must be >= weight_bits")
                try require(["binary", "graded", "rate"].contains(d.string("spike_mode") ?? ""), "spike_mode must be 'binary', 'graded', or 'rate'")
            },
            infer: densePorts),
        talonPrimitive(
            "Conv1d", dialects: both, summary: "1-D convolution",
            fields: [
                array("weight"), array("bias"), FieldSpec("stride", .ints, .value(.int(1))),
                FieldSpec("padding", .ints, .value(.int(0))), FieldSpec("dilation", .ints, .value(.int(1))),
                FieldSpec("groups", .int, .value(.int(1))), FieldSpec("input_shape", .ints, .none, dialects: [.nir]),
            ],
            check: { d in
                guard let w = d.shape("weight"), w.count == 3 else { throw fail("weight must be 3D (out_ch, in_ch/groups, kernel_size)") }
                if let b = d.shape("bias") { try require(b == [w[0]], "bias must be 1D with \(w[0]) elements, got shape \(Tensor.describe(b))") }
                try require((d.int("groups") ?? 1) >= 1, "groups must be >= 1")
            },
            infer: convPorts(1)),
        conv2d("Conv2d", base: nil, dialects: both, summary: "2-D convolution"),
        conv2d("SConv", base: "Conv2d", dialects: [.talon], summary: "spiking standard convolution"),
        conv2d("SDConv", base: "Conv2d", dialects: [.talon], summary: "spiking depthwise convolution"),
        talonPrimitive(
            "SepConv2d", summary: "depthwise-separable 2-D convolution",
            fields: [
                array("depthwise_weight"), array("pointwise_weight"), array("depthwise_bias", .none), array("pointwise_bias", .none),
                FieldSpec("stride", .ints, .value(pair(1))), FieldSpec("padding", .ints, .value(pair(0))),
                FieldSpec("dilation", .ints, .value(pair(1))),
            ],
            check: { d in
                guard let dw = d.shape("depthwise_weight"), dw.count == 4 else { throw fail("depthwise_weight must be 4D (in_ch, 1, kH, kW)") }
                guard let pw = d.shape("pointwise_weight"), pw.count == 4 else { throw fail("pointwise_weight must be 4D (out_ch, in_ch, 1, 1)") }
                // TALON fills missing biases with zeros of the weight's type.
                if d.tensor("depthwise_bias") == nil { d.fields["depthwise_bias"] = .tensor(try Tensor.filled(0, dtype: d.tensor("depthwise_weight")!.dtype, shape: [dw[0]])) }
                if d.tensor("pointwise_bias") == nil { d.fields["pointwise_bias"] = .tensor(try Tensor.filled(0, dtype: d.tensor("pointwise_weight")!.dtype, shape: [pw[0]])) }
                d.fields = reorder(d.fields, ["depthwise_weight", "pointwise_weight", "depthwise_bias", "pointwise_bias"])
            },
            infer: { d in
                guard let dw = d.shape("depthwise_weight"), let pw = d.shape("pointwise_weight") else { return (nil, nil) }
                if let input = d.inputShape, let tail = spatialOutput(d, input, kernel: Array(dw.suffix(2))) {
                    return ports(input, [pw[0]] + tail)
                }
                return ports([dw[0]], [pw[0]])
            }),
        talonPrimitive(
            "MaxPool2d", summary: "2-D max pooling",
            fields: [
                FieldSpec("kernel_size", .ints, .value(pair(2))), FieldSpec("stride", .ints, .none),
                FieldSpec("padding", .ints, .value(pair(0))), FieldSpec("dilation", .ints, .value(pair(1))),
                FieldSpec("ceil_mode", .bool, .value(.bool(false))),
            ],
            check: poolStride, infer: poolPorts(dilation: true, ceil: true)),
        talonPrimitive(
            "AvgPool2d", dialects: both, summary: "2-D average pooling",
            fields: [
                FieldSpec("kernel_size", .ints, .value(pair(2))), FieldSpec("stride", .ints, .none),
                FieldSpec("padding", .ints, .value(pair(0))), FieldSpec("ceil_mode", .bool, .value(.bool(false)), dialects: [.talon]),
                FieldSpec("count_include_pad", .bool, .value(.bool(true)), dialects: [.talon]),
            ],
            check: poolStride, infer: poolPorts(dilation: false, ceil: true)),
        talonPrimitive(
            "Flatten", dialects: both, summary: "flattens dims start_dim..end_dim",
            fields: [FieldSpec("start_dim", .int, .value(.int(0))), FieldSpec("end_dim", .int, .value(.int(-1)))],
            infer: { d in
                guard let input = d.inputShape, let out = ShapeRules.flattened(input, start: d.int("start_dim") ?? 0, end: d.int("end_dim") ?? -1)
                else { return (nil, nil) }
                return ports(input, out)
            }),
        talonPrimitive(
            "Upsample", summary: "nearest or bilinear upsampling",
            fields: [
                FieldSpec("scale_factor", .number, .value(.int(2))), FieldSpec("size", .ints, .none),
                FieldSpec("mode", .string, .value(.string("nearest"))), FieldSpec("align_corners", .bool, .value(.bool(false))),
            ],
            check: { d in
                let mode = d.string("mode") ?? ""
                try require(["nearest", "bilinear"].contains(mode), "Upsample mode must be 'nearest' or 'bilinear', got '\(mode)'")
            },
            infer: { d in
                guard let input = d.inputShape, input.count == 3 else { return (nil, nil) }
                if let size = ShapeRules.widened(d.fields["size"], 2) { return ports(input, [input[0]] + size) }
                guard let s = d.double("scale_factor") else { return (nil, nil) }
                guard let h = ShapeRules.scaled(input[1], by: s), let w = ShapeRules.scaled(input[2], by: s) else { return (nil, nil) }
                return ports(input, [input[0], h, w])
            }),
        talonPrimitive(
            "LIF", dialects: both, summary: "leaky integrate-and-fire: tau dv/dt = (v_leak - v) + r i",
            fields: [array("tau"), array("r"), array("v_leak"), array("v_threshold"), array("v_reset", .none, [.nir])],
            check: sameShapes("LIF", ["tau", "r", "v_leak", "v_threshold", "v_reset"]), infer: neuronPorts("tau")),
        talonPrimitive(
            "IF", dialects: both, summary: "integrate-and-fire: dv/dt = r i, spike at threshold",
            fields: [array("r", .none, [.nir]), array("v_threshold"), array("v_reset", .none, [.nir])],
            check: sameShapes("IF", ["r", "v_threshold", "v_reset"]), infer: neuronPorts("v_threshold")),
        activation("ReLU", [FieldSpec("negative_slope", .float, .value(.float(0)), omittedWhenDefault: true)]),
        activation("Sigmoid", []),
        activation("Tanh", []),
        activation("Softmax", [FieldSpec("dim", .int, .value(.int(-1)), omittedWhenDefault: true)]),
        activation("GELU", [FieldSpec("approximate", .bool, .value(.bool(true)), omittedWhenDefault: true)]),
        activation("ELU", [FieldSpec("alpha", .float, .value(.float(1)), omittedWhenDefault: true)]),
        activation("PReLU", [array("weight")]),
        batchNorm("BatchNorm1d"),
        batchNorm("BatchNorm2d"),
        talonPrimitive(
            "LayerNorm", summary: "layer normalisation",
            fields: [FieldSpec("normalized_shape", .ints), array("weight"), array("bias"), FieldSpec("eps", .float, .value(.float(1e-5)), omittedWhenDefault: true)],
            nodeMetadata: both,
            infer: { d in ports(d.ints("normalized_shape"), d.ints("normalized_shape")) }),
        talonPrimitive(
            "Dropout", summary: "dropout (identity at inference)",
            fields: [FieldSpec("features", .int), FieldSpec("p", .float, .value(.float(0.5)), omittedWhenDefault: true)],
            nodeMetadata: both,
            check: { d in
                try featuresCheck(talonToo: false)(&d)
                let p = d.double("p") ?? 0.5
                try require(p >= 0 && p <= 1, "Dropout probability must be in [0, 1], got: \(PythonFormat.repr(p))")
            },
            infer: featuresPorts),
        talonPrimitive(
            "HybridRegion", summary: "marks an SNN or ANN region",
            fields: [FieldSpec("mode", .string), FieldSpec("features", .int), FieldSpec("name", .string, .none)],
            nodeMetadata: both,
            check: { d in
                let mode = d.string("mode") ?? ""
                try require(["snn", "ann"].contains(mode), "mode must be 'snn' or 'ann', got: \(mode)")
                try featuresCheck(talonToo: false)(&d)
            },
            infer: featuresPorts),
        talonPrimitive(
            "Skip", summary: "merge marker: residual (add), concatenate or passthrough",
            fields: [FieldSpec("skip_type", .string, .value(.string("residual")))],
            nodeMetadata: both,
            check: { d in
                let valid = ["residual", "concatenate", "passthrough", "add", "concat", "identity"]
                let t = d.string("skip_type") ?? ""
                try require(valid.contains(t), "skip_type must be one of (" + valid.map { "'\($0)'" }.joined(separator: ", ") + "), got '\(t)'")
            }),
        talonPrimitive(
            "ChannelSplit", summary: "splits channels into sections (ports output_0, output_1, ...)",
            fields: [FieldSpec("split_sections", .ints), FieldSpec("dim", .int, .value(.int(0)))],
            check: { d in
                let sections = d.ints("split_sections") ?? []
                try require(!sections.isEmpty, "split_sections must be non-empty")
                if d.mode == .celesta { try require(sections.allSatisfy { $0 > 0 }, "split_sections must be positive, got \(sections)") }
                if let input = d.inputShape, !input.isEmpty {
                    let dim = d.int("dim") ?? 0
                    let axis = dim < 0 ? dim + input.count : dim
                    if axis >= 0, axis < input.count {
                        try require(sections.reduce(0, +) == input[axis], "split_sections sum (\(sections.reduce(0, +))) must equal input dim \(dim) (\(input[axis]))")
                    }
                }
            },
            infer: { d in
                let sections = d.ints("split_sections") ?? []
                let input = d.inputShape ?? [sections.reduce(0, +)]
                let outputs = sections.enumerated().map { i, s -> PortShapes.Port in
                    var shape = input
                    if !shape.isEmpty { shape[0] = s }
                    return PortShapes.Port("output_\(i)", shape)
                }
                return (PortShapes("input", input), PortShapes(outputs))
            }),
        talonPrimitive(
            "Concat", summary: "concatenates its inputs (ports input_0, input_1, ...) along dim",
            fields: [FieldSpec("num_inputs", .int, .value(.int(2))), FieldSpec("dim", .int, .value(.int(0)))],
            check: { d in
                let n = d.int("num_inputs") ?? 2
                try require(n >= 2, "Concat requires at least 2 inputs, got \(n)")
            },
            infer: { d in
                guard let t = d.inputType, t.ports.count >= 2 else { return (nil, nil) }
                var out = t.ports[0].shape
                if !out.isEmpty { out[0] = t.ports.map { $0.shape.first ?? 0 }.reduce(0, +) }
                return (t, PortShapes("output", out))
            }),
    ] + suYOLO

    /// A graph port (Input, Output): the shape it is given (`given`, named `field` in errors)
    /// is also the shape of its other side (`mirrored`, one port named `port`).
    private static func port(
        _ name: String, summary: String, given: WritableKeyPath<NodeDraft, PortShapes?> & Sendable, _ field: String,
        mirrored: WritableKeyPath<NodeDraft, PortShapes?> & Sendable, _ port: String
    ) -> PrimitiveDescriptor {
        PrimitiveDescriptor(
            name, dialects: both, summary: summary, fields: [metadata(both)] + hardware,
            check: { d in
                guard let t = d[keyPath: given] ?? d[keyPath: mirrored], let shape = t.first else { throw fail("\(name) needs \(field) (its shape)") }
                d[keyPath: given] = t
                d[keyPath: mirrored] = PortShapes(port, shape)
            })
    }

    private static func conv2d(_ name: String, base: String?, dialects: Set<Dialect>, summary: String) -> PrimitiveDescriptor {
        talonPrimitive(
            name, base: base, dialects: dialects, summary: summary,
            fields: [
                array("weight"), array("bias"), FieldSpec("stride", .ints, .value(pair(1))),
                FieldSpec("padding", .ints, .value(pair(0))), FieldSpec("dilation", .ints, .value(pair(1))),
                FieldSpec("groups", .int, .value(.int(1))), FieldSpec("input_shape", .ints, .none, dialects: [.nir]),
            ],
            check: { d in
                guard let w = d.shape("weight"), w.count == 4 else { throw fail("weight must be 4D (out_ch, in_ch, kH, kW)") }
                if let b = d.shape("bias") { try require(b == [w[0]], "bias must be 1D with \(w[0]) elements, got shape \(Tensor.describe(b))") }
                try require((d.int("groups") ?? 1) >= 1, "groups must be >= 1")
            },
            infer: convPorts(2))
    }

    private static func activation(_ name: String, _ extra: [FieldSpec]) -> PrimitiveDescriptor {
        talonPrimitive(
            name, summary: "\(name) activation", fields: [FieldSpec("features", .int)] + extra, nodeMetadata: both,
            check: featuresCheck(talonToo: name == "ReLU"), infer: featuresPorts)
    }

    private static func batchNorm(_ name: String) -> PrimitiveDescriptor {
        talonPrimitive(
            name, summary: "batch normalisation (inference statistics)",
            fields: [
                FieldSpec("num_features", .int), array("weight"), array("bias"), array("running_mean"),
                array("running_var"), FieldSpec("eps", .float, .value(.float(1e-5)), omittedWhenDefault: true),
                FieldSpec("momentum", .float, .value(.float(0.1)), omittedWhenDefault: true),
            ],
            nodeMetadata: both,
            check: { d in
                // TALON checks none of this; Celesta's mode refuses what cannot be a normalisation.
                guard d.mode == .celesta else { return }
                let n = d.int("num_features") ?? 0
                try require(n > 0, "num_features must be a positive int, got \(n)")
                for f in ["weight", "bias", "running_mean", "running_var"] {
                    if let s = d.shape(f) { try require(s == [n], "\(f) must have shape (\(n),), got \(Tensor.describe(s))") }
                }
            },
            infer: { d in ports(d.int("num_features").map { [$0] }, d.int("num_features").map { [$0] }) })
    }

    /// The SU-YOLO composite blocks, with TALON's fields (each sub-convolution's weight and
    /// bias); TALON counts them through these arrays, and their arithmetic is not part of the
    /// IR's contract.
    private static let suYOLO: [PrimitiveDescriptor] = [
        talonPrimitive(
            "SGhostConv", summary: "SU-YOLO spiking ghost convolution",
            fields: arrays(["primary_weight", "primary_bias", "cheap_weight", "cheap_bias"]) + [
                FieldSpec("primary_stride", .ints, .value(pair(1))), FieldSpec("primary_padding", .ints, .value(pair(0))),
                FieldSpec("cheap_stride", .ints, .value(pair(1))), FieldSpec("cheap_padding", .ints, .value(pair(0))),
            ],
            check: { d in
                if let p = d.shape("primary_weight")?.first, let c = d.shape("cheap_weight")?.first {
                    try require(c == p, "cheap_out_channels (\(c)) must match primary_out_channels (\(p))")
                }
            },
            infer: { d in ghostPorts(d, input: "primary_weight", ghost: "") }),
        talonPrimitive(
            "SGhostEncoderLite", summary: "SU-YOLO ghost encoder",
            fields: arrays(["conv1_weight", "conv1_bias"] + ghost("ghost")) + [FieldSpec("stride", .int, .value(.int(2)))],
            infer: { d in ghostPorts(d, input: "conv1_weight", ghost: "ghost_") }),
        talonPrimitive(
            "GhostBasicBlock1", summary: "SU-YOLO ghost block with a residual branch",
            fields: arrays(ghost("cvres") + ghost("cv0") + ghost("cv2")) + [FieldSpec("stride", .int, .value(.int(2)))]),
        talonPrimitive("GhostBasicBlock2", summary: "SU-YOLO ghost block", fields: arrays(ghost("cv0") + ghost("cv2"))),
        talonPrimitive(
            "SDDetect", summary: "SU-YOLO detection head",
            fields: [FieldSpec("num_classes", .int), FieldSpec("reg_max", .int), FieldSpec("stride", .int)]
                + arrays(["cv2", "cv3"].flatMap { head in (0..<3).flatMap { ["\(head)_w\($0)", "\(head)_b\($0)"] } }),
            infer: { d in
                // Box and class channels of the first scale, from its input channels.
                guard let box = d.shape("cv2_w0"), let cls = d.shape("cv3_w0"), box.count > 1, !cls.isEmpty else { return (nil, nil) }
                return ports([box[1]], ShapeRules.plus(box[0], cls[0]).map { [$0] })
            }),
        talonPrimitive(
            "DFLDecode", summary: "distribution focal loss decode", fields: [FieldSpec("reg_max", .int), array("dfl_weights", .none)],
            infer: { d in ports(d.int("reg_max").flatMap { ShapeRules.times(4, $0) }.map { [$0] }, [4]) }),
        talonPrimitive("Dist2BBox", summary: "distances to boxes", fields: [FieldSpec("stride", .number)], infer: { _ in ports([4], [4]) }),
        talonPrimitive(
            "NMS", summary: "non-maximum suppression",
            fields: [
                FieldSpec("score_threshold", .float, .value(.float(0.25))), FieldSpec("iou_threshold", .float, .value(.float(0.45))),
                FieldSpec("max_detections", .int, .value(.int(300))),
            ]),
    ]

    /// A ghost module's ports: the input channels of `input`'s weight, and the primary plus
    /// cheap output channels of the ghost part (`<ghost>primary_weight`, `<ghost>cheap_weight`).
    private static func ghostPorts(_ d: NodeDraft, input: String, ghost: String) -> (PortShapes?, PortShapes?) {
        guard let w = d.shape(input), w.count > 1, let p = d.shape(ghost + "primary_weight")?.first,
            let c = d.shape(ghost + "cheap_weight")?.first
        else { return (nil, nil) }
        return ports([w[1]], [p + c])
    }

    /// Required array fields.
    private static func arrays(_ names: [String]) -> [FieldSpec] { names.map { array($0) } }

    /// A ghost module's four arrays: `<p>_primary_weight`, `_primary_bias`, `_cheap_weight`, `_cheap_bias`.
    private static func ghost(_ p: String) -> [String] {
        ["\(p)_primary_weight", "\(p)_primary_bias", "\(p)_cheap_weight", "\(p)_cheap_bias"]
    }

    // MARK: NIR-only primitives

    static let nirOnly: [PrimitiveDescriptor] = [
        nir("Linear", "y = W x", [array("weight")], check: denseCheck, infer: densePorts),
        nir("Scale", "y = s * x", [array("scale")], infer: sameAs("scale")),
        nir("Threshold", "spike where x > threshold", [array("threshold")], infer: sameAs("threshold")),
        nir("Delay", "delays each channel by `delay` seconds", [array("delay")], infer: sameAs("delay")),
        nir("I", "integrator: dv/dt = r i", [array("r")], infer: sameAs("r")),
        nir("LI", "leaky integrator: tau dv/dt = (v_leak - v) + r i", [array("tau"), array("r"), array("v_leak")],
            check: sameShapes("LI", ["tau", "r", "v_leak"]), infer: sameAs("tau")),
        nir("CubaLI", "current-based leaky integrator",
            [array("tau_syn"), array("tau_mem"), array("r"), array("v_leak"), array("w_in", .none)],
            check: { d in
                if d.tensor("w_in") == nil, let t = d.tensor("tau_mem") { d.fields["w_in"] = .tensor(try Tensor.filled(1, dtype: t.dtype, shape: t.shape)) }
                try sameShapes("CubaLI", ["tau_syn", "tau_mem", "r", "v_leak", "w_in"])(&d)
            },
            infer: sameAs("tau_mem")),
        nir("CubaLIF", "current-based leaky integrate-and-fire",
            [array("tau_syn"), array("tau_mem"), array("r"), array("v_leak"), array("v_threshold"), array("v_reset", .none), array("w_in", .none)],
            check: { d in
                if let t = d.tensor("tau_mem") {
                    if d.tensor("v_reset") == nil { d.fields["v_reset"] = .tensor(try Tensor.filled(0, dtype: t.dtype, shape: t.shape)) }
                    if d.tensor("w_in") == nil { d.fields["w_in"] = .tensor(try Tensor.filled(1, dtype: t.dtype, shape: t.shape)) }
                    d.fields = reorder(d.fields, ["tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"])
                }
                try sameShapes("CubaLIF", ["tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"])(&d)
            },
            infer: sameAs("tau_mem")),
        nir("SumPool2d", "2-D sum pooling",
            [FieldSpec("kernel_size", .ints), FieldSpec("stride", .ints), FieldSpec("padding", .ints, .value(pair(0)))],
            infer: poolPorts(dilation: false, ceil: false)),
        PrimitiveDescriptor(
            "NIRGraph", dialects: [.nir], summary: "a nested graph", fields: [FieldSpec("graph", .graph), metadata([.nir])],
            infer: { d in
                guard case .graph(let g)? = d.fields["graph"] else { return (nil, nil) }
                return (g.inputType, g.outputType)
            }),
    ]

    private static func nir(
        _ name: String, _ summary: String, _ fields: [FieldSpec],
        check: @escaping @Sendable (inout NodeDraft) throws -> Void = { _ in },
        infer: @escaping @Sendable (NodeDraft) -> (PortShapes?, PortShapes?)
    ) -> PrimitiveDescriptor {
        PrimitiveDescriptor(name, dialects: [.nir], summary: summary, fields: fields + [metadata([.nir])] + hardware, check: check, infer: infer)
    }
}
