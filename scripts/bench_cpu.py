#!/usr/bin/env python3
"""CPU simulator rows of `make bench`: Celesta's `celesta.backend` cpu simulate against TALON's
(`talon.backend`, run in the reference venv `.bench/talon-venv`, one BLAS thread), same graphs
and inputs, in one run. Beside each row: its goal and the machine's limit, computed here from
a measured memory read rate and the bytes of weights a step must read. Figures are printed,
never asserted.

Usage: bench_cpu.py                 (the Celesta side; calls the TALON side itself)
       bench_cpu.py --talon ROW N   (the TALON side, in the TALON venv; prints JSON)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TALON_PY = os.environ.get("TALON_PY") or os.path.join(ROOT, ".bench", "talon-venv", "bin", "python")
CORES = os.cpu_count() or 1


def mlp(ir, sizes, seed=0):
    rng = np.random.default_rng(seed)
    nodes = {"input": ir.Input(np.array([sizes[0]]))}
    edges = []
    prev = "input"
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        w = (rng.standard_normal((b, a)) * (1.5 / np.sqrt(a))).astype(np.float32)
        nodes[f"fc{i}"] = ir.Affine(weight=w, bias=np.zeros(b, np.float32))
        nodes[f"lif{i}"] = ir.LIF(tau=np.full(b, 10, np.float32), r=np.full(b, 10, np.float32), v_leak=np.zeros(b, np.float32),
                                  v_threshold=np.ones(b, np.float32))
        edges += [(prev, f"fc{i}"), (f"fc{i}", f"lif{i}")]
        prev = f"lif{i}"
    nodes["output"] = ir.Output(np.array([sizes[-1]]))
    edges.append((prev, "output"))
    return ir.Graph(nodes=nodes, edges=edges)


def row_input(row):
    rng = np.random.default_rng(1)
    if row == "binary":
        return (rng.random(784) < 0.2).astype(np.float32)
    if row == "deep":
        return rng.random(1024).astype(np.float32)
    if row == "batch32":
        return rng.random((32, 784)).astype(np.float32)
    return rng.random(784).astype(np.float32)


def row_graph(ir, row):
    return mlp(ir, [1024, 1024, 1024, 10] if row == "deep" else [784, 128, 10])


def talon_side(row, n):
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from talon import backend, ir
    g = row_graph(ir, row)
    cpu = backend.get_backend("cpu")
    x = row_input(row)
    t = time.perf_counter()
    if row == "batch32":
        for s in x:
            cpu.simulate(g, {"input": s}, n_steps=n)
    else:
        cpu.simulate(g, {"input": x}, n_steps=n)
    print(json.dumps({"seconds": time.perf_counter() - t}))


def talon_rate(row, n):
    if not os.path.exists(TALON_PY):
        return None
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    p = subprocess.run([TALON_PY, __file__, "--talon", row, str(n)], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        print(f"  (TALON side failed: {p.stderr.strip().splitlines()[-1:]})")
        return None
    seconds = json.loads(p.stdout.strip().splitlines()[-1])["seconds"]
    return (32 if row == "batch32" else 1) * n / seconds


def read_rate(nbytes):
    """Bytes/s of streaming a float32 buffer of `nbytes` through a BLAS dot product again and
    again (best of several): what one core reads from the cache level that holds it."""
    a = np.ones(max(nbytes // 4, 1), np.float32)
    reps = max(1, int(4e8 // max(nbytes, 1)))
    best = 0.0
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(reps):
            np.dot(a, a)
        best = max(best, reps * a.nbytes / (time.perf_counter() - t))
    return best


def main():
    from celesta import backend, ir

    cpu = backend.get_backend("cpu")
    l2 = read_rate(401_408)
    dram = read_rate(64 << 20)
    print(f"machine: {CORES} cores; read rate {l2 / 1e9:.1f} GB/s for a 400 KB buffer, {dram / 1e9:.1f} GB/s for 64 MB")
    rows = [
        ("analog", "784-128-10 LIF, constant analog input, batch 1", 15, 401_408 + 5_120, l2, 1),
        ("binary", "784-128-10 LIF, constant binary input 20% ones, batch 1", 40, int(0.2 * 401_408) + 5_120, l2, 1),
        ("deep", "1024-1024-1024-10 LIF, constant analog input, batch 1", 3, 4 * (2 * 1024 * 1024 + 10 * 1024), dram, 1),
        ("batch32", "784-128-10 LIF, batch 32 analog, sample-steps/s vs 32 calls", 20, 401_408 + 5_120, l2, CORES),
    ]
    print(f"{'row':<62} {'celesta':>12} {'talon':>10} {'ratio':>7} {'goal':>6} {'stream limit':>16}")
    talon_rates = {}
    for row, label, goal, step_bytes, rate, cores in rows:
        g = row_graph(ir, row)
        x = row_input(row)
        n = 20000 if row != "deep" else 2000
        feed = x[:, None, :] if row == "batch32" else x
        cpu.simulate(g, {"input": feed}, n_steps=10)  # warm
        t = time.perf_counter()
        cpu.simulate(g, {"input": feed}, n_steps=n)
        mine = (32 if row == "batch32" else 1) * n / (time.perf_counter() - t)
        theirs = talon_rate(row, 2000 if row != "deep" else 300)
        talon_rates[row] = theirs
        limit = cores * rate / step_bytes
        ratio = f"{mine / theirs:6.1f}x" if theirs else "   n/a"
        print(f"{label:<62} {mine:12,.0f} {theirs or 0:10,.0f} {ratio:>7} {goal:>5}x {limit:16,.0f}")
    # 784-128-10 with a new analog input every step ([T, 784], fresh values): every layer runs
    # every step. TALON feeds one input to every step and computes every layer every step, so
    # its analog row's rate is the same work; the ratio is against it.
    g = row_graph(ir, "analog")
    n = 4000
    seq = np.random.default_rng(3).random((n, 784)).astype(np.float32)
    cpu.simulate(g, {"input": seq[:10]}, n_steps=10)  # warm
    t = time.perf_counter()
    cpu.simulate(g, {"input": seq}, n_steps=n)
    mine = n / (time.perf_counter() - t)
    theirs = talon_rates.get("analog")
    ratio = f"{mine / theirs:6.1f}x" if theirs else "   n/a"
    print(f"{'784-128-10 LIF, new analog input each step, batch 1':<62} {mine:12,.0f} {theirs or 0:10,.0f} {ratio:>7} {'':>6} "
          f"{l2 / (401_408 + 5_120):16,.0f}")
    # The tutorial ConvSNN, conv computed (TALON passes conv through: no ratio).
    sys.path.insert(0, os.path.join(ROOT, "bindings", "python", "tests"))
    import _talon_cases as tc
    g = tc.graph("conv_snn")
    x = np.random.default_rng(2).random((1, 28, 28)).astype(np.float32)
    cpu.simulate(g, {"input": x}, n_steps=2)
    conv_flops = 2 * 16 * 9 * 28 * 28
    fc_bytes = 4 * (128 * 3136 + 10 * 128)
    limit = 1 / (fc_bytes / l2 + conv_flops / 8e9)
    for label, feed, n in (("tutorial ConvSNN (conv computed), constant input, batch 1", x, 400),
                           ("  same, input given per step (conv + fc1 every step)", np.repeat(x[None], 100, axis=0), 100)):
        t = time.perf_counter()
        cpu.simulate(g, {"input": feed}, n_steps=n)
        mine = n / (time.perf_counter() - t)
        print(f"{label:<62} {mine:12,.0f} {'(skips conv)':>10} {'':>7} {'':>6} {limit:16,.0f}")
    print("stream limit: cores x measured read rate / bytes of weights a step reads if every layer ran every step (binary: "
          "the 20% active columns; ConvSNN: plus its conv at 8 GFLOP/s). With a constant input Celesta computes the first "
          "layer once (its input does not change), so those rows can pass it; the 'new analog input each step' row and "
          "the ConvSNN 'input given per step' row run every layer every step (TALON's ratio for the former: its analog row, "
          "which computes every layer every step).")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--talon":
        talon_side(sys.argv[2], int(sys.argv[3]))
    else:
        main()
