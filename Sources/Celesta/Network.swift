// Exported C functions: network graphs, the Xylo mapper and the quantizers.

import CelestaABI
import CelestaIR
import CelestaXylo
import FoundationEssentials

/// `celesta_network_t *` as the shim spells it (see scripts/gen_header.py).
public typealias celesta_network_ref = OpaquePointer
/// `const celesta_network_t *`.
public typealias celesta_network_cref = OpaquePointer
/// `celesta_spec_t *`.
public typealias celesta_spec_ref = OpaquePointer
/// `const celesta_spec_t *`.
public typealias celesta_spec_cref = OpaquePointer

/// The object behind a `celesta_network_t *`: a graph, read from JSON or built node by node
/// with the celesta_network_add_* calls (GraphBuilder.swift).
final class NetworkBox {
    var graph: NetworkGraph
    init(_ module: Module) throws {
        self.graph = try module.asGraph()
    }
    init(graph: NetworkGraph) {
        self.graph = graph
    }
}

/// The object behind a `celesta_spec_t *`: a real-valued specification and, when it came from
/// the mapper, the mapper's warnings.
final class SpecBox {
    let spec: XyloSpecification
    let warnings: [String]
    init(_ spec: XyloSpecification, warnings: [String] = []) {
        self.spec = spec
        self.warnings = warnings
    }
}

/// Borrows `len` bytes at `json` as `Data` (NULL is an error naming `name`).
private func borrowedData(_ json: UnsafePointer<CChar>?, _ len: UInt, _ name: String) throws -> Data {
    let p = try required(json, name)
    guard len <= UInt(Int.max) else {
        throw CelestaError(.outOfRange, "argument 'len' is \(len), too large")
    }
    return Data(UnsafeRawBufferPointer(start: p, count: Int(len)))
}

/// Runs the quantizer numbered `method` (0 global, 1 global with fuzzy scaling, 2 channel).
func quantize(_ spec: XyloSpecification, _ method: Int32, _ weightBits: Int32, _ thresholdBits: Int32) throws
    -> QuantizedSpecification
{
    switch method {
    case 0:
        return try XyloQuantizer.global(spec, fuzzyScaling: false, weightBits: Int(weightBits), thresholdBits: Int(thresholdBits))
    case 1:
        return try XyloQuantizer.global(spec, fuzzyScaling: true, weightBits: Int(weightBits), thresholdBits: Int(thresholdBits))
    case 2:
        return try XyloQuantizer.channel(spec, weightBits: Int(weightBits), thresholdBits: Int(thresholdBits))
    default:
        throw CelestaError(
            .invalidArgument,
            "argument 'method' is \(method); it must be 0 (global), 1 (global, fuzzy scaling) or 2 (channel)")
    }
}

/// The quantizer's integer arrays with Rockpool's keys and shapes (3-D input and recurrent
/// weights), for celesta_spec_quantize_json().
private struct QuantizedArraysJSON: Encodable {
    let weights_in: [[[Int]]]
    let weights_rec: [[[Int]]]
    let weights_out: [[Int]]
    let threshold: [Int]
    let threshold_out: [Int]
    let dash_mem: [Int]
    let dash_mem_out: [Int]
    let dash_syn: [Int]
    let dash_syn_2: [Int]
    let dash_syn_out: [Int]
    let bias: [Int]
    let bias_out: [Int]

    init(_ q: QuantizedSpecification) {
        func rows(_ v: [Int], _ width: Int, count: Int) -> [[Int]] {
            guard width > 0 else { return Array(repeating: [], count: count) }
            return stride(from: 0, to: v.count, by: width).map { Array(v[$0..<($0 + width)]) }
        }
        func cube(_ v: [Int], _ d1: Int, _ d2: Int, _ d3: Int) -> [[[Int]]] {
            rows(v, d2 * d3, count: d1).map { rows($0, d3, count: d2) }
        }
        weights_in = cube(q.weightsIn, q.nIn, q.nIEN, q.nSyn)
        weights_rec = cube(q.weightsRec, q.nHidden, q.nHidden, q.nSyn)
        weights_out = rows(q.weightsOut, q.nOut, count: q.nOEN)
        threshold = q.threshold
        threshold_out = q.thresholdOut
        dash_mem = q.dashMem
        dash_mem_out = q.dashMemOut
        dash_syn = q.dashSyn
        dash_syn_2 = q.dashSyn2
        dash_syn_out = q.dashSynOut
        bias = q.bias
        bias_out = q.biasOut
    }
}

/// Parses a float network from `len` bytes of JSON text at `json`: `{"layers": [...]}` (or a
/// bare list of layers) of `{"type": "Linear", "n_in", "n_out", "weight" [n_in][n_out]}`,
/// `{"type": "LIF", "n_in", "n_out", "tau_mem" [n_out], "tau_syn" [n_in], "threshold",
/// "bias", "dt", "has_rec", "w_rec" [n_out][n_in]}` and `{"type": "Residual", "layers": [...]}`,
/// applied in sequence. A LIF with `n_in == 2 * n_out` has two synapses per neuron.
///
/// On success `*out` receives a new handle to release with celesta_network_free(); on error
/// it is left untouched. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (naming the key),
/// CELESTA_ERR_SHAPE_MISMATCH and CELESTA_ERR_OUT_OF_RANGE (naming the layer and field),
/// CELESTA_ERR_INVALID_ARGUMENT (an empty layer list). Thread safety: any thread.
@_cdecl("celesta_network_from_json")
public func celesta_network_from_json(
    _ json: UnsafePointer<CChar>?, _ len: UInt, _ out: UnsafeMutablePointer<celesta_network_ref?>?
) -> Int32 {
    guarded {
        let data = try borrowedData(json, len, "json")
        let out = try required(out, "out")
        let box = try NetworkBox(try NetworkJSON.parse(data, name: "json"))
        out.pointee = makeHandle(box)
    }
}

/// Parses a float network as celesta_network_from_json() does, where any array of the JSON may
/// be `{"$array": k}`: the `k`-th of `count` binary arrays, `arrays[k]` holding `lens[k]`
/// doubles, row-major (the shape comes from the layer's sizes and is checked). Large weight
/// matrices then skip printing and parsing text. The arrays are copied during the call.
///
/// On success `*out` receives a new handle to release with celesta_network_free(); on error
/// it is left untouched. Errors: as celesta_network_from_json(), plus CELESTA_ERR_NULL_POINTER
/// (`arrays` or `lens` NULL with `count` > 0, or `arrays[k]` NULL with `lens[k]` > 0, naming
/// k) and CELESTA_ERR_OUT_OF_RANGE (a reference to an array past `count`; a non-finite value,
/// naming the layer, field and index). Thread safety: any thread.
@_cdecl("celesta_network_from_json_arrays")
public func celesta_network_from_json_arrays(
    _ json: UnsafePointer<CChar>?, _ len: UInt, _ arrays: UnsafePointer<UnsafePointer<Double>?>?, _ lens: UnsafePointer<UInt>?,
    _ count: UInt, _ out: UnsafeMutablePointer<celesta_network_ref?>?
) -> Int32 {
    guarded {
        let data = try borrowedData(json, len, "json")
        let out = try required(out, "out")
        var values: [[Double]] = []
        if count > 0 {
            let arrays = try required(arrays, "arrays"), lens = try required(lens, "lens")
            guard count <= UInt(Int32.max) else { throw CelestaError(.outOfRange, "'count' is \(count), too large") }
            for k in 0..<Int(count) { values.append(try borrowedDoubles(arrays[k], lens[k], "arrays[\(k)]") ?? []) }
        }
        let box = try NetworkBox(try NetworkJSON.parse(data, name: "json", arrays: values))
        out.pointee = makeHandle(box)
    }
}

/// Reads a float network JSON file (the format of celesta_network_from_json()).
///
/// On success `*out` receives a new handle to release with celesta_network_free(); on error
/// it is left untouched. Errors: as celesta_network_from_json(), plus CELESTA_ERR_IO (naming
/// the path). Thread safety: any thread.
@_cdecl("celesta_network_load")
public func celesta_network_load(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<celesta_network_ref?>?) -> Int32 {
    guarded {
        let file = try requiredString(path, "path")
        let out = try required(out, "out")
        let box = try NetworkBox(try NetworkJSON.load(file))
        out.pointee = makeHandle(box)
    }
}

/// Releases a network. NULL is ignored. Specifications mapped from it stay valid.
@_cdecl("celesta_network_free")
public func celesta_network_free(_ net: celesta_network_ref?) {
    releaseHandle(net, NetworkBox.self)
}

/// Maps `net` onto the Xylo chip `chip` (id, name or alias) with the chip's full neuron
/// budget: Rockpool's `mapper(graph, weight_dtype='float', ...)`. The result is a real-valued
/// specification (dashes are unrounded log2(tau / dt)); its design-rule warnings are read with
/// celesta_spec_warnings(). `rockpool_compatible` non-zero reproduces Rockpool's Xylo Audio 3
/// two-synapse dash bug (see XyloMapper); 0 maps two-synapse dashes correctly.
///
/// On success `*out` receives a new handle to release with celesta_spec_free(); on error it is
/// left untouched. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_NOT_FOUND (unknown chip),
/// CELESTA_ERR_UNSUPPORTED or CELESTA_ERR_INVALID_ARGUMENT (a broken design rule; the message
/// names the rule, node and value), CELESTA_ERR_OUT_OF_RANGE (e.g. a time constant <= dt),
/// CELESTA_ERR_LIMIT_EXCEEDED (too many neurons). Thread safety: any thread; `net` may be
/// mapped from several threads at once.
@_cdecl("celesta_xylo_map")
public func celesta_xylo_map(
    _ net: celesta_network_cref?, _ chip: UnsafePointer<CChar>?, _ rockpool_compatible: Int32,
    _ out: UnsafeMutablePointer<celesta_spec_ref?>?
) -> Int32 {
    celesta_xylo_map_limits(net, chip, 0, 0, rockpool_compatible, out)
}

/// celesta_xylo_map() with neuron budgets: `max_hidden_neurons` and `max_output_neurons` (the
/// mapper's arguments of the same names) must lie in 1..the chip's limit; 0 means the chip's
/// limit. A value outside gives CELESTA_ERR_OUT_OF_RANGE naming the argument.
///
/// On success `*out` receives a new handle to release with celesta_spec_free(); on error it is
/// left untouched. Errors: as celesta_xylo_map(). Thread safety: any thread.
@_cdecl("celesta_xylo_map_limits")
public func celesta_xylo_map_limits(
    _ net: celesta_network_cref?, _ chip: UnsafePointer<CChar>?, _ max_hidden_neurons: Int32,
    _ max_output_neurons: Int32, _ rockpool_compatible: Int32, _ out: UnsafeMutablePointer<celesta_spec_ref?>?
) -> Int32 {
    guarded {
        let box = try object(net, NetworkBox.self, "net")
        let chipSpec = try ChipTable.chip(named: try requiredString(chip, "chip"))
        let out = try required(out, "out")
        let mapping = try XyloMapper.map(
            box.graph, chip: chipSpec,
            maxHiddenNeurons: max_hidden_neurons == 0 ? nil : Int(max_hidden_neurons),
            maxOutputNeurons: max_output_neurons == 0 ? nil : Int(max_output_neurons),
            rockpoolCompatible: rockpool_compatible != 0)
        out.pointee = makeHandle(SpecBox(mapping.spec, warnings: mapping.warnings))
    }
}

/// Releases a specification. NULL is ignored. Configurations quantized from it stay valid.
@_cdecl("celesta_spec_free")
public func celesta_spec_free(_ spec: celesta_spec_ref?) {
    releaseHandle(spec, SpecBox.self)
}

/// Writes `spec` as JSON text (with its NUL) into `buffer`: Rockpool's keys (`weights_in` as
/// [n_in][n_ien][n_syn], `weights_rec` [n_hidden][n_hidden][n_syn], `weights_out`
/// [n_oen][n_out], `dash_*`, `threshold*`, `bias*`, `weight_shift_*`, `aliases`, `dt`) plus
/// `chip` and the dimensions `n_in`, `n_hidden`, `n_out`, `n_syn`, `n_ien`, `n_oen`. Numbers
/// are written so that they read back to the same doubles.
///
/// Size query as celesta_chip_ids(): `*needed` receives the size including the NUL; a buffer
/// that is too small is left untouched (CELESTA_ERR_BUFFER_TOO_SMALL). Thread safety: any
/// thread.
@_cdecl("celesta_spec_to_json")
public func celesta_spec_to_json(
    _ spec: celesta_spec_cref?, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: UInt,
    _ needed: UnsafeMutablePointer<UInt>?
) -> Int32 {
    guarded {
        let s = try object(spec, SpecBox.self, "spec").spec
        let text = String(decoding: try s.jsonData(), as: UTF8.self)
        try copyOut(text, to: buffer, capacity: capacity, needed: needed, field: "buffer")
    }
}

/// Parses a real-valued specification from `len` bytes of JSON text at `json` (the format of
/// celesta_spec_to_json(); `chip`, `n_hidden`, `n_syn`, `weight_shift_*`, `aliases` and `dt`
/// may be absent; a specification without `chip` can be quantized to JSON but not to a
/// configuration). It has no warnings.
///
/// On success `*out` receives a new handle to release with celesta_spec_free(); on error it is
/// left untouched. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (naming the key),
/// CELESTA_ERR_SHAPE_MISMATCH, CELESTA_ERR_OUT_OF_RANGE (naming the field and index).
/// Thread safety: any thread.
@_cdecl("celesta_spec_from_json")
public func celesta_spec_from_json(
    _ json: UnsafePointer<CChar>?, _ len: UInt, _ out: UnsafeMutablePointer<celesta_spec_ref?>?
) -> Int32 {
    guarded {
        let data = try borrowedData(json, len, "json")
        let out = try required(out, "out")
        let spec = try XyloSpecification.fromJSON(data, name: "json")
        out.pointee = makeHandle(SpecBox(spec))
    }
}

/// Writes the mapper's design-rule warnings of `spec`, one per line (newline-separated, no
/// trailing newline; "" when there are none), into `buffer`, following the size-query
/// convention of celesta_chip_ids(). Thread safety: any thread.
@_cdecl("celesta_spec_warnings")
public func celesta_spec_warnings(
    _ spec: celesta_spec_cref?, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: UInt,
    _ needed: UnsafeMutablePointer<UInt>?
) -> Int32 {
    guarded {
        let box = try object(spec, SpecBox.self, "spec")
        try copyOut(box.warnings.joined(separator: "\n"), to: buffer, capacity: capacity, needed: needed, field: "buffer")
    }
}

/// Writes to `*ndim` the number of dimensions Rockpool's mapper gives `weights_in` and
/// `weights_rec` for this specification: 2 on Xylo Audio 2 and Xylo v1 when every hidden
/// neuron uses one synapse (the arrays are then [n_in][n_ien] and [n_hidden][n_hidden]), else
/// 3. Only the presentation differs: celesta_spec_to_json() always writes three dimensions. A
/// specification read by celesta_spec_from_json() reports 3.
///
/// Errors: CELESTA_ERR_NULL_POINTER (`*ndim` untouched). Thread safety: any thread.
@_cdecl("celesta_spec_weights_ndim")
public func celesta_spec_weights_ndim(_ spec: celesta_spec_cref?, _ ndim: UnsafeMutablePointer<Int32>?) -> Int32 {
    guarded {
        let s = try object(spec, SpecBox.self, "spec").spec
        let out = try required(ndim, "ndim")
        out.pointee = s.presentsTwoDimensionalWeights ? 2 : 3
    }
}

/// Quantizes `spec` with Rockpool's quantizers (`method`: CELESTA_QUANTIZE_GLOBAL (0),
/// CELESTA_QUANTIZE_GLOBAL_FUZZY (1, global with fuzzy scaling) or CELESTA_QUANTIZE_CHANNEL
/// (2)), with `weight_bits` and `threshold_bits` (each 2..32; Rockpool's defaults are 8 and
/// 16), and builds the simulated configuration for the chip named by the specification.
///
/// On success `*out` receives a new configuration handle to release with
/// celesta_config_free(); on error it is left untouched. Errors: CELESTA_ERR_NULL_POINTER,
/// CELESTA_ERR_INVALID_ARGUMENT (unknown method; fuzzy scaling without non-zero weights),
/// CELESTA_ERR_NOT_FOUND (the specification names no known chip), CELESTA_ERR_OUT_OF_RANGE
/// (bit widths, or quantized values that do not fit the simulator's fields, e.g. fuzzy-scaled
/// weights outside int8, naming the field, index and value). Thread safety: any thread.
@_cdecl("celesta_spec_quantize")
public func celesta_spec_quantize(
    _ spec: celesta_spec_cref?, _ method: Int32, _ weight_bits: Int32, _ threshold_bits: Int32,
    _ out: UnsafeMutablePointer<celesta_config_ref?>?
) -> Int32 {
    guarded {
        let s = try object(spec, SpecBox.self, "spec").spec
        let out = try required(out, "out")
        let q = try quantize(s, method, weight_bits, threshold_bits)
        let chip = try ChipTable.chip(named: s.chipID)
        let config = try q.config()
        try config.checkSimulatable()
        out.pointee = makeHandle(ConfigBox(config, chip))
    }
}

/// Quantizes `spec` as celesta_spec_quantize() does and writes the integer arrays as JSON
/// text (with its NUL) into `buffer`: what Rockpool's quantizer returns, with the keys
/// `weights_in` [n_in][n_ien][n_syn], `weights_rec` [n_hidden][n_hidden][n_syn],
/// `weights_out` [n_oen][n_out], `threshold`, `threshold_out`, `dash_mem`, `dash_mem_out`,
/// `dash_syn`, `dash_syn_2`, `dash_syn_out`, `bias`, `bias_out`. Values are not clipped and
/// need not fit the chip (they fit in 64 bits).
///
/// Size query as celesta_chip_ids(): `*needed` receives the size including the NUL; a buffer
/// that is too small is left untouched (CELESTA_ERR_BUFFER_TOO_SMALL). Errors: as
/// celesta_spec_quantize() except the chip and simulator checks. Thread safety: any thread.
@_cdecl("celesta_spec_quantize_json")
public func celesta_spec_quantize_json(
    _ spec: celesta_spec_cref?, _ method: Int32, _ weight_bits: Int32, _ threshold_bits: Int32,
    _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: UInt, _ needed: UnsafeMutablePointer<UInt>?
) -> Int32 {
    guarded {
        let s = try object(spec, SpecBox.self, "spec").spec
        let q = try quantize(s, method, weight_bits, threshold_bits)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(QuantizedArraysJSON(q)), as: UTF8.self)
        try copyOut(text, to: buffer, capacity: capacity, needed: needed, field: "buffer")
    }
}
