// Exported C functions: building a network graph node by node.

import CelestaIR
import CelestaXylo

/// Borrows a C array of doubles (NULL with a non-zero length is an error naming `name`).
func borrowedDoubles(_ pointer: UnsafePointer<Double>?, _ count: UInt, _ name: String) throws -> [Double]? {
    guard let pointer else {
        if count == 0 { return nil }
        throw CelestaError(.nullPointer, "argument '\(name)' is NULL but its length is \(count)")
    }
    guard count <= UInt(Int32.max) else { throw CelestaError(.outOfRange, "the length of '\(name)' is \(count), too large") }
    return Array(UnsafeBufferPointer(start: pointer, count: Int(count)))
}

/// Adds a node and writes its id to `*node_id`.
private func addNode(
    _ net: celesta_xylo_network_ref?, _ name: UnsafePointer<CChar>?, _ nodeID: UnsafeMutablePointer<Int32>?,
    _ kind: () throws -> NodeKind
) -> Int32 {
    guarded {
        let box = try object(net, NetworkBox.self, "net")
        let label = try requiredString(name, "name")
        let out = try required(nodeID, "node_id")
        let id = try box.graph.add(try kind(), name: label)
        out.pointee = Int32(id.index)
    }
}

/// Looks up a node id of the graph, naming the argument when it is out of range.
private func nodeID(_ box: NetworkBox, _ value: Int32, _ name: String) throws -> NodeID {
    guard value >= 0, Int(value) < box.graph.nodes.count else {
        throw CelestaError(.notFound, "argument '\(name)' is \(value); the graph has nodes 0..\(box.graph.nodes.count - 1)")
    }
    return NodeID(index: Int(value))
}

/// Creates an empty network graph, to be filled with celesta_xylo_network_add_input(),
/// celesta_xylo_network_add_linear(), celesta_xylo_network_add_lif(), celesta_xylo_network_add_output(),
/// celesta_xylo_network_connect() and celesta_xylo_network_alias(), then mapped with celesta_xylo_map().
///
/// Ownership: `*out` receives a handle to release with celesta_xylo_network_free(). Thread safety:
/// build a graph from one thread; once built it may be mapped from several threads.
@_cdecl("celesta_xylo_network_create")
public func celesta_xylo_network_create(_ out: UnsafeMutablePointer<celesta_xylo_network_ref?>?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        out.pointee = makeHandle(NetworkBox(graph: NetworkGraph()))
    }
}

/// Adds a network input of `size` channels; `*node_id` receives its id.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_OUT_OF_RANGE (size), CELESTA_ERR_INVALID_ARGUMENT
/// (a name already used). Thread safety: not with other calls on the same graph.
@_cdecl("celesta_xylo_network_add_input")
public func celesta_xylo_network_add_input(
    _ node_id: UnsafeMutablePointer<Int32>?,
    _ net: celesta_xylo_network_ref?, _ name: UnsafePointer<CChar>?, _ size: Int32
) -> Int32 {
    addNode(net, name, node_id) { .input(size: Int(size)) }
}

/// Adds a network output of `size` channels; `*node_id` receives its id.
///
/// Errors: as celesta_xylo_network_add_input().
@_cdecl("celesta_xylo_network_add_output")
public func celesta_xylo_network_add_output(
    _ node_id: UnsafeMutablePointer<Int32>?,
    _ net: celesta_xylo_network_ref?, _ name: UnsafePointer<CChar>?, _ size: Int32
) -> Int32 {
    addNode(net, name, node_id) { .output(size: Int(size)) }
}

/// Adds a weight block without bias: `weight` holds `n_in * n_out` values, row-major
/// [n_in][n_out] (copied). `*node_id` receives its id.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_SHAPE_MISMATCH (length), CELESTA_ERR_OUT_OF_RANGE
/// (a non-finite weight, naming the index). Thread safety: not with other calls on the graph.
@_cdecl("celesta_xylo_network_add_linear")
public func celesta_xylo_network_add_linear(
    _ node_id: UnsafeMutablePointer<Int32>?,
    _ net: celesta_xylo_network_ref?, _ name: UnsafePointer<CChar>?, _ weight: UnsafePointer<Double>?, _ weight_len: UInt,
    _ n_in: Int32, _ n_out: Int32
) -> Int32 {
    addNode(net, name, node_id) {
        let w = try borrowedDoubles(weight, weight_len, "weight") ?? []
        return .linear(try LinearWeights(weight: w, nIn: Int(n_in), nOut: Int(n_out)))
    }
}

/// Adds a population of `n_out` LIF neurons with `n_in` inputs (`n_in == 2 * n_out`: two
/// synapses per neuron, inputs interleaved). Arrays (copied): `tau_mem`, `threshold`, `bias`
/// [n_out] (seconds; bias may be NULL for zeros), `tau_syn` [n_in], `w_rec` [n_out][n_in] or
/// NULL for no recurrence; `dt` in seconds, or 0 to take the network's common dt.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_SHAPE_MISMATCH (a length, naming the field),
/// CELESTA_ERR_OUT_OF_RANGE (a non-finite value or a time constant <= 0). Thread safety: not
/// with other calls on the same graph.
@_cdecl("celesta_xylo_network_add_lif")
public func celesta_xylo_network_add_lif(
    _ node_id: UnsafeMutablePointer<Int32>?,
    _ net: celesta_xylo_network_ref?, _ name: UnsafePointer<CChar>?, _ n_in: Int32, _ n_out: Int32,
    _ tau_mem: UnsafePointer<Double>?, _ tau_mem_len: UInt, _ tau_syn: UnsafePointer<Double>?, _ tau_syn_len: UInt,
    _ threshold: UnsafePointer<Double>?, _ threshold_len: UInt, _ bias: UnsafePointer<Double>?, _ bias_len: UInt,
    _ w_rec: UnsafePointer<Double>?, _ w_rec_len: UInt, _ dt: Double
) -> Int32 {
    addNode(net, name, node_id) {
        guard let tauMem = try borrowedDoubles(tau_mem, tau_mem_len, "tau_mem") else {
            throw CelestaError(.nullPointer, "argument 'tau_mem' is NULL")
        }
        guard let tauSyn = try borrowedDoubles(tau_syn, tau_syn_len, "tau_syn") else {
            throw CelestaError(.nullPointer, "argument 'tau_syn' is NULL")
        }
        guard let thr = try borrowedDoubles(threshold, threshold_len, "threshold") else {
            throw CelestaError(.nullPointer, "argument 'threshold' is NULL")
        }
        guard dt >= 0, dt.isFinite else { throw CelestaError(.outOfRange, "argument 'dt' is \(dt); it must be >= 0") }
        return .lif(try LIFNeurons(
            nIn: Int(n_in), nOut: Int(n_out), tauMem: tauMem, tauSyn: tauSyn, threshold: thr,
            bias: try borrowedDoubles(bias, bias_len, "bias") ?? Array(repeating: 0, count: max(Int(n_out), 0)),
            wRec: try borrowedDoubles(w_rec, w_rec_len, "w_rec"), dt: dt == 0 ? nil : dt))
    }
}

/// Connects the outputs of node `source` to the inputs of node `target` (sizes must agree).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_NOT_FOUND (a node id), CELESTA_ERR_SHAPE_MISMATCH
/// or CELESTA_ERR_INVALID_ARGUMENT (as the graph rejects the edge; the message says why).
@_cdecl("celesta_xylo_network_connect")
public func celesta_xylo_network_connect(_ net: celesta_xylo_network_ref?, _ source: Int32, _ target: Int32) -> Int32 {
    guarded {
        let box = try object(net, NetworkBox.self, "net")
        try box.graph.connect(try nodeID(box, source, "source"), to: try nodeID(box, target, "target"))
    }
}

/// Adds a residual (alias) edge: the spikes of population `source` are added to those of
/// population `target`, neuron by neuron (Rockpool's Residual; Xylo's alias connections).
///
/// Errors: as celesta_xylo_network_connect().
@_cdecl("celesta_xylo_network_alias")
public func celesta_xylo_network_alias(_ net: celesta_xylo_network_ref?, _ source: Int32, _ target: Int32) -> Int32 {
    guarded {
        let box = try object(net, NetworkBox.self, "net")
        try box.graph.alias(try nodeID(box, source, "source"), to: try nodeID(box, target, "target"))
    }
}
