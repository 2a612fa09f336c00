// Exported C functions: analysis of IR graphs (TALON's SDK: statistics, hardware profile,
// lint, fingerprints, energy estimate) and the graph transforms (quantization, conversion to
// spiking layers, merging, pruning).

import CelestaABI
import CelestaIR

/// The graph behind `graph` (a copy: the analyses do not hold the lock while they work).
private func graphOf(_ graph: celesta_ir_graph_cref?) throws -> IRGraph {
    try object(graph, IRGraphBox.self, "graph").withGraph { $0 }
}

/// The graph behind `graph` and its analysis scan (kept by the handle while the graph is
/// unchanged: analyze, profile and lint of one graph scan it once).
private func scannedGraph(_ graph: celesta_ir_graph_cref?) throws -> (IRGraph, GraphScan) {
    try object(graph, IRGraphBox.self, "graph").scanned()
}

/// A boolean argument given as an int: 0 or 1.
private func flag(_ value: Int32, _ name: String) throws -> Bool {
    guard value == 0 || value == 1 else { throw CelestaError(.invalidArgument, "argument '\(name)' is \(value); use 0 or 1") }
    return value == 1
}

/// The graph's statistics (TALON's `analyze_graph`) as JSON with TALON's `GraphStats` field
/// names (`layers` as `LayerStats` objects; tuples as lists; `depth`/`width` null for a cyclic
/// graph), by the size-query idiom (`*len`: bytes with the NUL).
///
/// Flags: CELESTA_IR_TALON_COMPATIBLE (Conv1d, IF, BatchNorm, PReLU and LayerNorm count no
/// parameters, as in TALON), CELESTA_IR_WITHOUT_LAYERS (`layers` left out: the totals only).
/// Thread safety: any thread. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT
/// (flags), CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_analyze_json")
public func celesta_ir_analyze_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?, _ flags: Int32
) -> Int32 {
    guarded {
        try checkFlags(flags, allowed: 1 | 8)
        let (g, scan) = try scannedGraph(graph)
        try copyOut(bytes: AnalysisJSON.statsBytes(g, scan: scan, mode: irMode(flags & 1), layers: flags & 8 == 0), to: buf, capacity: cap, len: len)
    }
}

/// TALON's `summarize(graph, verbose)` text (size-query idiom). `verbose` is 0 or 1 (1 adds the
/// per-layer breakdown). Flags: CELESTA_IR_TALON_COMPATIBLE.
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_summarize")
public func celesta_ir_summarize(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?,
    _ verbose: Int32, _ flags: Int32
) -> Int32 {
    guarded {
        try checkFlags(flags, allowed: 1)
        let v = try flag(verbose, "verbose")
        let (g, scan) = try scannedGraph(graph)
        let stats = GraphAnalysis.analyze(g, scan: scan, mode: irMode(flags), layers: v)
        try copyOut(GraphAnalysis.summarize(stats, verbose: v), to: buf, capacity: cap, len: len)
    }
}

/// The graph's hardware profile (TALON's `profile_graph`) as JSON with the field names of
/// TALON's `HardwareProfile` (size-query idiom). Cyclic graphs are profiled (without depth).
///
/// Flags: CELESTA_IR_TALON_COMPATIBLE (TALON's parameter counts, and a cyclic graph fails with
/// CELESTA_ERR_UNSUPPORTED and TALON's TypeError message, as TALON does).
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT, CELESTA_ERR_UNSUPPORTED,
/// CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_profile_json")
public func celesta_ir_profile_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?, _ flags: Int32
) -> Int32 {
    guarded {
        try checkFlags(flags, allowed: 1)
        let (g, scan) = try scannedGraph(graph)
        try copyOut(bytes: AnalysisJSON.profileBytes(try HardwareProfiling.profile(g, scan: scan, mode: irMode(flags))), to: buf, capacity: cap, len: len)
    }
}

/// TALON's `format_profile` text of a profile given as the JSON of celesta_ir_profile_json()
/// (`profile_json_len` bytes, no NUL needed), by the size-query idiom.
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (naming the field), CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_format_profile")
public func celesta_ir_format_profile(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ profile_json: UnsafePointer<CChar>?, _ profile_json_len: UInt
) -> Int32 {
    guarded {
        let p = try AnalysisJSON.profile(from: try borrowedText(profile_json, profile_json_len, "profile_json"))
        try copyOut(HardwareProfiling.format(p), to: buf, capacity: cap, len: len)
    }
}

/// Lints the graph (TALON's `lint_graph`, every rule with its code and severity) and writes
/// the result as JSON `{"total_issues", "errors", "warnings", "infos", "is_valid", "issues":
/// [{"severity", "code", "message", "node", "suggestion"}]}` (size-query idiom). `strict` (0 or
/// 1) turns warnings into errors. Flags: CELESTA_IR_TALON_COMPATIBLE (Skip aliases unchecked,
/// TALON's parameter counts). Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT,
/// CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_lint_json")
public func celesta_ir_lint_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?,
    _ strict: Int32, _ flags: Int32
) -> Int32 {
    guarded {
        try checkFlags(flags, allowed: 1)
        let s = try flag(strict, "strict")
        let (g, scan) = try scannedGraph(graph)
        try copyOut(bytes: AnalysisJSON.lintBytes(GraphLint.lint(g, scan: scan, strict: s, mode: irMode(flags))), to: buf, capacity: cap, len: len)
    }
}

/// TALON's fingerprint of the graph: 64 hex digits of SHA-256 (size-query idiom; 65 bytes).
/// `include_weights` and `include_metadata` are 0 or 1 (TALON's defaults: 1 and 0).
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_fingerprint")
public func celesta_ir_fingerprint(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?,
    _ include_weights: Int32, _ include_metadata: Int32
) -> Int32 {
    guarded {
        let w = try flag(include_weights, "include_weights"), m = try flag(include_metadata, "include_metadata")
        let g = try graphOf(graph)
        try copyOut(Fingerprint.fingerprint(g, includeWeights: w, includeMetadata: m), to: buf, capacity: cap, len: len)
    }
}

/// The inference energy estimate of TALON's `estimate_energy` as JSON with the field names of
/// TALON's `EnergyEstimate` (size-query idiom). `energy_table_json` (`energy_table_len` bytes;
/// NULL with length 0 for the defaults) is an object of pJ costs overriding TALON's
/// `ENERGY_TABLE` per key (`mac_pj`, `spike_pj`, `sram_read_pj`, `sram_write_pj`).
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT (spike_rate not finite,
/// timesteps < 0, an unknown key), CELESTA_ERR_PARSE, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_energy_json")
public func celesta_ir_energy_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?,
    _ spike_rate: Double, _ timesteps: Int64, _ energy_table_json: UnsafePointer<CChar>?, _ energy_table_len: UInt
) -> Int32 {
    guarded {
        guard timesteps >= 0, timesteps <= Int64(Int32.max) else {
            throw CelestaError(.invalidArgument, "argument 'timesteps' is \(timesteps); it must be in 0...\(Int32.max)")
        }
        let text = try borrowedText(energy_table_json, energy_table_len, "energy_table_json")
        var table = EnergyTable.talonDefault
        if !text.isEmpty { table = try energyTable(text) }
        let g = try graphOf(graph)
        let e = try EnergyModel.estimate(g, spikeRate: spike_rate, timesteps: Int(timesteps), table: table)
        try copyOut(AnalysisJSON.energy(e), to: buf, capacity: cap, len: len)
    }
}

/// TALON's default `ENERGY_TABLE` as JSON (size-query idiom).
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_energy_table_json")
public func celesta_ir_energy_table_json(_ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?) -> Int32 {
    guarded { try copyOut(AnalysisJSON.energyTable(.talonDefault), to: buf, capacity: cap, len: len) }
}

private func energyTable(_ text: [UInt8]) throws -> EnergyTable {
    let pairs = try AnalysisJSON.numberObject(text, name: "energy_table_json")
    return try EnergyTable.overriding(pairs)
}

/// A new graph with the weights quantized (TALON's `quantize_weights(graph, bits, per_channel)`):
/// `bits` in 2...32, `per_channel` 0 or 1. By default the integers are stored (int8 up to 8
/// bits) with their float32 scales in each node's `hardware_hints` (`<array>_scale`), and the
/// graph keeps `allow_cycles` and its settings; with CELESTA_IR_TALON_COMPATIBLE the arrays
/// hold TALON's dequantized float32 values and the graph is made as TALON makes it.
///
/// Ownership: `*out` receives a new graph. Errors: CELESTA_ERR_NULL_POINTER,
/// CELESTA_ERR_INVALID_ARGUMENT.
@_cdecl("celesta_ir_quantize_weights")
public func celesta_ir_quantize_weights(
    _ out: UnsafeMutablePointer<celesta_ir_graph_ref?>?, _ graph: celesta_ir_graph_cref?, _ bits: Int32, _ per_channel: Int32, _ flags: Int32
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        try checkFlags(flags, allowed: 1)
        let pc = try flag(per_channel, "per_channel")
        let g = try graphOf(graph)
        out.pointee = makeHandle(IRGraphBox(try GraphTransforms.quantizeWeights(g, bits: Int(bits), perChannel: pc, mode: irMode(flags))))
    }
}

/// A new graph whose Affine nodes are SpikingAffine (TALON's `convert_to_spiking`), with the
/// given `weight_bits` (1...32), `accumulator_bits` (>= weight_bits, <= 64) and `spike_mode`
/// ("binary", "graded" or "rate"). Flags: CELESTA_IR_TALON_COMPATIBLE (the new graph drops
/// `allow_cycles` and the settings, as TALON's does).
///
/// Ownership: `*out` receives a new graph. Errors: CELESTA_ERR_NULL_POINTER,
/// CELESTA_ERR_INVALID_ARGUMENT (naming the node and the value).
@_cdecl("celesta_ir_convert_to_spiking")
public func celesta_ir_convert_to_spiking(
    _ out: UnsafeMutablePointer<celesta_ir_graph_ref?>?, _ graph: celesta_ir_graph_cref?, _ weight_bits: Int32, _ accumulator_bits: Int32,
    _ spike_mode: UnsafePointer<CChar>?, _ flags: Int32
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        try checkFlags(flags, allowed: 1)
        let mode = try requiredString(spike_mode, "spike_mode")
        let g = try graphOf(graph)
        out.pointee = makeHandle(IRGraphBox(try GraphTransforms.convertToSpiking(
            g, weightBits: Int(weight_bits), accumulatorBits: Int(accumulator_bits), spikeMode: mode, mode: irMode(flags))))
    }
}

/// A new graph holding `n_graphs` graphs side by side (TALON's `merge_graphs`): node names
/// prefixed `g<i>_` when `prefix` is 1. Flags: CELESTA_IR_TALON_COMPATIBLE (never allows cycles).
///
/// Ownership: `*out` receives a new graph; the inputs are read only. Errors:
/// CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT ("Node name collision: x").
@_cdecl("celesta_ir_merge")
public func celesta_ir_merge(
    _ out: UnsafeMutablePointer<celesta_ir_graph_ref?>?, _ graphs: UnsafePointer<celesta_ir_graph_cref?>?, _ n_graphs: UInt,
    _ prefix: Int32, _ flags: Int32
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        try checkFlags(flags, allowed: 1)
        let p = try flag(prefix, "prefix")
        guard n_graphs <= 1 << 20 else { throw CelestaError(.outOfRange, "argument 'n_graphs' is \(n_graphs), too large") }
        if n_graphs > 0, graphs == nil { throw CelestaError(.nullPointer, "argument 'graphs' is NULL but n_graphs is \(n_graphs)") }
        var list: [IRGraph] = []
        for i in 0..<Int(n_graphs) {
            guard let h = graphs![i] else { throw CelestaError(.nullPointer, "argument 'graphs[\(i)]' is NULL") }
            list.append(try graphOf(h))
        }
        out.pointee = makeHandle(IRGraphBox(try GraphTransforms.merge(list, prefix: p, mode: irMode(flags))))
    }
}

/// A new graph without the nodes that lie on no Input-to-Output path (and their edges); its
/// metadata lists them as `pruned_nodes`. Ownership: `*out` receives a new graph.
/// Errors: CELESTA_ERR_NULL_POINTER.
@_cdecl("celesta_ir_prune_disconnected")
public func celesta_ir_prune_disconnected(_ out: UnsafeMutablePointer<celesta_ir_graph_ref?>?, _ graph: celesta_ir_graph_cref?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let g = try graphOf(graph)
        out.pointee = makeHandle(IRGraphBox(try GraphTransforms.pruneDisconnected(g)))
    }
}

/// TALON's `format_bytes(n)` ("1.5 KB") or, with `number` 1, `format_number(n)` ("12,345",
/// "1.23M"), by the size-query idiom. Errors: CELESTA_ERR_NULL_POINTER,
/// CELESTA_ERR_INVALID_ARGUMENT, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_format_quantity")
public func celesta_ir_format_quantity(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ value: Int64, _ number: Int32
) -> Int32 {
    guarded {
        let n = try flag(number, "number")
        try copyOut(n ? GraphAnalysis.formatNumber(Int(value)) : GraphAnalysis.formatBytes(Int(value)), to: buf, capacity: cap, len: len)
    }
}
