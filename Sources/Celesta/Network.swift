// Exported C functions: float networks from JSON text or files.

import CelestaABI
import CelestaIR
import CelestaXylo
import FoundationEssentials

/// `celesta_xylo_network_t *` as the shim spells it (see scripts/gen_header.py).
public typealias celesta_xylo_network_ref = OpaquePointer
/// `const celesta_xylo_network_t *`.
public typealias celesta_xylo_network_cref = OpaquePointer

/// The object behind a `celesta_xylo_network_t *`: a graph, read from JSON or built node by node
/// with the celesta_xylo_network_add_* calls (GraphBuilder.swift).
final class NetworkBox {
    var graph: NetworkGraph
    /// What lowering an IR graph reported (celesta_xylo_network_from_ir()); the mapper adds
    /// them to its own warnings.
    var warnings: [String] = []
    init(_ module: Module) throws {
        self.graph = try module.asGraph()
    }
    init(graph: NetworkGraph) {
        self.graph = graph
    }
}

/// Borrows `len` bytes at `json` as `Data` (NULL is an error naming `name`).
func borrowedData(_ json: UnsafePointer<CChar>?, _ len: UInt, _ name: String) throws -> Data {
    let p = try required(json, name)
    guard len <= UInt(Int.max) else {
        throw CelestaError(.outOfRange, "argument 'len' is \(len), too large")
    }
    return Data(UnsafeRawBufferPointer(start: p, count: Int(len)))
}

/// Parses a float network from `len` bytes of JSON text at `json`: `{"layers": [...]}` (or a
/// bare list of layers) of `{"type": "Linear", "n_in", "n_out", "weight" [n_in][n_out]}`,
/// `{"type": "LIF", "n_in", "n_out", "tau_mem" [n_out], "tau_syn" [n_in], "threshold",
/// "bias", "dt", "has_rec", "w_rec" [n_out][n_in]}` and `{"type": "Residual", "layers": [...]}`,
/// applied in sequence. A LIF with `n_in == 2 * n_out` has two synapses per neuron.
///
/// On success `*out` receives a new handle to release with celesta_xylo_network_free(); on error
/// it is left untouched. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (naming the key),
/// CELESTA_ERR_SHAPE_MISMATCH and CELESTA_ERR_OUT_OF_RANGE (naming the layer and field),
/// CELESTA_ERR_INVALID_ARGUMENT (an empty layer list). Thread safety: any thread.
@_cdecl("celesta_xylo_network_from_json")
public func celesta_xylo_network_from_json(
    _ out: UnsafeMutablePointer<celesta_xylo_network_ref?>?, _ json: UnsafePointer<CChar>?, _ len: UInt
) -> Int32 {
    guarded {
        let data = try borrowedData(json, len, "json")
        let out = try required(out, "out")
        let box = try NetworkBox(try NetworkJSON.parse(data, name: "json"))
        out.pointee = makeHandle(box)
    }
}

/// Parses a float network as celesta_xylo_network_from_json() does, where any array of the JSON may
/// be `{"$array": k}`: the `k`-th of `count` binary arrays, `arrays[k]` holding `lens[k]`
/// doubles, row-major (the shape comes from the layer's sizes and is checked). Large weight
/// matrices then skip printing and parsing text. The arrays are copied during the call.
///
/// On success `*out` receives a new handle to release with celesta_xylo_network_free(); on error
/// it is left untouched. Errors: as celesta_xylo_network_from_json(), plus CELESTA_ERR_NULL_POINTER
/// (`arrays` or `lens` NULL with `count` > 0, or `arrays[k]` NULL with `lens[k]` > 0, naming
/// k) and CELESTA_ERR_OUT_OF_RANGE (a reference to an array past `count`; a non-finite value,
/// naming the layer, field and index). Thread safety: any thread.
@_cdecl("celesta_xylo_network_from_json_arrays")
public func celesta_xylo_network_from_json_arrays(
    _ out: UnsafeMutablePointer<celesta_xylo_network_ref?>?, _ json: UnsafePointer<CChar>?, _ len: UInt,
    _ arrays: UnsafePointer<UnsafePointer<Double>?>?, _ lens: UnsafePointer<UInt>?, _ count: UInt
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

/// Reads a float network JSON file (the format of celesta_xylo_network_from_json()).
///
/// On success `*out` receives a new handle to release with celesta_xylo_network_free(); on error
/// it is left untouched. Errors: as celesta_xylo_network_from_json(), plus CELESTA_ERR_IO (naming
/// the path). Thread safety: any thread.
@_cdecl("celesta_xylo_network_load")
public func celesta_xylo_network_load(_ out: UnsafeMutablePointer<celesta_xylo_network_ref?>?, _ path: UnsafePointer<CChar>?) -> Int32 {
    guarded {
        let file = try requiredString(path, "path")
        let out = try required(out, "out")
        let box = try NetworkBox(try NetworkJSON.load(file))
        out.pointee = makeHandle(box)
    }
}

/// Releases a network. NULL is ignored. Specifications mapped from it stay valid.
@_cdecl("celesta_xylo_network_free")
public func celesta_xylo_network_free(_ net: celesta_xylo_network_ref?) {
    releaseHandle(net, NetworkBox.self)
}
