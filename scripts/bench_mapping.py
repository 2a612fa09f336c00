#!/usr/bin/env python3
"""Hardware mapping benchmark of `make bench`: partitioning a 5,002-node chain onto zcu102 with
the three algorithms, from Python, Celesta (`celesta.graph.partition`, this venv; its default
and its TALON-compatible mode) against TALON (`talon.graph.partition`, run in the reference venv
`.bench/talon-venv` made by scripts/bench_setup.sh).

The graph: Input 16 -> 2,500 x (Affine 16x16 -> LIF 16) -> Output 16. TALON's spectral
partitioner runs ARPACK, which does not converge on this chain (TALON then warns and splits by
index); it gets a time limit. Figures are printed, never asserted.

Celesta's default mode (neurons counted, not nodes) does not fit the chain's 40,000 neurons on
zcu102; it runs on t1c_asic_target, and so does TALON for greedy and edgemap, for the ratio of
that row.

Usage: bench_mapping.py [--repeat N]       (the Celesta side; calls the TALON side itself)
       bench_mapping.py --talon ALGORITHM [SPEC]  (the TALON side, in the TALON venv; prints JSON)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np

LAYERS = 2500
WIDTH = 16
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TALON_PY = os.environ.get("CELESTA_TALON_PYTHON", os.path.join(ROOT, ".bench", "talon-venv", "bin", "python"))
ALGORITHMS = ("greedy", "edgemap", "spectral")
TALON_LIMIT_S = 120


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


def timed(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def talon_side(algorithm: str, spec: str = "zcu102") -> None:
    from talon import graph as tg
    from talon import ir
    g = chain(ir)
    hw = getattr(tg.HardwareSpec, spec)()
    repeat = 1 if algorithm == "spectral" else 5
    note = "ok"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seconds = timed(lambda: tg.partition(g, hw, algorithm), repeat)
    if caught:
        note = "warned: " + str(caught[0].message).splitlines()[0][:90]
    print(json.dumps({"seconds": seconds, "cores": g.partition_metadata["num_cores_used"],
                      "cut": len(g.partition_metadata["cross_core_edges"]), "note": note}))


def run_talon(algorithm: str, spec: str = "zcu102") -> dict | None:
    if not os.path.exists(TALON_PY):
        return None
    try:
        r = subprocess.run([TALON_PY, os.path.abspath(__file__), "--talon", algorithm, spec], capture_output=True, text=True,
                           timeout=TALON_LIMIT_S)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "note": f"no result within {TALON_LIMIT_S} s"}
    if r.returncode != 0:
        return {"seconds": None, "note": "failed: " + (r.stderr.strip().splitlines() or ["?"])[-1][:90]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 5
    from celesta import graph as cg
    from celesta import ir
    g = chain(ir)
    hw = cg.HardwareSpec.zcu102()
    big = cg.HardwareSpec.t1c_asic_target()
    print(f"partition of a {len(g.nodes)}-node chain on zcu102 (32 cores of 512 neurons), from Python; best of {repeat}"
          " (Celesta's figures include handing the graph to the library, celesta.ir.Graph -> IR)")
    for algorithm in ALGORITHMS:
        rows = []
        # The chain holds 40,000 neurons: more than zcu102's 32 x 512, which Celesta's default
        # (counting neurons, not nodes) refuses; it gets t1c_asic_target (256 x 1,024) instead.
        for label, compatible, spec in (("celesta talon_compatible", True, hw), ("celesta on zcu102", False, hw),
                                        ("celesta on t1c_asic_target", False, big)):
            try:
                s = timed(lambda: cg.partition(g, spec, algorithm, talon_compatible=compatible), repeat)
                meta = g.partition_metadata
                rows.append((label, s, f"{meta['num_cores_used']} cores, cut {len(meta['cross_core_edges'])}", spec is hw))
            except Exception as e:  # a figure, never a failure
                rows.append((label, None, f"{type(e).__name__}: {e}"[:90], spec is hw))
        talon = run_talon(algorithm)
        # (TALON on t1c_asic_target too, for the ratio of Celesta's default there; not spectral,
        # whose ARPACK run is long and fails on this chain.)
        talon_big = run_talon(algorithm, "t1c_asic_target") if algorithm != "spectral" else None
        for label, s, what, comparable in rows:
            ratio = ""
            other = talon if comparable else talon_big
            if other and other.get("seconds") and s:
                ratio = f"  {other['seconds'] / s:6.1f}x TALON" + ("" if comparable else " on t1c_asic_target")
            shown = f"{s * 1e3:9.2f} ms" if s is not None else "      n/a   "
            print(f"  {algorithm:<9} {label:<27} {shown}{ratio}  ({what})")
        if talon is None:
            print(f"  {algorithm:<9} {'talon':<27}  skipped (no {TALON_PY})")
        elif talon.get("seconds") is None:
            print(f"  {algorithm:<9} {'talon':<27}       n/a    ({talon['note']})")
        else:
            print(f"  {algorithm:<9} {'talon':<27} {talon['seconds'] * 1e3:9.2f} ms  "
                  f"({talon.get('cores')} cores, cut {talon.get('cut')}; {talon['note']})")
        if talon_big and talon_big.get("seconds"):
            print(f"  {algorithm:<9} {'talon on t1c_asic_target':<27} {talon_big['seconds'] * 1e3:9.2f} ms  "
                  f"({talon_big.get('cores')} cores, cut {talon_big.get('cut')}; {talon_big['note']})")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--talon":
        talon_side(*sys.argv[2:4])
    else:
        main()
