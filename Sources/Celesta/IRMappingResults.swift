// Exported C functions: partition results as JSON, the graph left unchanged.
// (The Python package's `celesta.graph.partition*` read these and set the attributes themselves.)

import CelestaIR

/// What celesta_ir_graph_partition() would set as the graph's `partition_metadata`, as the
/// JSON celesta_ir_graph_partition_metadata_json() gives (size-query idiom: `*len` receives
/// the bytes needed including the NUL; a call with too small a buffer partitions again), and
/// the graph unchanged. The same arguments, flags and errors as celesta_ir_graph_partition(),
/// plus the flag CELESTA_IR_CORE_LIST: `assignments` replaced by `"order"` (the assigned nodes'
/// indices in graph order, in assignment order) and `"cores"` (their cores, in the same order).
///
/// Thread safety: any thread (the graph is read under its lock).
@_cdecl("celesta_ir_graph_partition_json")
public func celesta_ir_graph_partition_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?,
    _ spec_json: UnsafePointer<CChar>?, _ spec_len: UInt, _ algorithm: UnsafePointer<CChar>?, _ flags: Int32
) -> Int32 {
    guarded {
        let (box, spec, name) = try partitionArguments(graph, spec_json, spec_len, algorithm, flags, allowed: 1 | 16)
        let g = try box.withGraph { $0 }
        let result = try g.partitionResult(on: spec, algorithm: name, mode: irMode(flags))
        try copyOut(bytes: MappingJSON.partitionBytes(result, coreList: flags & 16 != 0), to: buf, capacity: cap, len: len, field: "buf")
    }
}
