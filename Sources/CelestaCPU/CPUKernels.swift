import CelestaIR

/// The built-in kernels, by primitive: the CPU backend computes exactly these (its
/// capabilities list them). Primitives derived from one of these (SConv, SDConv) share its
/// kernel. Anything else (NIRGraph, the SU-YOLO blocks) is refused by name at validation.
enum CPUKernels {
    static let builtin: [String: CPUKernelFactory] = {
        var t: [String: CPUKernelFactory] = [
            "Input": { c in MapKernel(c, nil) },
            "Output": { c in MapKernel(c, nil) },
            "Dropout": { c in MapKernel(c, nil) },
            "HybridRegion": { c in MapKernel(c, nil) },
            "Affine": { c in try DenseKernel(c, biasField: "bias") },
            "SpikingAffine": { c in try DenseKernel(c, biasField: "bias") },
            "Linear": { c in try DenseKernel(c, biasField: nil) },
            "Conv1d": { c in try ConvKernel.make(c, rank: 1) },
            "Conv2d": { c in try ConvKernel.make(c, rank: 2) },
            "SepConv2d": { c in try SepConvKernel(c) },
            "MaxPool2d": { c in try PoolKernel(c, kind: .max) },
            "AvgPool2d": { c in try PoolKernel(c, kind: .average) },
            "SumPool2d": { c in try PoolKernel(c, kind: .sum) },
            "Upsample": { c in try UpsampleKernel(c) },
            "Flatten": { c in
                let start = c.node["start_dim"]?.int ?? 0, end = c.node["end_dim"]?.int ?? -1
                guard let shape = ShapeRules.flattened(c.inputShape, start: start, end: end) else {
                    throw c.fail("cannot flatten dims \(start)..\(end) of shape \(c.inputShape)")
                }
                return MapKernel(c, shape: shape, nil)
            },
            "Softmax": { c in try SoftmaxKernel(c) },
            "BatchNorm1d": { c in try ChannelAffineKernel.batchNorm(c) },
            "BatchNorm2d": { c in try ChannelAffineKernel.batchNorm(c) },
            "LayerNorm": { c in try LayerNormKernel(c) },
            "Threshold": { c in
                let thr = try c.perNeuron("threshold", c.inputCount)
                return MapKernel(c, spiking: true) { x, i in x > thr[i] ? 1 : 0 }
            },
            "Delay": { c in try DelayKernel(c) },
            "Skip": { c in
                switch c.node["skip_type"]?.string ?? "residual" {
                case "concatenate", "concat": return try MergeKernel(c, rule: .concat)
                case "passthrough", "identity": return try MergeKernel(c, rule: .first)
                default: return try MergeKernel(c, rule: .sum)
                }
            },
            "Concat": { c in try MergeKernel(c, rule: .concat, dim: c.node["dim"]?.int ?? 0) },
            "ChannelSplit": { c in try SplitKernel(c) },
        ]
        for (name, make) in Activations.table {
            t[name] = { c in MapKernel(c, try make(c)) }
        }
        for model in ["LIF", "IF", "I", "LI", "CubaLI", "CubaLIF"] {
            t[model] = { c in try NeuronKernel(c, model: NeuronKernel.Model(rawValue: model)!) }
        }
        return t
    }()
}
