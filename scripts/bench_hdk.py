#!/usr/bin/env python3
"""Virtual dev-kit benchmark of `make bench`: the overhead of evolving through the kit
(XyloSamna on a virtual kit: event encoding, the transport, decoding the network from the
kit's memory once, readouts) over the bare simulator (XyloSim), same configuration and input.
Goal: under 10 %. Figures are printed, never asserted.

Each network is laid out for each chip as the chip's mapper would: on Xylo Audio 3, which
has 128 input and 128 output expansion neurons, the input weights go only into the first
(at most) 128 hidden neurons and the output weights only come from the last 128 (the
configuration takes n_ien and n_oen from the shapes of weights_in and weights_out). Xylo
Audio 2 takes the network as it is.
"""

from __future__ import annotations

import os
import sys

import numpy as np

import celesta
from celesta.devices import virtual_hdk
from celesta.devices.xylo import xa2, xa3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_xylo import best_time, network, raster  # noqa: E402


def for_chip(spec: dict, chip: str) -> dict:
    """``spec`` with its input weights cut to the chip's input expansion neurons (the first
    hidden neurons) and its output weights to its output expansion neurons (the last ones)."""
    limits = celesta.chip(chip)
    w_in, w_out = spec["weights_in"], spec["weights_out"]
    n_ien = min(w_in.shape[1], limits["max_input_expansion_neurons"])
    n_oen = min(w_out.shape[0], limits["max_output_expansion_neurons"])
    return dict(spec, weights_in=w_in[:, :n_ien], weights_out=w_out[w_out.shape[0] - n_oen:])


def main():
    cases = [
        ("16-63-8 dense rec", network(16, 63, 8, 12), 20000),
        ("16-500-8 fan-out 32", network(16, 500, 8, 15, fanout=32), 5000),
    ]
    print(f"{'network':<22}{'chip':>6}{'XyloSim steps/s':>17}{'kit steps/s':>13}{'overhead':>10}")
    for name, spec, steps in cases:
        x = raster(steps, 16, 5)
        for module in (xa2, xa3):
            config, ok, msg = module.config_from_specification(**for_chip(spec, module.CHIP))
            if not ok:
                print(f"{name:<22}{module.CHIP:>6}: not deployable ({msg})")
                continue
            sim = module.XyloSim(config)
            kit = module.XyloSamna(virtual_hdk(module.CHIP), config)
            out_sim = sim(x)[0]
            out_kit = kit(x)[0]
            assert np.array_equal(out_sim, out_kit), "the kit must equal the simulator"
            t_sim = best_time(lambda: sim(x), repeat=5)
            t_kit = best_time(lambda: kit(x), repeat=5)
            print(f"{name:<22}{module.CHIP[-5:]:>6}{steps / t_sim:17.0f}{steps / t_kit:13.0f}{(t_kit / t_sim - 1) * 100:9.1f}%")


if __name__ == "__main__":
    main()
