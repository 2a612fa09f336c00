/// The analysis results as JSON objects with TALON's field names (what `dataclasses.asdict`
/// gives of TALON's results; tuples as lists), for the C ABI, the CLI's `--json` and Python.
public enum AnalysisJSON {
    private static func obj(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { JSONText.quote($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }

    private static func strings(_ v: [String]) -> String { "[" + v.map(JSONText.quote).joined(separator: ", ") + "]" }
    private static func number(_ v: Double) -> String {
        v.isFinite ? PythonFormat.repr(v) : (v.isNaN ? "NaN" : (v < 0 ? "-Infinity" : "Infinity"))
    }

    public static func layer(_ l: LayerStats) -> String {
        var w = JSONBytes(capacity: 256)
        layer(l, &w)
        return w.text
    }

    private static func layer(_ l: LayerStats, _ w: inout JSONBytes) {
        w.raw("{\"name\": ")
        w.string(l.name)
        w.raw(", \"node_type\": ")
        w.string(l.nodeType)
        w.raw(", \"params\": ")
        w.int(l.params)
        w.raw(", \"bytes\": ")
        w.int(l.bytes)
        w.raw(", \"input_shape\": ")
        w.ints(l.inputShape)
        w.raw(", \"output_shape\": ")
        w.ints(l.outputShape)
        w.raw(", \"flops\": ")
        w.int(l.flops)
        w.raw(", \"config\": ")
        w.value(.dict(l.config))
        w.raw("}")
    }

    public static func stats(_ s: GraphStats) -> String { String(decoding: statsBytes(s), as: UTF8.self) }

    /// `stats` as UTF-8 bytes; without `layers` when `layers` is false.
    public static func statsBytes(_ s: GraphStats, layers: Bool = true) -> [UInt8] {
        var w = JSONBytes(capacity: 512 + 200 * s.layers.count)
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
            for (i, l) in s.layers.enumerated() {
                if i > 0 { w.raw(", ") }
                layer(l, &w)
            }
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

    public static func profile(_ p: HardwareProfile) -> String {
        obj([
            ("weight_memory", String(p.weightMemory)), ("activation_memory", String(p.activationMemory)),
            ("state_memory", String(p.stateMemory)), ("total_memory", String(p.totalMemory)), ("mac_ops", String(p.macOps)),
            ("spike_ops", String(p.spikeOps)), ("total_ops", String(p.totalOps)), ("conv_layers", String(p.convLayers)),
            ("fc_layers", String(p.fcLayers)), ("lif_layers", String(p.lifLayers)), ("pooling_layers", String(p.poolingLayers)),
            ("upsample_layers", String(p.upsampleLayers)), ("uses_spiking_affine", String(p.usesSpikingAffine)),
            ("uses_skip", String(p.usesSkip)), ("uses_sepconv", String(p.usesSepconv)), ("weight_dtype", JSONText.quote(p.weightDtype)),
            ("estimated_quantized_memory", String(p.estimatedQuantizedMemory)), ("largest_layer", JSONText.quote(p.largestLayer)),
            ("largest_layer_memory", String(p.largestLayerMemory)), ("warnings", strings(p.warnings)),
            ("recommendations", strings(p.recommendations)),
        ])
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

    public static func lint(_ r: LintResult) -> String {
        let issues = r.issues.map { i in
            obj([
                ("severity", JSONText.quote(i.severity.rawValue)), ("code", JSONText.quote(i.code)), ("message", JSONText.quote(i.message)),
                ("node", i.node.map(JSONText.quote) ?? "null"), ("suggestion", i.suggestion.map(JSONText.quote) ?? "null"),
            ])
        }
        return obj([
            ("total_issues", String(r.issues.count)), ("errors", String(r.errors)), ("warnings", String(r.warnings)),
            ("infos", String(r.infos)), ("is_valid", String(r.isValid)), ("issues", "[" + issues.joined(separator: ", ") + "]"),
        ])
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
