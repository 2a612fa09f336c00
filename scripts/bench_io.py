#!/usr/bin/env python3
"""Event file and encoder benchmark of `make bench`: Celesta (`celesta.io`, this venv) against
TALON 0.0.1 (`talon.io`, h5py + numpy, run in the reference venv `.bench/talon-venv`).

Rows: write_h5 and read_h5 of 10,000,000 events (gzip level 4, TALON's layout; each side
writes its own file; reads run in a fresh process, after a sync, reading the other side's file
too), and rate_encode of a (1000, 4096) float32 input over 10 steps (seed 0). Goals: events
>= 3x TALON both ways, rate_encode >= 5x numpy. Figures are printed, never asserted.

Usage: bench_io.py [--events N] [--repeat N]
       bench_io.py --side celesta|talon --task write|read|rate PATH   (one timing, JSON)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TALON_PY = os.environ.get("CELESTA_BENCH_TALON_PY") or os.path.join(ROOT, ".bench", "talon-venv", "bin", "python")
CELESTA_PY = os.path.join(ROOT, ".venv", "bin", "python")


def cpu() -> float:
    """CPU seconds of this process so far (all threads, user + system)."""
    import resource
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def side(name: str, task: str, path: str, events: int, repeat: int) -> dict:
    import numpy as np
    if name == "talon":
        from talon.io import encoding, h5, streaming
    else:
        from celesta.io import encoding, h5, streaming
    best = float("inf")
    out = {}
    if task == "write":
        np.random.seed(0)
        ev = streaming.generate_random_events(events)
        for _ in range(repeat):
            if os.path.exists(path):
                os.unlink(path)
            t, c = time.perf_counter(), cpu()
            h5.write_h5(path, ev)
            if time.perf_counter() - t < best:
                best, out["cpu"] = time.perf_counter() - t, cpu() - c
        out["bytes"] = os.path.getsize(path)
    elif task == "read":
        for _ in range(repeat):
            t, c = time.perf_counter(), cpu()
            ev = h5.read_h5(path)
            if time.perf_counter() - t < best:
                best, out["cpu"] = time.perf_counter() - t, cpu() - c
        out["n"] = len(ev)
        out["t_sum"] = int(ev["t"].sum(dtype=np.uint64))
    else:
        x = np.random.default_rng(0).random((1000, 4096)).astype(np.float32)
        for _ in range(repeat):
            t, c = time.perf_counter(), cpu()
            s = encoding.rate_encode(x, 10, seed=0)
            if time.perf_counter() - t < best:
                best, out["cpu"] = time.perf_counter() - t, cpu() - c
        out["spikes"] = int(s.sum())
    out["seconds"] = best
    return out


def run(py: str, name: str, task: str, path: str, events: int, repeat: int) -> dict | None:
    if not os.path.exists(py):
        return None
    os.sync()
    r = subprocess.run([py, __file__, "--side", name, "--task", task, "--events", str(events), "--repeat", str(repeat), path],
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    if r.returncode != 0:
        print(f"   {name} {task} failed: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}")
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--side")
    ap.add_argument("--task")
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("path", nargs="?")
    a = ap.parse_args()
    if a.side:
        print(json.dumps(side(a.side, a.task, a.path, a.events, a.repeat)))
        return
    talon_ok = os.path.exists(TALON_PY)
    with tempfile.TemporaryDirectory() as tmp:
        cf, tf = os.path.join(tmp, "celesta.h5"), os.path.join(tmp, "talon.h5")

        def row(label, c, t, unit=""):
            if c is None:
                print(f"{label:<44} celesta failed")
                return
            if t is None:
                print(f"{label:<44} celesta {c['seconds']:.3f} s   talon skipped")
                return
            print(f"{label:<44} celesta {c['seconds']:.3f} s   talon {t['seconds']:.3f} s   {t['seconds'] / c['seconds']:.1f}x{unit}"
                  f"   (CPU time: celesta {c['cpu']:.3f} s on all threads, talon {t['cpu']:.3f} s)")

        n = a.events
        cw = run(CELESTA_PY, "celesta", "write", cf, n, a.repeat)
        tw = run(TALON_PY, "talon", "write", tf, n, a.repeat) if talon_ok else None
        row(f"write_h5 {n:,} events (gzip 4)", cw, tw)
        if cw and tw:
            print(f"{'':<44} file sizes: celesta {cw['bytes']:,} B, talon {tw['bytes']:,} B")
        cr = run(CELESTA_PY, "celesta", "read", cf, n, a.repeat)
        tr = run(TALON_PY, "talon", "read", tf, n, a.repeat) if talon_ok and tw else None
        row(f"read_h5 {n:,} events (own file)", cr, tr)
        if talon_ok and cw and tw:
            x1 = run(CELESTA_PY, "celesta", "read", tf, n, 1)
            x2 = run(TALON_PY, "talon", "read", cf, n, 1)
            same = x1 and x2 and x1["t_sum"] == tr["t_sum"] and x2["t_sum"] == cr["t_sum"] and x1["n"] == x2["n"] == n
            print(f"{'':<44} cross reads (celesta<-talon file, talon<-celesta file): {'equal' if same else 'DIFFER'}")
        cr = run(CELESTA_PY, "celesta", "rate", "-", n, a.repeat)
        tr = run(TALON_PY, "talon", "rate", "-", n, a.repeat) if talon_ok else None
        row("rate_encode (1000, 4096) x 10 steps, numpy", cr, tr)
        if cr and tr:
            print(f"{'':<44} spikes: celesta {cr['spikes']:,}, talon {tr['spikes']:,} ({'equal' if cr['spikes'] == tr['spikes'] else 'DIFFER'})")


if __name__ == "__main__":
    main()
