// Exported C functions: the Xylo mapper, specifications and the quantizers.

import CelestaABI
import CelestaIR
import CelestaXylo
import FoundationEssentials

/// `celesta_xylo_spec_t *`.
public typealias celesta_xylo_spec_ref = OpaquePointer
/// `const celesta_xylo_spec_t *`.
public typealias celesta_xylo_spec_cref = OpaquePointer

/// The object behind a `celesta_xylo_spec_t *`: a real-valued specification and, when it came from
/// the mapper, the mapper's warnings.
final class SpecBox {
    let spec: XyloSpecification
    let warnings: [String]
    init(_ spec: XyloSpecification, warnings: [String] = []) {
        self.spec = spec
        self.warnings = warnings
    }
}

/// Runs the quantizer numbered `method` (0 global, 1 global with fuzzy scaling, 2 channel).
func quantize(_ spec: XyloSpecification, _ method: Int32, _ weightBits: Int32, _ thresholdBits: Int32) throws
    -> QuantizedSpecification
{
    try XyloQuantizeMethod(code: Int(method)).quantize(spec, weightBits: Int(weightBits), thresholdBits: Int(thresholdBits))
}

/// The quantizer's integer arrays with Rockpool's keys and shapes (3-D input and recurrent
/// weights), for celesta_xylo_spec_quantize_json().
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

/// Maps `net` onto the Xylo chip `chip` (id, name or alias) with the chip's full neuron
/// budget: Rockpool's `mapper(graph, weight_dtype='float', ...)`. The result is a real-valued
/// specification (dashes are unrounded log2(tau / dt)); its design-rule warnings are read with
/// celesta_xylo_spec_warnings(). `rockpool_compatible` non-zero reproduces Rockpool's Xylo Audio 3
/// two-synapse dash bug (see XyloMapper); 0 maps two-synapse dashes correctly.
///
/// On success `*out` receives a new handle to release with celesta_xylo_spec_free(); on error it is
/// left untouched. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_NOT_FOUND (unknown chip),
/// CELESTA_ERR_UNSUPPORTED or CELESTA_ERR_INVALID_ARGUMENT (a broken design rule; the message
/// names the rule, node and value), CELESTA_ERR_OUT_OF_RANGE (e.g. a time constant <= dt),
/// CELESTA_ERR_LIMIT_EXCEEDED (too many neurons). Thread safety: any thread; `net` may be
/// mapped from several threads at once.
@_cdecl("celesta_xylo_map")
public func celesta_xylo_map(
    _ out: UnsafeMutablePointer<celesta_xylo_spec_ref?>?,
    _ net: celesta_xylo_network_cref?, _ chip: UnsafePointer<CChar>?, _ rockpool_compatible: Int32
) -> Int32 {
    celesta_xylo_map_limits(out, net, chip, 0, 0, rockpool_compatible)
}

/// celesta_xylo_map() with neuron budgets: `max_hidden_neurons` and `max_output_neurons` (the
/// mapper's arguments of the same names) must lie in 1..the chip's limit; 0 means the chip's
/// limit. A value outside gives CELESTA_ERR_OUT_OF_RANGE naming the argument.
///
/// On success `*out` receives a new handle to release with celesta_xylo_spec_free(); on error it is
/// left untouched. Errors: as celesta_xylo_map(). Thread safety: any thread.
@_cdecl("celesta_xylo_map_limits")
public func celesta_xylo_map_limits(
    _ out: UnsafeMutablePointer<celesta_xylo_spec_ref?>?,
    _ net: celesta_xylo_network_cref?, _ chip: UnsafePointer<CChar>?, _ max_hidden_neurons: Int32,
    _ max_output_neurons: Int32, _ rockpool_compatible: Int32
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
        out.pointee = makeHandle(SpecBox(mapping.spec, warnings: box.warnings + mapping.warnings))
    }
}

/// Releases a specification. NULL is ignored. Configurations quantized from it stay valid.
@_cdecl("celesta_xylo_spec_free")
public func celesta_xylo_spec_free(_ spec: celesta_xylo_spec_ref?) {
    releaseHandle(spec, SpecBox.self)
}

/// Writes `spec` as JSON text (with its NUL) into `buf`: Rockpool's keys (`weights_in` as
/// [n_in][n_ien][n_syn], `weights_rec` [n_hidden][n_hidden][n_syn], `weights_out`
/// [n_oen][n_out], `dash_*`, `threshold*`, `bias*`, `weight_shift_*`, `aliases`, `dt`) plus
/// `chip` and the dimensions `n_in`, `n_hidden`, `n_out`, `n_syn`, `n_ien`, `n_oen`. Numbers
/// are written so that they read back to the same doubles.
///
/// Size query (see the top of this header): `*len` receives the bytes needed, NUL included.
/// Thread safety: any
/// thread.
@_cdecl("celesta_xylo_spec_to_json")
public func celesta_xylo_spec_to_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ spec: celesta_xylo_spec_cref?
) -> Int32 {
    guarded {
        let s = try object(spec, SpecBox.self, "spec").spec
        let text = String(decoding: try s.jsonData(), as: UTF8.self)
        try copyOut(text, to: buf, capacity: cap, len: len)
    }
}

/// Parses a real-valued specification from `len` bytes of JSON text at `json` (the format of
/// celesta_xylo_spec_to_json(); `chip`, `n_hidden`, `n_syn`, `weight_shift_*`, `aliases` and `dt`
/// may be absent; a specification without `chip` can be quantized to JSON but not to a
/// configuration). It has no warnings.
///
/// On success `*out` receives a new handle to release with celesta_xylo_spec_free(); on error it is
/// left untouched. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (naming the key),
/// CELESTA_ERR_SHAPE_MISMATCH, CELESTA_ERR_OUT_OF_RANGE (naming the field and index).
/// Thread safety: any thread.
@_cdecl("celesta_xylo_spec_from_json")
public func celesta_xylo_spec_from_json(
    _ out: UnsafeMutablePointer<celesta_xylo_spec_ref?>?, _ json: UnsafePointer<CChar>?, _ len: UInt
) -> Int32 {
    guarded {
        let data = try borrowedData(json, len, "json")
        let out = try required(out, "out")
        let spec = try XyloSpecification.fromJSON(data, name: "json")
        out.pointee = makeHandle(SpecBox(spec))
    }
}

/// Writes the mapper's design-rule warnings of `spec`, one per line (newline-separated, no
/// trailing newline; "" when there are none), into `buf`.
///
/// Size query (see the top of this header): `*len` receives the bytes needed, NUL included.
/// Thread safety: any thread.
@_cdecl("celesta_xylo_spec_warnings")
public func celesta_xylo_spec_warnings(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ spec: celesta_xylo_spec_cref?
) -> Int32 {
    guarded {
        let box = try object(spec, SpecBox.self, "spec")
        try copyOut(box.warnings.joined(separator: "\n"), to: buf, capacity: cap, len: len)
    }
}

/// Writes to `*ndim` the number of dimensions Rockpool's mapper gives `weights_in` and
/// `weights_rec` for this specification: 2 on Xylo Audio 2 and Xylo v1 when every hidden
/// neuron uses one synapse (the arrays are then [n_in][n_ien] and [n_hidden][n_hidden]), else
/// 3. Only the presentation differs: celesta_xylo_spec_to_json() always writes three dimensions. A
/// specification read by celesta_xylo_spec_from_json() reports 3.
///
/// Errors: CELESTA_ERR_NULL_POINTER (`*ndim` untouched). Thread safety: any thread.
@_cdecl("celesta_xylo_spec_weights_ndim")
public func celesta_xylo_spec_weights_ndim(_ ndim: UnsafeMutablePointer<Int32>?, _ spec: celesta_xylo_spec_cref?) -> Int32 {
    guarded {
        let s = try object(spec, SpecBox.self, "spec").spec
        let out = try required(ndim, "ndim")
        out.pointee = s.presentsTwoDimensionalWeights ? 2 : 3
    }
}

/// Quantizes `spec` with Rockpool's quantizers (`method`: CELESTA_XYLO_QUANTIZE_GLOBAL (0),
/// CELESTA_XYLO_QUANTIZE_GLOBAL_FUZZY (1, global with fuzzy scaling) or CELESTA_XYLO_QUANTIZE_CHANNEL
/// (2)), with `weight_bits` and `threshold_bits` (each 2..32; Rockpool's defaults are 8 and
/// 16), and builds the simulated configuration for the chip named by the specification.
///
/// On success `*out` receives a new configuration handle to release with
/// celesta_xylo_config_free(); on error it is left untouched. Errors: CELESTA_ERR_NULL_POINTER,
/// CELESTA_ERR_INVALID_ARGUMENT (unknown method; fuzzy scaling without non-zero weights),
/// CELESTA_ERR_NOT_FOUND (the specification names no known chip), CELESTA_ERR_OUT_OF_RANGE
/// (bit widths, or quantized values that do not fit the simulator's fields, e.g. fuzzy-scaled
/// weights outside int8, naming the field, index and value). Thread safety: any thread.
@_cdecl("celesta_xylo_spec_quantize")
public func celesta_xylo_spec_quantize(
    _ out: UnsafeMutablePointer<celesta_xylo_config_ref?>?,
    _ spec: celesta_xylo_spec_cref?, _ method: Int32, _ weight_bits: Int32, _ threshold_bits: Int32
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

/// Quantizes `spec` as celesta_xylo_spec_quantize() does and writes the integer arrays as JSON
/// text (with its NUL) into `buf`: what Rockpool's quantizer returns, with the keys
/// `weights_in` [n_in][n_ien][n_syn], `weights_rec` [n_hidden][n_hidden][n_syn],
/// `weights_out` [n_oen][n_out], `threshold`, `threshold_out`, `dash_mem`, `dash_mem_out`,
/// `dash_syn`, `dash_syn_2`, `dash_syn_out`, `bias`, `bias_out`. Values are not clipped and
/// need not fit the chip (they fit in 64 bits).
///
/// Size query (see the top of this header): `*len` receives the bytes needed, NUL included.
/// Errors: as
/// celesta_xylo_spec_quantize() except the chip and simulator checks. Thread safety: any thread.
@_cdecl("celesta_xylo_spec_quantize_json")
public func celesta_xylo_spec_quantize_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?,
    _ spec: celesta_xylo_spec_cref?, _ method: Int32, _ weight_bits: Int32, _ threshold_bits: Int32
) -> Int32 {
    guarded {
        let s = try object(spec, SpecBox.self, "spec").spec
        let q = try quantize(s, method, weight_bits, threshold_bits)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(QuantizedArraysJSON(q)), as: UTF8.self)
        try copyOut(text, to: buf, capacity: cap, len: len)
    }
}
