#!/usr/bin/env python3
"""Mapper benchmark of `make bench`: Rockpool's Xylo pipeline step `mapper(graph)` followed by
`channel_quantize(**spec)`, in memory through the Python API, on a 16-1000-8 network built
with `celesta.nn` (Linear 16->1000, LIF 1000 with dense recurrent weights, Linear 1000->8,
LIF 8). Arrays cross into the library as binary buffers.

Rockpool's mapper cannot run here (its Xylo modules import samna), so the ratio is taken
against the 1.6 s issue 4 measured for Rockpool. Figures are printed, never asserted.
"""

from __future__ import annotations

import time

import numpy as np

from celesta.devices.xylo import syns61201
from celesta.nn import LIF, Linear, Sequential
from celesta.transform.quantize_methods import channel_quantize

ROCKPOOL_SECONDS = 1.6


def network(seed: int = 21) -> Sequential:
    rng = np.random.default_rng(seed)
    n_in, n_hidden, n_out = 16, 1000, 8
    return Sequential(
        Linear((n_in, n_hidden), weight=rng.normal(0, 0.5, (n_in, n_hidden))),
        LIF(n_hidden, tau_mem=0.02, tau_syn=0.01, threshold=1.0, dt=1e-3, has_rec=True,
            w_rec=rng.normal(0, 0.1, (n_hidden, n_hidden))),
        Linear((n_hidden, n_out), weight=rng.normal(0, 0.5, (n_hidden, n_out))),
        LIF(n_out, tau_mem=0.02, tau_syn=0.01, threshold=1.0, dt=1e-3),
    )


def main(repeat: int = 7) -> None:
    net = network()
    best = best_map = best_graph = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        graph = net.as_graph()
        t1 = time.perf_counter()
        spec = syns61201.mapper(graph)
        t2 = time.perf_counter()
        channel_quantize(**spec)
        t3 = time.perf_counter()
        best, best_graph, best_map = min(best, t3 - t0), min(best_graph, t1 - t0), min(best_map, t2 - t1)
    print(f"py  as_graph + map + channel quantize 16-1000-8 (dense recurrent, in memory): {best * 1e3:.1f} ms "
          f"(as_graph {best_graph * 1e3:.1f} ms, map {best_map * 1e3:.1f} ms); "
          f"{ROCKPOOL_SECONDS / best:.0f}x Rockpool's 1.6 s (figure from the issue)")

if __name__ == "__main__":
    main()
