/// What the graph analyses (statistics, hardware profile, energy estimate, fingerprint) need
/// to know of a primitive, as data: which arrays are its parameters, how it computes, what its
/// analysis config shows and what its fingerprint hashes. The analyses read these facts and
/// hold no per-primitive switch of their own.
///
/// Facts are found along the base chain (an `SConv` has its `Conv2d`'s facts, as TALON's
/// isinstance dispatch gives it), except `role` and `countsAsConv`, which TALON checks by exact
/// class name.
public struct AnalysisFacts: Sendable {
    /// How the node's work is estimated (FLOPs, MACs, memory traffic).
    public enum Compute: Sendable {
        case none
        /// y = W x (+ b): weight.size MACs.
        case dense
        /// A 2-D convolution over the output's last two dimensions.
        case conv2d
        /// A 1-D convolution (energy only: TALON's analyze gives it no FLOPs).
        case conv1d
        /// Depthwise then pointwise 2-D convolution.
        case sepConv2d
        /// Spiking neurons: one state and one spike decision per neuron.
        case neuron
        /// Four operations per feature (TALON's energy model).
        case batchNorm
        case layerNorm
    }

    /// The profile's layer kind (TALON's counters; by exact primitive name).
    public enum Role: String, Sendable {
        case conv, fc, lif, pooling, upsample, skip
    }

    /// One thing the fingerprint hashes of the node's structure: Python's `str()` of a field,
    /// `str()` of an array field's shape, or (graph ports) the raw int64 port shapes.
    public enum Structure: Sendable {
        case field(String)
        case shape(String)
        case ports
    }

    /// The arrays counted as parameters, in counting order (absent ones count 0).
    public var parameters: [String] = []
    /// False where TALON's `analyze_graph` counts none of them (its quirk: Conv1d, IF,
    /// BatchNorm, PReLU, LayerNorm have 0 parameters there).
    public var talonCountsParameters = true
    public var compute: Compute = .none
    public var role: Role? = nil
    /// Counted by `GraphStats.conv_count` (TALON's list; SDDetect and SConv are not).
    public var countsAsConv = false
    /// The `config` of a layer's statistics: its entries, from the node.
    public var config: @Sendable (IRNode) -> [IREntry] = { _ in [] }
    /// What the fingerprint hashes of the structure.
    public var structure: [Structure] = []
    /// Arrays the full fingerprint hashes after `weight` and `bias` (which it hashes for every
    /// primitive that has them).
    public var hashedArrays: [String] = []
    /// The weight-like arrays `quantize_weights` quantizes (per output channel when asked),
    /// and the bias-like ones (always per tensor).
    public var quantizedWeights: [String] = []
    public var quantizedBiases: [String] = []

    init(_ build: (inout AnalysisFacts) -> Void) { build(&self) }

    /// The facts of primitive `type`, found along its base chain; nil for a primitive the
    /// analyses know nothing of (it counts nothing).
    public static func of(_ type: String) -> AnalysisFacts? {
        var current: String? = type
        var steps = 0
        while let c = current, steps < 16 {
            if let f = table[c] { return f }
            current = PrimitiveRegistry.shared.descriptor(c)?.base
            steps += 1
        }
        return nil
    }

    /// The facts given for exactly `type` (not inherited).
    public static func exact(_ type: String) -> AnalysisFacts? { table[type] }

    // MARK: The table

    private static func entry(_ key: String, _ node: IRNode, _ field: String) -> IREntry {
        IREntry(key, node.fields[field] ?? .none)
    }

    private static func shapeValue(_ shape: [Int]?) -> IRValue {
        guard let shape else { return .none }
        return .tuple(shape.map(IRValue.int))
    }

    private static let dense = AnalysisFacts {
        $0.parameters = ["weight", "bias"]
        $0.compute = .dense
        $0.role = .fc
        $0.config = { n in [IREntry("weight_shape", shapeValue(n.tensor("weight")?.shape))] }
        $0.structure = [.shape("weight")]
        $0.quantizedWeights = ["weight"]
        $0.quantizedBiases = ["bias"]
    }

    private static func blockArrays(_ names: [String], config: [String], role: Role? = nil, conv: Bool = false) -> AnalysisFacts {
        AnalysisFacts {
            $0.parameters = names
            $0.role = role
            $0.countsAsConv = conv
            $0.config = { n in config.map { entry($0, n, $0) } }
        }
    }

    private static func ghost(_ p: String) -> [String] {
        ["\(p)_primary_weight", "\(p)_primary_bias", "\(p)_cheap_weight", "\(p)_cheap_bias"]
    }

    /// A ghost block's channels: its first sub-convolution's input channels, and the output
    /// channels of its last ghost module (primary + cheap).
    private static func ghostChannels(_ n: IRNode, first: String, last: String) -> [IREntry] {
        let input = n.tensor(first)?.shape.dropFirst().first
        let primary = n.tensor("\(last)_primary_weight")?.shape.first, cheap = n.tensor("\(last)_cheap_weight")?.shape.first
        let output = primary.flatMap { p in cheap.map { p + $0 } }
        return [IREntry("in_channels", input.map(IRValue.int) ?? .none), IREntry("out_channels", output.map(IRValue.int) ?? .none)]
    }

    static let table: [String: AnalysisFacts] = [
        "Affine": dense,
        "Linear": dense,
        "SpikingAffine": AnalysisFacts {
            $0 = dense
            $0.config = { n in
                [IREntry("weight_shape", shapeValue(n.tensor("weight")?.shape)), entry("spike_mode", n, "spike_mode"), entry("weight_bits", n, "weight_bits")]
            }
            $0.structure = [.shape("weight"), .field("spike_mode"), .field("weight_bits"), .field("accumulator_bits")]
        },
        "Conv2d": AnalysisFacts {
            $0 = conv2dInherited()
            $0.role = .conv
            $0.countsAsConv = true
        },
        // (SConv and SDConv inherit Conv2d's facts but are neither conv layers nor convs by
        // TALON's name checks.)
        "SConv": conv2dInherited(),
        "SDConv": conv2dInherited(),
        "Conv1d": AnalysisFacts {
            $0.parameters = ["weight", "bias"]
            $0.talonCountsParameters = false
            $0.compute = .conv1d
        },
        "SepConv2d": AnalysisFacts {
            $0.parameters = ["depthwise_weight", "pointwise_weight", "depthwise_bias", "pointwise_bias"]
            $0.compute = .sepConv2d
            $0.role = .conv
            $0.countsAsConv = true
            $0.config = { n in
                [IREntry("depthwise_kernel", shapeValue(n.tensor("depthwise_weight")?.shape)),
                 IREntry("pointwise_kernel", shapeValue(n.tensor("pointwise_weight")?.shape))]
            }
            $0.structure = [.field("stride"), .field("padding"), .field("dilation"), .shape("depthwise_weight"), .shape("pointwise_weight")]
            $0.hashedArrays = ["depthwise_weight", "depthwise_bias", "pointwise_weight", "pointwise_bias"]
            $0.quantizedWeights = ["depthwise_weight", "pointwise_weight"]
            $0.quantizedBiases = ["depthwise_bias", "pointwise_bias"]
        },
        "LIF": AnalysisFacts {
            $0.parameters = ["tau", "r", "v_leak", "v_threshold"]
            $0.compute = .neuron
            $0.role = .lif
            $0.config = { n in
                [IREntry("tau_mean", n.tensor("tau").map { .float(NumpyMath.mean($0)) } ?? .none),
                 IREntry("threshold", n.tensor("v_threshold").map { .float(NumpyMath.mean($0)) } ?? .none)]
            }
            $0.structure = [.shape("tau")]
            $0.hashedArrays = ["tau", "r", "v_leak", "v_threshold"]
        },
        "IF": AnalysisFacts {
            $0.parameters = ["r", "v_threshold", "v_reset"]
            $0.talonCountsParameters = false
        },
        "BatchNorm1d": AnalysisFacts {
            $0.parameters = ["weight", "bias", "running_mean", "running_var"]
            $0.talonCountsParameters = false
            $0.compute = .batchNorm
        },
        "BatchNorm2d": AnalysisFacts {
            $0.parameters = ["weight", "bias", "running_mean", "running_var"]
            $0.talonCountsParameters = false
            $0.compute = .batchNorm
        },
        "LayerNorm": AnalysisFacts {
            $0.parameters = ["weight", "bias"]
            $0.talonCountsParameters = false
            $0.compute = .layerNorm
        },
        "PReLU": AnalysisFacts {
            $0.parameters = ["weight"]
            $0.talonCountsParameters = false
        },
        "MaxPool2d": AnalysisFacts {
            $0.role = .pooling
            $0.config = { n in [entry("kernel", n, "kernel_size"), entry("stride", n, "stride")] }
            $0.structure = [.field("kernel_size"), .field("stride"), .field("padding")]
        },
        "AvgPool2d": AnalysisFacts {
            $0.role = .pooling
            $0.config = { n in [entry("kernel", n, "kernel_size"), entry("stride", n, "stride"), entry("count_include_pad", n, "count_include_pad")] }
            $0.structure = [.field("kernel_size"), .field("stride"), .field("padding")]
        },
        "Flatten": AnalysisFacts {
            $0.config = { n in [entry("start_dim", n, "start_dim"), entry("end_dim", n, "end_dim")] }
            $0.structure = [.field("start_dim"), .field("end_dim")]
        },
        "Skip": AnalysisFacts {
            $0.role = .skip
            $0.config = { n in [entry("skip_type", n, "skip_type")] }
            $0.structure = [.field("skip_type")]
        },
        "Upsample": AnalysisFacts {
            $0.role = .upsample
            $0.config = { n in ["scale_factor", "size", "mode", "align_corners"].map { entry($0, n, $0) } }
        },
        "Input": AnalysisFacts { $0.structure = [.ports] },
        "Output": AnalysisFacts { $0.structure = [.ports] },
        "ChannelSplit": blockArrays([], config: ["split_sections", "dim"]),
        "Concat": blockArrays([], config: ["num_inputs", "dim"]),
        "SGhostConv": blockArrays(["primary_weight", "primary_bias", "cheap_weight", "cheap_bias"], config: ["primary_stride", "primary_padding"], role: .conv, conv: true),
        "SGhostEncoderLite": blockArrays(["conv1_weight", "conv1_bias"] + ghost("ghost"), config: ["stride"], role: .conv, conv: true),
        "GhostBasicBlock1": AnalysisFacts {
            $0.parameters = ghost("cvres") + ghost("cv0") + ghost("cv2")
            $0.role = .conv
            $0.countsAsConv = true
            $0.config = { n in [entry("stride", n, "stride")] + ghostChannels(n, first: "cv0_primary_weight", last: "cv2") }
        },
        "GhostBasicBlock2": AnalysisFacts {
            $0.parameters = ghost("cv0") + ghost("cv2")
            $0.role = .conv
            $0.countsAsConv = true
            $0.config = { n in ghostChannels(n, first: "cv0_primary_weight", last: "cv2") }
        },
        "SDDetect": blockArrays(
            ["cv2", "cv3"].flatMap { h in (0..<3).flatMap { ["\(h)_w\($0)", "\(h)_b\($0)"] } }, config: ["num_classes", "reg_max", "stride"], role: .conv),
        "DFLDecode": blockArrays(["dfl_weights"], config: ["reg_max"]),
        "Dist2BBox": blockArrays([], config: ["stride"]),
        // NIR's neurons and scalings: parameters only.
        "LI": blockArrays(["tau", "r", "v_leak"], config: []),
        "CubaLI": blockArrays(["tau_syn", "tau_mem", "r", "v_leak", "w_in"], config: []),
        "CubaLIF": blockArrays(["tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"], config: []),
        "I": blockArrays(["r"], config: []),
        "Scale": blockArrays(["scale"], config: []),
        "Threshold": blockArrays(["threshold"], config: []),
    ]

    /// Conv2d's facts without its name-checked role and conv count (SConv and SDConv).
    private static func conv2dInherited() -> AnalysisFacts {
        AnalysisFacts {
            $0.parameters = ["weight", "bias"]
            $0.compute = .conv2d
            $0.config = { n in
                [IREntry("kernel", shapeValue(n.tensor("weight").map { Array($0.shape.suffix(2)) })), entry("stride", n, "stride"),
                 entry("padding", n, "padding"), entry("groups", n, "groups")]
            }
            $0.structure = [.field("stride"), .field("padding"), .field("dilation"), .field("groups"), .shape("weight")]
            $0.quantizedWeights = ["weight"]
            $0.quantizedBiases = ["bias"]
        }
    }
}

/// numpy's reductions where their rounding shows in results (TALON prints means of float32
/// arrays).
public enum NumpyMath {
    /// `float(np.mean(a))`: numpy sums float32 arrays in float32 by pairwise summation and
    /// divides in float32; float64 (and integer) arrays in float64.
    public static func mean(_ t: Tensor) -> Double {
        let n = t.count
        guard n > 0 else { return .nan }
        if t.dtype == .float32 {
            return Double(t.bytes.withUnsafeBytes { pairwise($0.bindMemory(to: Float.self)[...]) } / Float(n))
        }
        let values = t.doubles
        return values.withUnsafeBufferPointer { pairwise($0[...]) } / Double(n)
    }

    /// numpy's `pairwise_sum`: straight below 8 elements, 8 interleaved partial sums up to 128,
    /// else the halves (cut at a multiple of 8) summed apart.
    static func pairwise<T: BinaryFloatingPoint>(_ a: Slice<UnsafeBufferPointer<T>>) -> T {
        let n = a.count
        let s = a.startIndex
        if n < 8 {
            var r: T = -0.0
            for i in a.indices { r += a[i] }
            return n == 0 ? 0 : r
        }
        if n <= 128 {
            // (Eight running sums in locals: an array of them cost an allocation per call.)
            var r0 = a[s], r1 = a[s + 1], r2 = a[s + 2], r3 = a[s + 3], r4 = a[s + 4], r5 = a[s + 5], r6 = a[s + 6], r7 = a[s + 7]
            var i = 8
            while i < n - n % 8 {
                r0 += a[s + i]
                r1 += a[s + i + 1]
                r2 += a[s + i + 2]
                r3 += a[s + i + 3]
                r4 += a[s + i + 4]
                r5 += a[s + i + 5]
                r6 += a[s + i + 6]
                r7 += a[s + i + 7]
                i += 8
            }
            var res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n {
                res += a[s + i]
                i += 1
            }
            return res
        }
        var n2 = n / 2
        n2 -= n2 % 8
        return pairwise(a[s..<(s + n2)]) + pairwise(a[(s + n2)...])
    }
}
