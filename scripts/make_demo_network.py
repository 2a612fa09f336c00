#!/usr/bin/env python3
"""Writes the bundled default network and its input (fixed seed; run once, outputs committed):

examples/networks/kws_default.json   16 inputs -> Linear -> recurrent LIF(32)
                                      -> Residual(Linear -> LIF(32)) -> Linear -> LIF(8)
examples/networks/kws_default_input.npy  [400, 16] event counts: 8 windows of 50 steps, window w
                                      carrying a burst on the channel pair of keyword w % 8.

A small keyword-spotting-shaped network: channel pair 2k/2k+1 drives hidden group k (4 neurons),
group k drives output k, so the detected class of a window is the keyword in it.
"""
import json
import os

import numpy as np

rng = np.random.default_rng(2026)
N_IN, GROUPS, PER, N_OUT, DT = 16, 8, 4, 8, 1e-3
N_H = GROUPS * PER

w_in = rng.normal(0, 0.05, (N_IN, N_H))
for k in range(GROUPS):
    w_in[2 * k:2 * k + 2, k * PER:(k + 1) * PER] += 0.8
w_rec = rng.normal(0, 0.05, (N_H, N_H))
for k in range(GROUPS):
    w_rec[k * PER:(k + 1) * PER, k * PER:(k + 1) * PER] += 0.15
np.fill_diagonal(w_rec, 0)
w_res = rng.normal(0, 0.05, (N_H, N_H)) + np.eye(N_H) * 0.9
w_out = rng.normal(0, 0.05, (N_H, N_OUT))
for k in range(GROUPS):
    w_out[k * PER:(k + 1) * PER, k] += 0.6


def lif(n, tau_mem, tau_syn, threshold, rec=None):
    layer = {"type": "LIF", "n_in": n, "n_out": n, "tau_mem": [tau_mem] * n, "tau_syn": [tau_syn] * n,
             "threshold": [threshold] * n, "bias": [0.0] * n, "dt": DT, "has_rec": rec is not None}
    if rec is not None:
        layer["w_rec"] = np.round(rec.T, 6).tolist()  # [n_out][n_in] as Rockpool's w_rec
    return layer


def linear(w):
    return {"type": "Linear", "n_in": w.shape[0], "n_out": w.shape[1], "weight": np.round(w, 6).tolist()}


network = {
    "description": "keyword-spotting-shaped demo: 16 -> LIF(32, recurrent) -> Residual(Linear, LIF(32)) -> LIF(8)",
    "layers": [
        linear(w_in), lif(N_H, 0.02, 0.008, 20.0, rec=w_rec),
        {"type": "Residual", "layers": [linear(w_res), lif(N_H, 0.02, 0.008, 20.0)]},
        linear(w_out), lif(N_OUT, 0.02, 0.008, 20.0),
    ],
}

T, WINDOW = 400, 50
x = (rng.random((T, N_IN)) < 0.02).astype(np.int64)
for w in range(T // WINDOW):
    k = w % GROUPS
    start = w * WINDOW + 5
    x[start:start + 30, 2 * k:2 * k + 2] += rng.integers(1, 4, (30, 2))
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "networks")
with open(os.path.join(here, "kws_default.json"), "w") as f:
    json.dump(network, f)
np.save(os.path.join(here, "kws_default_input.npy"), x)
