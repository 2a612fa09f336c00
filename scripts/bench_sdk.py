#!/usr/bin/env python3
"""SDK analysis benchmark of `make bench`: `analyze_graph`, `profile_graph` and `lint_graph` of a
5,002-node graph from Python, Celesta (`celesta.sdk`, this venv) against TALON (`talon.sdk`, run
in the reference venv `.bench/talon-venv` made by scripts/bench_setup.sh; `talon.sdk` imports
`talon.bridge` and `talon.viz`, which need torch: the TALON side gives them stub modules, which
the analyses never call).

The graph: Input 16 -> 2,500 x (Affine 16x16 -> LIF 16) -> Output 16 (scripts/bench_ir.py's).
Each call is timed from the Python graph object, as a user calls it (Celesta's time includes
handing the graph to the library); best of N. The results of both sides are compared (totals,
profile, lint issues). Figures are printed, never asserted.

Usage: bench_sdk.py [--repeat N]      (the Celesta side; calls the TALON side itself)
       bench_sdk.py --talon N         (the TALON side, in the TALON venv; prints JSON)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_ir import TALON_PY, chain, timed  # noqa: E402  (the same graph as the IR rows)

CALLS = ("analyze_graph", "profile_graph", "lint_graph")


def results(sdk, g) -> dict:
    """What both sides must agree on."""
    s, p, l = sdk.analyze_graph(g), sdk.profile_graph(g), sdk.lint_graph(g)
    return {"params": s.total_params, "bytes": s.total_bytes, "flops": s.total_flops, "depth": s.depth, "width": s.width,
            "weight_memory": p.weight_memory, "total_memory": p.total_memory, "mac_ops": p.mac_ops, "warnings": p.warnings,
            "recommendations": p.recommendations, "lint": [(str(getattr(i.severity, "value", i.severity)), i.code) for i in l.issues]}


def talon_side(repeat: int) -> None:
    import types
    for name in ("torch", "torch.nn", "snntorch", "talon.bridge", "talon.viz"):
        m = types.ModuleType(name)
        m.__path__ = []
        m.__getattr__ = lambda attr: type(attr, (), {})
        sys.modules[name] = m
    from talon import ir
    import talon.sdk as sdk
    g = chain(ir)
    out = {name: timed(lambda f=getattr(sdk, name): f(g), repeat)[0] for name in CALLS}
    out["results"] = results(sdk, g)
    print(json.dumps(out))


def main() -> None:
    repeat = 3
    if "--repeat" in sys.argv:
        repeat = int(sys.argv[sys.argv.index("--repeat") + 1])
    from celesta import ir, sdk
    g = chain(ir)
    mine = {name: timed(lambda f=getattr(sdk, name): f(g), max(repeat, 10))[0] for name in CALLS}
    # The engine alone: the C calls on a graph already handed to the library, into a buffer
    # large enough (no Python objects made).
    import ctypes
    from celesta.sdk import _analysis as a
    h = g._handle()
    buf, n = ctypes.create_string_buffer(8 << 20), ctypes.c_size_t()
    engine = {
        "analyze_graph": timed(lambda: a._lib.celesta_ir_analyze_json(buf, len(buf), ctypes.byref(n), h.ptr, 0), 10)[0],
        "profile_graph": timed(lambda: a._lib.celesta_ir_profile_json(buf, len(buf), ctypes.byref(n), h.ptr, 0), 10)[0],
        "lint_graph": timed(lambda: a._lib.celesta_ir_lint_json(buf, len(buf), ctypes.byref(n), h.ptr, 0, 0), 10)[0],
    }
    # analyze_graph makes GraphStats.layers (a LayerStats per node) on first read: its cost.
    with_layers = timed(lambda: sdk.analyze_graph(g).layers, 10)[0]
    handoff = timed(lambda: g._handle(), 10)[0]
    # What a call pays for an unchanged graph: the snapshot that finds the library's copy current.
    g._shared_handle()
    check = timed(lambda: g._shared_handle(), 10)[0]
    # (The whole graph compared with the kept snapshot: what a check costs when the watch of
    # its objects does not hold, or on a Python without dict version tags.)
    full = timed(lambda: ir._snapshot_equal(g, ir._SHARED[g][1]), 10)[0]
    theirs = None
    if os.path.exists(TALON_PY):
        r = subprocess.run([TALON_PY, os.path.abspath(__file__), "--talon", str(repeat)], capture_output=True, text=True)
        if r.returncode == 0:
            theirs = json.loads(r.stdout.strip().splitlines()[-1])
        else:
            print("TALON side failed:", r.stderr.strip().splitlines()[-1:] or r.returncode)
    print(f"graph: {len(g.nodes)} nodes, {len(g.edges)} edges; handing it to the library: {handoff * 1e3:.2f} ms"
          f" (checking that the copy it keeps is current: {check * 1e3:.2f} ms; comparing the whole graph: {full * 1e3:.2f} ms)")
    print(f"analyze_graph(g).layers read as well (made on first read): {with_layers * 1e3:.2f} ms")
    print(f"{'call':<16} {'celesta':>10} {'(engine)':>10} {'talon':>10} {'ratio':>8}")
    total_mine = total_theirs = 0.0
    for name in CALLS:
        t = theirs[name] if theirs else None
        total_mine += mine[name]
        total_theirs += t or 0.0
        ratio = f"{t / mine[name]:7.0f}x" if t else "     n/a"
        tt = f"{t * 1e3:8.1f}ms" if t else "       n/a"
        print(f"{name:<16} {mine[name] * 1e3:8.2f}ms {engine[name] * 1e3:8.2f}ms {tt} {ratio}")
    if theirs:
        print(f"{'all three':<16} {total_mine * 1e3:8.2f}ms {sum(engine.values()) * 1e3:8.2f}ms {total_theirs * 1e3:8.1f}ms "
              f"{total_theirs / total_mine:7.0f}x   (goal >= 100x; engine alone {total_theirs / sum(engine.values()):.0f}x)")
        same = results(sdk, g) == {k: (list(map(tuple, v)) if k == "lint" else v) for k, v in theirs["results"].items()}
        print("results equal to TALON's:", "yes" if same else "NO")
    else:
        print("TALON rows skipped (no .bench/talon-venv)")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--talon":
        talon_side(int(sys.argv[2]))
    else:
        main()
