/// Memory and compute estimates of a graph (TALON's `HardwareProfile`, from `profile_graph`).
public struct HardwareProfile: Sendable, Equatable {
    public var weightMemory = 0
    /// The largest layer output in bytes (a peak, float32).
    public var activationMemory = 0
    /// LIF membrane state bytes (float32).
    public var stateMemory = 0
    public var totalMemory = 0
    public var macOps = 0
    public var spikeOps = 0
    public var totalOps = 0
    public var convLayers = 0
    public var fcLayers = 0
    public var lifLayers = 0
    public var poolingLayers = 0
    public var upsampleLayers = 0
    public var usesSpikingAffine = false
    public var usesSkip = false
    public var usesSepconv = false
    public var weightDtype = "float32"
    public var estimatedQuantizedMemory = 0
    public var largestLayer = ""
    public var largestLayerMemory = 0
    public var warnings: [String] = []
    public var recommendations: [String] = []

    public init() {}
}

/// TALON's `profile_graph` and `format_profile`.
public enum HardwareProfiling {
    /// The profile of `graph`, from its statistics. Celesta profiles cyclic graphs (without the
    /// depth warning); TALON's `profile_graph` raises a TypeError on them, which `.talon` mode
    /// reproduces as an `.unsupported` error with TALON's message.
    public static func profile(_ graph: IRGraph, mode: IRMode = .celesta) throws -> HardwareProfile {
        try profile(GraphAnalysis.analyze(graph, mode: mode, configs: false), mode: mode)
    }

    public static func profile(_ stats: GraphStats, mode: IRMode = .celesta) throws -> HardwareProfile {
        var p = HardwareProfile()
        p.weightMemory = stats.totalBytes
        for l in stats.layers where !l.outputShape.isEmpty {
            p.activationMemory = max(p.activationMemory, l.outputShape.reduce(1, *) * 4)
        }
        for l in stats.layers where l.nodeType == "LIF" && !l.outputShape.isEmpty { p.stateMemory += l.outputShape.reduce(1, *) * 4 }
        p.totalMemory = p.weightMemory + p.activationMemory + p.stateMemory
        p.estimatedQuantizedMemory = stats.totalBytes / 4 + p.activationMemory + p.stateMemory
        p.macOps = stats.totalFlops / 2
        p.totalOps = stats.totalFlops
        for l in stats.layers {
            switch AnalysisFacts.exact(l.nodeType)?.role {
            case .conv?:
                p.convLayers += 1
                if l.nodeType == "SepConv2d" { p.usesSepconv = true }
            case .fc?:
                if l.nodeType == "Affine" || l.nodeType == "SpikingAffine" {
                    p.fcLayers += 1
                    if l.nodeType == "SpikingAffine" { p.usesSpikingAffine = true }
                }
            case .lif?:
                p.lifLayers += 1
                p.spikeOps += l.outputShape.isEmpty ? 0 : l.outputShape.reduce(1, *)
            case .pooling?: p.poolingLayers += 1
            case .upsample?: p.upsampleLayers += 1
            case .skip?: p.usesSkip = true
            case nil: break
            }
        }
        for l in stats.layers where l.bytes > p.largestLayerMemory {
            p.largestLayerMemory = l.bytes
            p.largestLayer = l.name
        }
        let mib = 1024.0 * 1024.0
        if p.totalMemory > 100 * 1024 * 1024 {
            p.warnings.append("Large model (\(PyFormat.fixed(Double(p.totalMemory) / mib, 1)) MB) may not fit on-chip")
        }
        if p.largestLayerMemory > 10 * 1024 * 1024 {
            p.warnings.append("Layer '\(p.largestLayer)' is very large (\(PyFormat.fixed(Double(p.largestLayerMemory) / mib, 1)) MB)")
        }
        if p.fcLayers > 0 && !p.usesSpikingAffine {
            p.recommendations.append("Consider using SpikingAffine for FC layers to enable hardware-optimized quantization")
        }
        if p.convLayers > 2 && !p.usesSepconv {
            p.recommendations.append("Consider SepConv2d for depthwise separable convolutions to reduce parameters")
        }
        if p.lifLayers == 0 { p.warnings.append("No LIF layers detected - model is not a spiking neural network") }
        if stats.totalBytes > 1024 * 1024 {
            let savings = Double(stats.totalBytes - p.estimatedQuantizedMemory) / Double(stats.totalBytes) * 100
            p.recommendations.append("8-bit quantization could reduce memory by ~\(PyFormat.fixed(savings, 0))%")
        }
        if let depth = stats.depth {
            if depth > 20 { p.warnings.append("Deep model (\(depth) layers) may have latency issues") }
        } else if mode == .talon {
            throw CelestaError(.unsupported, "'>' not supported between instances of 'NoneType' and 'int'")
        }
        return p
    }

    /// TALON's `format_profile` text.
    public static func format(_ p: HardwareProfile) -> String {
        let b = GraphAnalysis.formatBytes, n = GraphAnalysis.formatNumber
        var lines = [
            "TALON Hardware Profile", String(repeating: "=", count: 50), "",
            "Memory Estimates:",
            "  Weight memory:     \(b(p.weightMemory))",
            "  Activation memory: \(b(p.activationMemory)) (peak)",
            "  State memory:      \(b(p.stateMemory)) (LIF membrane)",
            "  Total:             \(b(p.totalMemory))",
            "  8-bit quantized:   \(b(p.estimatedQuantizedMemory)) (estimate)",
            "",
            "Compute Estimates:",
            "  MAC operations: \(n(p.macOps))",
            "  Spike operations: \(n(p.spikeOps))",
            "",
            "Architecture:",
            "  Conv layers:    \(p.convLayers)",
            "  FC layers:      \(p.fcLayers)",
            "  LIF layers:     \(p.lifLayers)",
            "  Pooling layers: \(p.poolingLayers)",
            "  Upsample layers: \(p.upsampleLayers)",
        ]
        var features: [String] = []
        if p.usesSpikingAffine { features.append("SpikingAffine") }
        if p.usesSepconv { features.append("SepConv2d") }
        if p.usesSkip { features.append("Skip") }
        if !features.isEmpty { lines.append("  Hardware features: " + features.joined(separator: ", ")) }
        if !p.largestLayer.isEmpty { lines += ["", "Bottleneck: \(p.largestLayer) (\(b(p.largestLayerMemory)))"] }
        if !p.warnings.isEmpty { lines += ["", "\u{26A0} Warnings:"] + p.warnings.map { "  \u{2022} \($0)" } }
        if !p.recommendations.isEmpty { lines += ["", "\u{1F4A1} Recommendations:"] + p.recommendations.map { "  \u{2022} \($0)" } }
        return lines.joined(separator: "\n")
    }
}
