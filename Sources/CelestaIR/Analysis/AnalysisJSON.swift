/// The analysis results as JSON objects with TALON's field names (what `dataclasses.asdict`
/// gives of TALON's results; tuples as lists), for the C ABI, the CLI's `--json` and Python.
public enum AnalysisJSON {
    private static func obj(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { JSONText.quote($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }

    private static func number(_ v: Double) -> String {
        v.isFinite ? PythonFormat.repr(v) : (v.isNaN ? "NaN" : (v < 0 ? "-Infinity" : "Infinity"))
    }

    public static func layer(_ l: LayerStats) -> String {
        var w = JSONBytes(capacity: 256)
        layer(l, &w)
        return w.text
    }

    private static func layer(_ l: LayerStats, _ w: inout JSONBytes) {
        layer(name: l.name, type: l.nodeType, params: l.params, bytes: l.bytes, input: l.inputShape, output: l.outputShape, flops: l.flops,
              config: l.config.entries, &w)
    }

    private static func layer(
        name: String, type: String, params: Int, bytes: Int, input: [Int], output: [Int], flops: Int, config: [IREntry], _ w: inout JSONBytes
    ) {
        w.raw("{\"name\": ")
        w.string(name)
        w.raw(", \"node_type\": ")
        w.string(type)
        w.raw(", \"params\": ")
        w.int(params)
        w.raw(", \"bytes\": ")
        w.int(bytes)
        w.raw(", \"input_shape\": ")
        w.ints(input)
        w.raw(", \"output_shape\": ")
        w.ints(output)
        w.raw(", \"flops\": ")
        w.int(flops)
        w.raw(", \"config\": ")
        w.entries(config)
        w.raw("}")
    }

    public static func stats(_ s: GraphStats) -> String { String(decoding: statsBytes(s), as: UTF8.self) }

    /// `stats` as UTF-8 bytes; without `layers` when `layers` is false.
    public static func statsBytes(_ s: GraphStats, layers: Bool = true) -> [UInt8] {
        statsBytes(s, capacity: 512 + 200 * s.layers.count, layers: layers) { (w: inout JSONBytes) in
            for (i, l) in s.layers.enumerated() {
                if i > 0 { w.raw(", ") }
                layer(l, &w)
            }
        }
    }

    /// The statistics of `graph` as `statsBytes` writes them, from the graph's scan (the layers
    /// written from the nodes as they are read; none when `layers` is false).
    public static func statsBytes(_ graph: IRGraph, scan: GraphScan, mode: IRMode, layers: Bool) -> [UInt8] {
        let s = GraphAnalysis.analyze(graph, scan: scan, mode: mode, layers: false)
        return statsBytes(s, capacity: 512 + (layers ? 200 * graph.nodes.count : 0), layers: layers) { (w: inout JSONBytes) in
            let (params, bytes) = scan.counts(mode: mode)
            for (i, node) in graph.nodes.enumerated() {
                if i > 0 { w.raw(", ") }
                let config = scan.types[scan.kind[i]].facts?.config(node) ?? []
                layer(name: node.name, type: node.type, params: params[i], bytes: bytes[i], input: node.inputType?["input"] ?? [],
                      output: node.outputType?["output"] ?? [], flops: scan.flops[i], config: config, &w)
            }
        }
    }

    /// The statistics' JSON, with `writeLayers` writing the items of `layers` when `layers`.
    private static func statsBytes(_ s: GraphStats, capacity: Int, layers: Bool, writeLayers: (inout JSONBytes) -> Void) -> [UInt8] {
        var w = JSONBytes(capacity: capacity)
        func counts(_ list: [(String, Int)]) {
            w.raw("{")
            for (i, (k, v)) in list.enumerated() {
                if i > 0 { w.raw(", ") }
                w.key(k)
                w.int(v)
            }
            w.raw("}")
        }
        func optional(_ v: Int?) { if let v { w.int(v) } else { w.raw("null") } }
        w.raw("{\"total_params\": "); w.int(s.totalParams)
        w.raw(", \"total_bytes\": "); w.int(s.totalBytes)
        w.raw(", \"total_flops\": "); w.int(s.totalFlops)
        w.raw(", \"node_count\": "); w.int(s.nodeCount)
        w.raw(", \"edge_count\": "); w.int(s.edgeCount)
        w.raw(", \"depth\": "); optional(s.depth)
        w.raw(", \"width\": "); optional(s.width)
        w.raw(", \"is_dag\": "); w.bool(s.isDAG)
        w.raw(", \"type_counts\": "); counts(s.typeCounts)
        if layers {
            w.raw(", \"layers\": [")
            writeLayers(&w)
            w.raw("]")
        }
        w.raw(", \"input_shapes\": [")
        for (i, x) in s.inputShapes.enumerated() { if i > 0 { w.raw(", ") }; w.ints(x) }
        w.raw("], \"output_shapes\": [")
        for (i, x) in s.outputShapes.enumerated() { if i > 0 { w.raw(", ") }; w.ints(x) }
        w.raw("], \"memory_breakdown\": "); counts(s.memoryBreakdown)
        w.raw(", \"lif_count\": "); w.int(s.lifCount)
        w.raw(", \"affine_count\": "); w.int(s.affineCount)
        w.raw(", \"conv_count\": "); w.int(s.convCount)
        w.raw("}")
        return w.out
    }

    public static func profile(_ p: HardwareProfile) -> String { String(decoding: profileBytes(p), as: UTF8.self) }

    /// `profile` as UTF-8 bytes.
    public static func profileBytes(_ p: HardwareProfile) -> [UInt8] {
        var w = JSONBytes(capacity: 1024)
        func strings(_ list: [String]) {
            w.raw("[")
            for (i, x) in list.enumerated() {
                if i > 0 { w.raw(", ") }
                w.string(x)
            }
            w.raw("]")
        }
        w.raw("{\"weight_memory\": "); w.int(p.weightMemory)
        w.raw(", \"activation_memory\": "); w.int(p.activationMemory)
        w.raw(", \"state_memory\": "); w.int(p.stateMemory)
        w.raw(", \"total_memory\": "); w.int(p.totalMemory)
        w.raw(", \"mac_ops\": "); w.int(p.macOps)
        w.raw(", \"spike_ops\": "); w.int(p.spikeOps)
        w.raw(", \"total_ops\": "); w.int(p.totalOps)
        w.raw(", \"conv_layers\": "); w.int(p.convLayers)
        w.raw(", \"fc_layers\": "); w.int(p.fcLayers)
        w.raw(", \"lif_layers\": "); w.int(p.lifLayers)
        w.raw(", \"pooling_layers\": "); w.int(p.poolingLayers)
        w.raw(", \"upsample_layers\": "); w.int(p.upsampleLayers)
        w.raw(", \"uses_spiking_affine\": "); w.bool(p.usesSpikingAffine)
        w.raw(", \"uses_skip\": "); w.bool(p.usesSkip)
        w.raw(", \"uses_sepconv\": "); w.bool(p.usesSepconv)
        w.raw(", \"weight_dtype\": "); w.string(p.weightDtype)
        w.raw(", \"estimated_quantized_memory\": "); w.int(p.estimatedQuantizedMemory)
        w.raw(", \"largest_layer\": "); w.string(p.largestLayer)
        w.raw(", \"largest_layer_memory\": "); w.int(p.largestLayerMemory)
        w.raw(", \"warnings\": "); strings(p.warnings)
        w.raw(", \"recommendations\": "); strings(p.recommendations)
        w.raw("}")
        return w.out
    }

    /// The profile from `profile(_:)`'s JSON (for `format_profile` of a profile given as data).
    public static func profile(from text: [UInt8]) throws -> HardwareProfile {
        let v = try JSONParser.parse(text, name: "profile", integers: true)
        guard case .object(let o, _) = v else { throw CelestaError(.parse, "a hardware profile must be a JSON object") }
        func int(_ k: String) throws -> Int {
            switch o[k] {
            case .integer(let i)?: return i
            case .number(let d)? where d == d.rounded() && abs(d) < 9e18: return Int(d)
            default: throw CelestaError(.parse, "hardware profile field '\(k)' must be an integer")
            }
        }
        func bool(_ k: String) throws -> Bool {
            guard case .bool(let b)? = o[k] else { throw CelestaError(.parse, "hardware profile field '\(k)' must be true or false") }
            return b
        }
        func string(_ k: String) throws -> String {
            guard case .string(let s)? = o[k] else { throw CelestaError(.parse, "hardware profile field '\(k)' must be a string") }
            return s
        }
        func strings(_ k: String) throws -> [String] {
            guard let items = o[k]?.elements else { throw CelestaError(.parse, "hardware profile field '\(k)' must be a list of strings") }
            return try items.map { item in
                guard case .string(let s) = item else { throw CelestaError(.parse, "hardware profile field '\(k)' must be a list of strings") }
                return s
            }
        }
        var p = HardwareProfile()
        p.weightMemory = try int("weight_memory")
        p.activationMemory = try int("activation_memory")
        p.stateMemory = try int("state_memory")
        p.totalMemory = try int("total_memory")
        p.macOps = try int("mac_ops")
        p.spikeOps = try int("spike_ops")
        p.totalOps = try int("total_ops")
        p.convLayers = try int("conv_layers")
        p.fcLayers = try int("fc_layers")
        p.lifLayers = try int("lif_layers")
        p.poolingLayers = try int("pooling_layers")
        p.upsampleLayers = try int("upsample_layers")
        p.usesSpikingAffine = try bool("uses_spiking_affine")
        p.usesSkip = try bool("uses_skip")
        p.usesSepconv = try bool("uses_sepconv")
        p.weightDtype = try string("weight_dtype")
        p.estimatedQuantizedMemory = try int("estimated_quantized_memory")
        p.largestLayer = try string("largest_layer")
        p.largestLayerMemory = try int("largest_layer_memory")
        p.warnings = try strings("warnings")
        p.recommendations = try strings("recommendations")
        return p
    }

    public static func lint(_ r: LintResult) -> String { String(decoding: lintBytes(r), as: UTF8.self) }

    /// `lint` as UTF-8 bytes.
    public static func lintBytes(_ r: LintResult) -> [UInt8] {
        var w = JSONBytes(capacity: 256 + 200 * r.issues.count)
        func optional(_ s: String?) { if let s { w.string(s) } else { w.raw("null") } }
        var errors = 0, warnings = 0, infos = 0
        for i in r.issues {
            switch i.severity {
            case .error: errors += 1
            case .warning: warnings += 1
            case .info: infos += 1
            }
        }
        w.raw("{\"total_issues\": "); w.int(r.issues.count)
        w.raw(", \"errors\": "); w.int(errors)
        w.raw(", \"warnings\": "); w.int(warnings)
        w.raw(", \"infos\": "); w.int(infos)
        w.raw(", \"is_valid\": "); w.bool(errors == 0)
        w.raw(", \"issues\": [")
        for (k, i) in r.issues.enumerated() {
            if k > 0 { w.raw(", ") }
            w.raw("{\"severity\": "); w.string(i.severity.rawValue)
            w.raw(", \"code\": "); w.string(i.code)
            w.raw(", \"message\": "); w.string(i.message)
            w.raw(", \"node\": "); optional(i.node)
            w.raw(", \"suggestion\": "); optional(i.suggestion)
            w.raw("}")
        }
        w.raw("]}")
        return w.out
    }

    public static func energy(_ e: EnergyEstimate) -> String {
        obj([
            ("total_uj", number(e.totalUJ)), ("mac_energy_uj", number(e.macEnergyUJ)), ("spike_energy_uj", number(e.spikeEnergyUJ)),
            ("memory_energy_uj", number(e.memoryEnergyUJ)), ("per_layer", obj(e.perLayer.map { ($0.0, number($0.1)) })),
            ("mac_count", String(e.macCount)), ("spike_count", String(e.spikeCount)), ("memory_accesses", String(e.memoryAccesses)),
        ])
    }

    public static func energyTable(_ t: EnergyTable) -> String { obj(t.entries.map { ($0.0, number($0.1)) }) }

    /// The entries of a JSON object of numbers (an energy table), in text order.
    public static func numberObject(_ text: [UInt8], name: String) throws -> [(String, Double)] {
        guard case .object(let o, let order) = try JSONParser.parse(text, name: name) else {
            throw CelestaError(.parse, "'\(name)' must be a JSON object")
        }
        return try order.map { k in
            switch o[k] {
            case .number(let d)?: return (k, d)
            case .integer(let i)?: return (k, Double(i))
            default: throw CelestaError(.invalidArgument, "'\(name)' entry '\(k)' must be a number")
            }
        }
    }

    /// `{"structure": ..., "full": ...}`.
    public static func fingerprints(_ structure: String, _ full: String) -> String {
        obj([("structure", JSONText.quote(structure)), ("full", JSONText.quote(full))])
    }
}
