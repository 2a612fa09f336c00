// Exported C function: an independent copy of an IR graph (for callers that keep one graph
// and run calls that change it on copies).

import CelestaIR

/// `*out` receives a new graph equal to `graph` (its nodes, edges, metadata and settings);
/// changing either later does not change the other. The copy shares the stored arrays until one
/// side changes them (it costs little whatever the graph's size).
///
/// Ownership: `*out` receives a graph to release with celesta_ir_graph_free(). Thread safety:
/// `graph` is locked for the call. Errors: CELESTA_ERR_NULL_POINTER.
@_cdecl("celesta_ir_graph_copy")
public func celesta_ir_graph_copy(_ out: UnsafeMutablePointer<celesta_ir_graph_ref?>?, _ graph: celesta_ir_graph_cref?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let box = try object(graph, IRGraphBox.self, "graph")
        out.pointee = makeHandle(IRGraphBox(try box.withGraph { $0 }))
    }
}
