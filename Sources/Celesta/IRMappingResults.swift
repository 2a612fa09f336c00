// Exported C functions: partition results as JSON, the graph left unchanged.
// (The Python package's `celesta.graph.partition*` read these and set the attributes themselves.)

import CelestaIR

/// What celesta_ir_graph_partition() would set as the graph's `partition_metadata`, as the
/// JSON celesta_ir_graph_partition_metadata_json() gives (size-query idiom: `*len` receives
/// the bytes needed including the NUL; a call with too small a buffer partitions again), and
/// the graph unchanged. The same arguments, flags and errors as celesta_ir_graph_partition(),
/// plus the flag CELESTA_IR_CORE_LIST: `assignments` replaced by `"order"` (the assigned nodes'
/// indices in graph order, in assignment order) and `"cores"` (their cores, in the same order);
/// with CELESTA_IR_CORE_RUNS as well, those two lists are given as runs, flat pairs:
/// `"order_runs": [first, count, ...]` (each run the indices first, first + 1, ...,
/// first + count - 1) and `"core_runs": [core, count, ...]` (each run `count` assignments to one
/// core); CELESTA_IR_CORE_RUNS without CELESTA_IR_CORE_LIST is refused.
///
/// Thread safety: any thread (the graph is read under its lock; its adjacency comes from the
/// analysis scan the handle keeps, made by the first call that needs it).
@_cdecl("celesta_ir_graph_partition_json")
public func celesta_ir_graph_partition_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?,
    _ spec_json: UnsafePointer<CChar>?, _ spec_len: UInt, _ algorithm: UnsafePointer<CChar>?, _ flags: Int32
) -> Int32 {
    guarded {
        let (box, spec, name) = try partitionArguments(graph, spec_json, spec_len, algorithm, flags, allowed: 1 | 16 | 32)
        guard flags & 32 == 0 || flags & 16 != 0 else {
            throw CelestaError(.invalidArgument, "argument 'flags': CELESTA_IR_CORE_RUNS needs CELESTA_IR_CORE_LIST")
        }
        let (g, scan) = box.scanned()
        let result = try g.partitionResult(on: spec, algorithm: name, mode: irMode(flags), scan: scan)
        try copyOut(bytes: MappingJSON.partitionBytes(result, coreList: flags & 16 != 0, coreRuns: flags & 32 != 0), to: buf, capacity: cap,
                    len: len, field: "buf")
    }
}
