// Exported C functions: the visualisation of IR graphs (graph_to_dict and the HTML views).

import CelestaABI
import CelestaIR

/// The optional JSON text argument `name` (NULL with a zero length: absent).
private func optionalText(_ text: UnsafePointer<CChar>?, _ len: UInt, _ name: String) throws -> [UInt8]? {
    if text == nil && len == 0 { return nil }
    return try borrowedText(text, len, name)
}

/// The optional title argument (NULL: the view's default).
private func pageTitle(_ p: UnsafePointer<CChar>?, _ fallback: String) throws -> String {
    p == nil ? fallback : try requiredString(p, "title")
}

/// The visualisation's JSON view of the graph (TALON's `talon.viz.graph_to_dict`, README
/// "Visualisation"): `version, nodes, edges, metadata, summary, groups, node_to_group`, by the
/// size-query idiom (`*len` receives the bytes needed including the NUL; `buf = NULL, cap = 0`
/// only queries). Arrays are summarised (`"data": "<omitted>"` with their stats); with
/// CELESTA_IR_TALON_COMPATIBLE their elements are embedded as base64, as TALON does.
/// CELESTA_IR_VIZ_NO_PATTERNS skips the pattern detection (`groups` stays empty).
///
/// Thread safety: takes the graph's lock. Errors: CELESTA_ERR_NULL_POINTER,
/// CELESTA_ERR_INVALID_ARGUMENT (flags), CELESTA_ERR_BUFFER_TOO_SMALL.
@_cdecl("celesta_ir_viz_graph_json")
public func celesta_ir_viz_graph_json(
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: UInt, _ len: UnsafeMutablePointer<UInt>?, _ graph: celesta_ir_graph_cref?, _ flags: Int32
) -> Int32 {
    guarded {
        let box = try object(graph, IRGraphBox.self, "graph")
        try checkFlags(flags, allowed: 1 | 0x100)
        let g = try box.withGraph { $0 }
        let dict = VizGraphDict.make(g, detectPatterns: flags & 0x100 == 0, embedArrays: flags & 1 != 0)
        try copyOut(bytes: dict.bytes(), to: buf, capacity: cap, len: len, field: "buf")
    }
}

/// Writes the graph view to `path` as one self-contained HTML page (TALON's `export_html`):
/// nodes coloured by type, shapes and array summaries on hover, pattern groups; no network
/// request. `title` NULL: "celesta.viz". Missing parent folders are created; the page is
/// written atomically (an existing file stays as it was when the call fails).
/// Flags: CELESTA_IR_TALON_COMPATIBLE embeds the arrays' elements as TALON does.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_INVALID_ARGUMENT, CELESTA_ERR_IO.
@_cdecl("celesta_ir_viz_export_html")
public func celesta_ir_viz_export_html(_ path: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?, _ title: UnsafePointer<CChar>?, _ flags: Int32) -> Int32 {
    guarded {
        let p = try requiredString(path, "path")
        let box = try object(graph, IRGraphBox.self, "graph")
        try checkFlags(flags, allowed: 1)
        let t = try pageTitle(title, VizPages.defaultTitle)
        let g = try box.withGraph { $0 }
        try VizPages.write(VizPages.graphPage(g, title: t, embedArrays: flags & 1 != 0), to: p, createFolders: true)
    }
}

/// Writes the partitioned view to `path` (TALON's `visualize_partitioned`): each core's nodes
/// inside a region outlined in the core's colour, nodes filled by kind, cross-core edges
/// dashed. The cores come from `assignments_json` (`{"node": core, ...}`, `assignments_len`
/// bytes; NULL with 0: none), else the graph's `partition_metadata` assignments, then the
/// nodes' `core_id`. `title` NULL: "Partitioned Graph". Written atomically.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (assignments_json),
/// CELESTA_ERR_INVALID_ARGUMENT (a node other than Input/Output without a core, names it; a
/// bad core id; flags), CELESTA_ERR_IO.
@_cdecl("celesta_ir_viz_export_partitioned")
public func celesta_ir_viz_export_partitioned(
    _ path: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?, _ title: UnsafePointer<CChar>?,
    _ assignments_json: UnsafePointer<CChar>?, _ assignments_len: UInt, _ flags: Int32
) -> Int32 {
    guarded {
        let p = try requiredString(path, "path")
        let box = try object(graph, IRGraphBox.self, "graph")
        try checkFlags(flags, allowed: 1)
        let t = try pageTitle(title, VizPages.defaultPartitionedTitle)
        let given = try optionalText(assignments_json, assignments_len, "assignments_json").map {
            try VizPages.assignments(json: $0, name: "assignments_json")
        }
        let g = try box.withGraph { $0 }
        try VizPages.write(try VizPages.partitionedPage(g, title: t, assignments: given, embedArrays: flags & 1 != 0), to: p)
    }
}

/// Writes the execution schedule to `path` (TALON's `visualize_execution_schedule`): one
/// timeline lane per core, from the graph's `execution_schedule`, else its partition, else all
/// nodes on core 0 in topological order; cross-core dependencies as arrows. Each node lasts
/// its latency from `latency_json` (`{"node": microseconds, ...}`, `latency_len` bytes; NULL
/// with 0: one step per node). `title` NULL: "Execution Schedule". Written atomically.
///
/// Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_PARSE (latency_json),
/// CELESTA_ERR_INVALID_ARGUMENT (a negative or non-numeric latency; flags), CELESTA_ERR_IO.
@_cdecl("celesta_ir_viz_export_schedule")
public func celesta_ir_viz_export_schedule(
    _ path: UnsafePointer<CChar>?, _ graph: celesta_ir_graph_cref?, _ title: UnsafePointer<CChar>?,
    _ latency_json: UnsafePointer<CChar>?, _ latency_len: UInt, _ flags: Int32
) -> Int32 {
    guarded {
        let p = try requiredString(path, "path")
        let box = try object(graph, IRGraphBox.self, "graph")
        try checkFlags(flags, allowed: 0)
        let t = try pageTitle(title, VizPages.defaultScheduleTitle)
        let latencies = try optionalText(latency_json, latency_len, "latency_json").map {
            try VizPages.latencies(json: $0, name: "latency_json")
        }
        let g = try box.withGraph { $0 }
        try VizPages.write(VizPages.schedulePage(g, title: t, latencies: latencies), to: p)
    }
}
