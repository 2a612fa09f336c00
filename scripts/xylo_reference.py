"""Builds the reference simulator (xylosim 0.1.3's v2 XyloLayer) from a specification, for
`make bench` only. Synapse lists follow the reference facts: zero weights left out, synapse-0
targets in increasing id before synapse-1 targets. The synapse objects are kept alive with the
layer (the binding stores raw pointers to them)."""

import numpy as np
import xylosim.v2 as v2


def make_xylosim(spec):
    w_in = np.asarray(spec["weights_in"])
    w_rec = np.asarray(spec["weights_rec"])
    w_out = np.asarray(spec["weights_out"])
    if w_in.ndim == 2:
        w_in = w_in[:, :, None]
    if w_rec.ndim == 2:
        w_rec = w_rec[:, :, None]
    n_hidden, n_out = w_rec.shape[0], w_out.shape[1]
    keep = []

    def lists(weights):
        out = []
        for src in range(weights.shape[0]):
            row = []
            for syn in range(weights.shape[2]):
                for tgt in np.nonzero(weights[src, :, syn])[0]:
                    row.append(v2.XyloSynapse(int(tgt), syn, int(weights[src, tgt, syn])))
            keep.extend(row)
            out.append(row)
        return out

    syn_in, syn_rec, syn_out = lists(w_in), lists(w_rec), lists(w_out[:, :, None])
    bias = spec.get("bias")
    bias_out = spec.get("bias_out")
    layer = v2.XyloLayer(
        syn_in, syn_rec, syn_out, [list(a) for a in spec["aliases"]],
        [int(t) for t in spec["threshold"]], [int(t) for t in spec["threshold_out"]],
        bool(bias is not None and np.any(bias)),
        [int(b) for b in (bias if bias is not None else np.zeros(n_hidden))],
        [int(b) for b in (bias_out if bias_out is not None else np.zeros(n_out))],
        int(spec.get("weight_shift_in", 0)), int(spec.get("weight_shift_rec", 0)), int(spec.get("weight_shift_out", 0)),
        [int(d) for d in spec["dash_mem"]], [int(d) for d in spec["dash_mem_out"]],
        [[int(a), int(b)] for a, b in zip(spec["dash_syn"], spec["dash_syn_2"])],
        [[int(d)] for d in spec["dash_syn_out"]], "bench")

    def evolve(x):
        layer.reset_all()
        return layer.evolve(np.asarray(x, dtype=np.uint8).tolist())

    evolve.layer = layer
    evolve.synapses = keep  # keeps the synapse objects alive as long as evolve
    return evolve
