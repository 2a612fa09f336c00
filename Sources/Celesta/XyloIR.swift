// Exported C functions: IR graphs to Xylo networks.

import CelestaABI
import CelestaIR
import CelestaXylo

/// Lowers an IR graph (TALON's or NIR's primitives) into a Xylo network for celesta_xylo_map():
/// Input/Output become ports, Linear/Affine/SpikingAffine weight blocks, LIF and CubaLIF neuron
/// populations (forward Euler with step `dt` seconds, the unit of the graph's time constants:
/// 1 for taus counted in steps; 0 takes the graph's metadata "dt", else 1e-3; gains folded into
/// the weights, `v_leak` into the bias; see the README, "The network IR"); nested NIR graphs are
/// inlined and identity nodes removed.
/// Anything Xylo has no hardware for (convolutions, pooling, IF, non-zero v_reset, ...) is
/// CELESTA_ERR_UNSUPPORTED naming the node and what is missing. A non-zero Affine bias becomes a
/// warning of the mapping (celesta_xylo_spec_warnings()).
///
/// Ownership: `*out` receives a new network (celesta_xylo_network_free()); the graph is only
/// read. Errors: CELESTA_ERR_NULL_POINTER, CELESTA_ERR_OUT_OF_RANGE (dt negative or not finite), CELESTA_ERR_UNSUPPORTED,
/// CELESTA_ERR_SHAPE_MISMATCH, CELESTA_ERR_INVALID_ARGUMENT.
@_cdecl("celesta_xylo_network_from_ir")
public func celesta_xylo_network_from_ir(
    _ out: UnsafeMutablePointer<celesta_xylo_network_ref?>?, _ graph: celesta_ir_graph_cref?, _ dt: Double
) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let g = try object(graph, IRGraphBox.self, "graph").withGraph { $0 }
        let lowered = try XyloIRLowering.lower(g, dt: dt == 0 ? nil : dt)
        let box = NetworkBox(graph: lowered.network)
        box.warnings = lowered.warnings
        out.pointee = makeHandle(box)
    }
}
