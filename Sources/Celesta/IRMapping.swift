// Exported C functions: hardware mapping of IR graphs onto cores (TALON's talon.graph):
// hardware specs, partition, allocate, place, route.

import CelestaIR

/// The hardware spec of a call: JSON text (an object of HardwareSpec fields, or a preset name
/// as a JSON string); NULL means TALON's default spec.
func hardwareSpec(_ json: UnsafePointer<CChar>?, _ len: UInt) throws -> HardwareSpec {
    guard json != nil || len > 0 else { return HardwareSpec() }
    let text = try borrowedText(json, len, "spec_json")
    do {
        return try HardwareSpec(json: text)
    } catch let e as CelestaError {
        throw CelestaError(e.code, "argument 'spec_json': \(e.message)")
    }
}

/// A hardware spec as JSON with TALON's field names (size-query idiom: `*len` receives the
/// bytes needed including the NUL). `name` is a preset (`zynq_7020`, `zynq_us_plus`, `zcu102`,
/// `t1c_asic_target`) or `default` / NULL for TALON's `HardwareSpec()`.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_NOT_FOUND (unknown preset, listing the names),
/// CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_hardware_spec_json")
public func celesta_ir_hardware_spec_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ name: UnsafePointer<CChar>?
) -> Int32 {
    guarded {
        let spec = try name.map { try HardwareSpec.preset(try requiredString($0, "name")) } ?? HardwareSpec()
        try copyOut(spec.json, to: buf, capacity: cap, len: len, field: "buf")
    }
}

/// Checks a hardware spec (`spec_json`, `spec_len` bytes: JSON as celesta_ir_hardware_spec_json()
/// writes it, fields left out keep their defaults, or a preset name as a JSON string) as
/// TALON's `HardwareSpec.validate()` does: the first problem, with TALON's message.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (not a spec: names the field),
/// CELESTA_ERR_NOT_FOUND (unknown preset), CELESTA_ERR_INVALID_ARGUMENT (a value out of range).
@_cdecl("celesta_ir_hardware_spec_validate")
public func celesta_ir_hardware_spec_validate(_ spec_json: UnsafePointer<CChar>?, _ spec_len: UInt) -> Int32 {
    guarded {
        guard spec_json != nil else { throw CelestaError(.nullPointer, "argument 'spec_json' is NULL") }
        try hardwareSpec(spec_json, spec_len).validate()
    }
}

/// Partitions the graph onto the cores of the spec (NULL: the default spec) with `algorithm`
/// (`greedy`, `edgemap` or `spectral`; NULL: greedy), as TALON's `partition()`: every node
/// gets its `core_id` and the graph its `partition_metadata` (read it with
/// celesta_ir_graph_partition_metadata_json()). On failure the graph is unchanged.
///
/// Celesta's greedy and edgemap count neurons (not nodes), keep every recurrent loop on one core
/// and balance neurons and memory; with CELESTA_IR_TALON_COMPATIBLE they are TALON's. Spectral
/// is TALON's algorithm with an eigen-solver that always converges, in both modes.
///
/// Thread safety: the graph is locked for the call. Errors: CELESTA_ERR_NULL_POINTER,
/// CELESTA_ERR_PARSE (spec), CELESTA_ERR_INVALID_ARGUMENT (spec values, unknown algorithm,
/// feedback delay, TALON's "requires more than N cores"), CELESTA_ERR_LIMIT_EXCEEDED (the
/// graph does not fit: the message says what overflows where).
@_cdecl("celesta_ir_graph_partition")
public func celesta_ir_graph_partition(
    _ graph: celesta_ir_graph_ref?, _ spec_json: UnsafePointer<CChar>?, _ spec_len: UInt, _ algorithm: UnsafePointer<CChar>?, _ flags: Int32
) -> Int32 {
    guarded {
        let (box, spec, name) = try partitionArguments(graph, spec_json, spec_len, algorithm, flags)
        try box.withGraph { g in
            var copy = g
            try copy.partition(on: spec, algorithm: name, mode: irMode(flags))
            g = copy
        }
    }
}

/// The graph, spec and algorithm name of a partition call (flags checked).
func partitionArguments(
    _ graph: OpaquePointer?, _ spec_json: UnsafePointer<CChar>?, _ spec_len: UInt, _ algorithm: UnsafePointer<CChar>?, _ flags: Int32,
    allowed: Int32 = 1
) throws -> (IRGraphBox, HardwareSpec, String) {
    let box = try object(graph, IRGraphBox.self, "graph")
    try checkFlags(flags, allowed: allowed)
    return (box, try hardwareSpec(spec_json, spec_len), try algorithm.map { try requiredString($0, "algorithm") } ?? "greedy")
}

/// The graph's `partition_metadata` as JSON (size-query idiom): `{"assignments": {node: core},
/// "num_cores_used", "cross_core_edges": [[src, dst]], "feedback_edges", "algorithm",
/// "metrics", "routing"?}`, or `null` when the graph was never partitioned or routed.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_graph_partition_metadata_json")
public func celesta_ir_graph_partition_metadata_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?
) -> Int32 {
    guarded {
        let box = try object(graph, IRGraphBox.self, "graph")
        let text = try box.withGraph { g in g.settings["partition_metadata"].map { IRJSON.encode($0) } ?? "null" }
        try copyOut(text, to: buf, capacity: cap, len: len, field: "buf")
    }
}

/// TALON's `allocate()` as JSON (size-query idiom): `{"budgets": {"core": {"core_id",
/// "neuron_count", "weight_bytes", "state_bytes", "routing_bytes", "total_bytes",
/// "utilization"}}, "total_weight_bytes", "total_state_bytes", "peak_core_utilization",
/// "fits_hardware", "violations", "overflow": [{"core", "total_bytes", "nodes": [[name,
/// bytes]]}]}`; `overflow` (Celesta's) lists what fills each core that exceeds its SRAM,
/// largest first. Works on a graph that was never partitioned (everything on core 0).
/// `neuron_count` counts the neurons of a core's nodes (as partitioning does: a node with neuron
/// state holds its state size, synapses and I/O none); with CELESTA_IR_TALON_COMPATIBLE it
/// counts the core's compute nodes, as TALON does. Nothing else depends on the flag.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (spec), CELESTA_ERR_INVALID_ARGUMENT
/// (flags), CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_graph_allocate_json")
public func celesta_ir_graph_allocate_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?,
    _ spec_json: UnsafePointer<CChar>?, _ spec_len: UInt, _ flags: Int32
) -> Int32 {
    guarded {
        let box = try object(graph, IRGraphBox.self, "graph")
        try checkFlags(flags, allowed: 1)
        let spec = try hardwareSpec(spec_json, spec_len)
        let text = try box.withGraph { MappingJSON.resources($0.allocate(on: spec, mode: irMode(flags))) }
        try copyOut(text, to: buf, capacity: cap, len: len, field: "buf")
    }
}

/// TALON's `place()` as JSON (size-query idiom): `{"logical_to_physical": {"core": [row, col]},
/// "total_hop_distance", "improvement"}`, cores in placement order. The same in both modes
/// (TALON's fallback cell order included).
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (spec), CELESTA_ERR_LIMIT_EXCEEDED (more
/// cores used than the mesh has cells), CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_graph_place_json")
public func celesta_ir_graph_place_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?,
    _ spec_json: UnsafePointer<CChar>?, _ spec_len: UInt
) -> Int32 {
    guarded {
        let box = try object(graph, IRGraphBox.self, "graph")
        let spec = try hardwareSpec(spec_json, spec_len)
        let text = try box.withGraph { MappingJSON.placement(try $0.place(on: spec)) }
        try copyOut(text, to: buf, capacity: cap, len: len, field: "buf")
    }
}

/// TALON's `route()`: a path of cores for every ordered pair of cores that an edge crosses,
/// stored as `partition_metadata["routing"]` (`{"forward_routes": {"a->b": [cores]},
/// "feedback_routes", "total_hops", "max_hops"}`; read it with
/// celesta_ir_graph_partition_metadata_json()). Celesta's paths are shortest routes on the mesh
/// (dimension-ordered); with CELESTA_IR_TALON_COMPATIBLE every path is TALON's direct `[a, b]`.
/// On failure the graph is unchanged.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (spec), CELESTA_ERR_INVALID_ARGUMENT (a
/// core id off the mesh, flags).
@_cdecl("celesta_ir_graph_route")
public func celesta_ir_graph_route(
    _ graph: celesta_ir_graph_ref?, _ spec_json: UnsafePointer<CChar>?, _ spec_len: UInt, _ flags: Int32
) -> Int32 {
    guarded {
        let box = try object(graph, IRGraphBox.self, "graph")
        try checkFlags(flags, allowed: 1)
        let spec = try hardwareSpec(spec_json, spec_len)
        try box.withGraph { g in
            var copy = g
            try copy.route(on: spec, mode: irMode(flags))
            g = copy
        }
    }
}
