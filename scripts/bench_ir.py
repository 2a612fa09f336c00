#!/usr/bin/env python3
"""IR file benchmark of `make bench`: `.t1c` write and read of a 5,002-node graph from Python,
Celesta (`celesta.ir.write/read`, this venv) against TALON (`talon.ir.write/read`, run in the
reference venv `.bench/talon-venv` made by scripts/bench_setup.sh).

The graph: Input 16 -> 2,500 x (Affine 16x16 -> LIF 16) -> Output 16, weights from
numpy's default_rng(0); the file holds 20,008 datasets. Rows: each side writes its own file
(a new file each time; a row apart shows Celesta replacing a file, which it flushes first)
and reads it back; Celesta also reads TALON's file, and TALON reads Celesta's file (the check
that TALON can: every node and weight compared). Figures are printed, never asserted.

Usage: bench_ir.py [--repeat N]           (the Celesta side; calls the TALON side itself)
       bench_ir.py --talon CELESTA_FILE OUT  (the TALON side, in the TALON venv; prints JSON)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

LAYERS = 2500
WIDTH = 16
DATASETS = 20_008
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TALON_PY = os.path.join(ROOT, ".bench", "talon-venv", "bin", "python")


def chain(ir):
    """The benchmark graph built with `ir` (celesta.ir or talon.ir: the same calls)."""
    rng = np.random.default_rng(0)
    nodes = {"input": ir.Input(np.array([WIDTH]))}
    edges = []
    prev = "input"
    for i in range(LAYERS):
        fc, lif = f"fc{i:04d}", f"lif{i:04d}"
        nodes[fc] = ir.Affine(weight=rng.standard_normal((WIDTH, WIDTH)).astype(np.float32),
                              bias=rng.standard_normal(WIDTH).astype(np.float32))
        nodes[lif] = ir.LIF(tau=np.full(WIDTH, 10, np.float32), r=np.ones(WIDTH, np.float32),
                            v_leak=np.zeros(WIDTH, np.float32), v_threshold=np.ones(WIDTH, np.float32))
        edges += [(prev, fc), (fc, lif)]
        prev = lif
    nodes["output"] = ir.Output(np.array([WIDTH]))
    edges.append((prev, "output"))
    return ir.Graph(nodes=nodes, edges=edges)


def same(a, b) -> str | None:
    """None when graph `b` (read from a file) holds the nodes, fields and edges of `a`."""
    if set(a.nodes) != set(b.nodes):
        return f"nodes differ ({len(a.nodes)} vs {len(b.nodes)})"
    for name, n in a.nodes.items():
        m = b.nodes[name]
        if type(n).__name__ != type(m).__name__:
            return f"{name}: {type(n).__name__} vs {type(m).__name__}"
        for k in ("weight", "bias", "tau", "r", "v_leak", "v_threshold"):
            x, y = getattr(n, k, None), getattr(m, k, None)
            if (x is None) != (y is None) or (x is not None and not np.array_equal(np.asarray(x), np.asarray(y))):
                return f"{name}.{k} differs"
    if sorted(map(tuple, a.edges)) != sorted(map(tuple, b.edges)):
        return "edges differ"
    return None


def timed(fn, repeat):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def talon_side(celesta_file: str, out: str) -> None:
    import talon.ir as ti
    g = chain(ti)
    result = {}
    result["write"], _ = timed(lambda: ti.write(out, g), 1)
    result["read"], back = timed(lambda: ti.read(out), 1)
    result["own_file"] = same(g, back)
    try:
        other = ti.read(celesta_file)
        result["celesta_file"] = same(g, other)
    except Exception as e:  # noqa: BLE001 - reported, not raised
        result["celesta_file"] = f"{type(e).__name__}: {e}"
    print(json.dumps(result))


def row(label, seconds, reference=None, ref_label="TALON"):
    text = f"py  {label:<44} {seconds * 1e3:9.1f} ms  {seconds / DATASETS * 1e6:6.2f} µs/dataset"
    if reference:
        text += f"  {reference / seconds:6.1f}x {ref_label}"
    print(text)


def main(repeat: int) -> None:
    import celesta.ir as ci
    g = chain(ci)
    with tempfile.TemporaryDirectory() as tmp:
        mine, theirs = os.path.join(tmp, "celesta.t1c"), os.path.join(tmp, "talon.t1c")
        def fresh():  # a new file each time, as TALON's row (h5py writes in place, never flushing)
            if os.path.exists(mine):
                os.remove(mine)
            t = time.perf_counter()
            ci.write(mine, g)
            return time.perf_counter() - t
        write = min(fresh() for _ in range(repeat))
        replacing, _ = timed(lambda: ci.write(mine, g), repeat)
        read, back = timed(lambda: ci.read(mine), repeat)
        problem = same(g, back)
        print(f"graph: {len(g.nodes)} nodes (Input, {LAYERS} x (Affine {WIDTH}x{WIDTH} -> LIF {WIDTH}), Output), "
              f"{DATASETS} datasets; Celesta file {os.path.getsize(mine):,} bytes; best of {repeat}")
        talon = None
        if not os.path.exists(os.path.join(ROOT, ".bench", "talon-venv", ".celesta-bench-ok")):
            print("skipped: TALON rows (no .bench/talon-venv: scripts/bench_setup.sh could not install TALON)")
        else:
            run = subprocess.run([TALON_PY, __file__, "--talon", mine, theirs], capture_output=True, text=True)
            if run.returncode != 0:
                print(f"skipped: TALON rows (the TALON side failed: {run.stderr.strip().splitlines()[-1:]})")
            else:
                talon = json.loads(run.stdout.strip().splitlines()[-1])
        row("celesta.ir.write (.t1c)", write, talon and talon["write"])
        row("celesta.ir.write (.t1c, replacing a file)", replacing)
        print("    (over an existing file Celesta flushes the new one to disk before the rename)")
        row("celesta.ir.read  (own file)", read, talon and talon["read"])
        if problem:
            print(f"    !! the graph read back differs: {problem}")
        if talon:
            their_read, back = timed(lambda: ci.read(theirs), repeat)
            row("celesta.ir.read  (TALON-written file)", their_read, talon["read"])
            if same(g, back):
                print(f"    !! TALON's file reads back differently: {same(g, back)}")
            row("talon.ir.write   (.t1c, 1 run)", talon["write"])
            row("talon.ir.read    (own file, 1 run)", talon["read"])
            print(f"    TALON reads Celesta's file: {'yes, every node, weight and edge equal' if talon['celesta_file'] is None else 'NO: ' + talon['celesta_file']}")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--talon":
        talon_side(sys.argv[2], sys.argv[3])
    else:
        main(int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 5)
