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
    /// The profile of `graph`. Celesta profiles cyclic graphs (without the depth warning);
    /// TALON's `profile_graph` raises a TypeError on them, which `.talon` mode reproduces as an
    /// `.unsupported` error with TALON's message.
    public static func profile(_ graph: IRGraph, mode: IRMode = .celesta) throws -> HardwareProfile {
        try profile(graph, scan: GraphScan(graph), mode: mode)
    }

    /// `profile` from the scan of `graph`.
    public static func profile(_ graph: IRGraph, scan: GraphScan, mode: IRMode = .celesta) throws -> HardwareProfile {
        let (_, bytes) = scan.counts(mode: mode)
        let kinds = scan.typeNames.map(LayerKind.init)
        var tally = Tally()
        for i in graph.nodes.indices { tally.add(kinds[scan.kind[i]], outputSize: scan.outputSize[i], bytes: bytes[i], at: i) }
        return try tally.profile(totalBytes: bytes.reduce(0, +), totalFlops: scan.flops.reduce(0, &+), depth: scan.levels?.depth, mode: mode) {
            graph.nodes[$0].name
        }
    }

    /// The profile from a graph's statistics (with its layers).
    public static func profile(_ stats: GraphStats, mode: IRMode = .celesta) throws -> HardwareProfile {
        var tally = Tally()
        for (i, l) in stats.layers.enumerated() {
            tally.add(LayerKind(l.nodeType), outputSize: l.outputShape.isEmpty ? nil : l.outputShape.reduce(1, &*), bytes: l.bytes, at: i)
        }
        return try tally.profile(totalBytes: stats.totalBytes, totalFlops: stats.totalFlops, depth: stats.depth, mode: mode) {
            stats.layers[$0].name
        }
    }

    /// How the profile counts a layer of a primitive (by its exact name, as TALON checks).
    private struct LayerKind {
        let role: AnalysisFacts.Role?
        let isLIF, isFC, isSpikingAffine, isSepConv: Bool

        init(_ type: String) {
            role = AnalysisFacts.exact(type)?.role
            isLIF = type == "LIF"
            isSpikingAffine = type == "SpikingAffine"
            isFC = type == "Affine" || isSpikingAffine
            isSepConv = type == "SepConv2d"
        }
    }

    /// The profile's sums over the layers, in layer order.
    private struct Tally {
        var p = HardwareProfile()
        var largest = -1

        /// Layer `index`: its kind, the element count of its output (nil when unknown or
        /// without dimensions) and its parameter bytes. (Sizes wrap as numpy's int64 products
        /// do: a port shape may be huge, and nothing may trap.)
        mutating func add(_ kind: LayerKind, outputSize: Int?, bytes: Int, at index: Int) {
            if let outputSize {
                p.activationMemory = max(p.activationMemory, outputSize &* 4)
                if kind.isLIF { p.stateMemory &+= outputSize &* 4 }
            }
            switch kind.role {
            case .conv?:
                p.convLayers += 1
                if kind.isSepConv { p.usesSepconv = true }
            case .fc?:
                if kind.isFC {
                    p.fcLayers += 1
                    if kind.isSpikingAffine { p.usesSpikingAffine = true }
                }
            case .lif?:
                p.lifLayers += 1
                p.spikeOps &+= outputSize ?? 0
            case .pooling?: p.poolingLayers += 1
            case .upsample?: p.upsampleLayers += 1
            case .skip?: p.usesSkip = true
            case nil: break
            }
            if bytes > p.largestLayerMemory {
                p.largestLayerMemory = bytes
                largest = index
            }
        }

        /// The profile, with its warnings and recommendations (`name` gives a layer's name).
        func profile(totalBytes: Int, totalFlops: Int, depth: Int?, mode: IRMode, name: (Int) -> String) throws -> HardwareProfile {
            var p = self.p
            if largest >= 0 { p.largestLayer = name(largest) }
            p.weightMemory = totalBytes
            p.totalMemory = p.weightMemory &+ p.activationMemory &+ p.stateMemory
            p.estimatedQuantizedMemory = totalBytes / 4 &+ p.activationMemory &+ p.stateMemory
            p.macOps = totalFlops / 2
            p.totalOps = totalFlops
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
            if totalBytes > 1024 * 1024 {
                let savings = Double(totalBytes &- p.estimatedQuantizedMemory) / Double(totalBytes) * 100
                p.recommendations.append("8-bit quantization could reduce memory by ~\(PyFormat.fixed(savings, 0))%")
            }
            if let depth {
                if depth > 20 { p.warnings.append("Deep model (\(depth) layers) may have latency issues") }
            } else if mode == .talon {
                throw CelestaError(.unsupported, "'>' not supported between instances of 'NoneType' and 'int'")
            }
            return p
        }
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
