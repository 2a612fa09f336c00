#!/usr/bin/env python3
"""NIR file benchmark of `make bench`: write and read of a 1M-parameter NIR graph from C
(Tests/bench/ir_nir.c against the staged library) against nir 1.0.8 (`nir.write`/`nir.read`,
h5py, in the reference venv `.bench/talon-venv` made by scripts/bench_setup.sh) on the same
graph: nir reads the file Celesta wrote (the check that it can) and writes and reads it back.

The graph: Input 500 -> 4 x (Affine 500x500 -> LIF 500) -> Output 500, float32 (1,010,000
parameters). Both sides gzip the arrays by default (nir's h5py level 4); the uncompressed
rows are Celesta's CELESTA_IR_UNCOMPRESSED and nir's compression=None. Each write makes a new
file on both sides (nir's h5py writes in place and never flushes to disk; Celesta flushes a file
that replaces another before the rename, which the "replacing" row shows).

Reads are timed in a fresh process on both sides (a process that has just written 16 MB reads
the same file up to twice as slowly here).

Usage: bench_nir.py IR_NIR_BINARY          (the driver, in the project venv)
       bench_nir.py --nir DIR              (the nir side, in the reference venv; prints JSON)
       bench_nir.py --nir-read FILE        (nir's read of FILE, best of 3; prints seconds)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from bench_ir import timed  # best of N (scripts/ is this script's folder)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF_PY = os.path.join(ROOT, ".bench", "talon-venv", "bin", "python")
REPEAT = 3


def best(fn):
    return timed(fn, REPEAT)


def nir_side(folder: str) -> None:
    import nir
    import numpy as np
    result = {}
    g = nir.read(os.path.join(folder, "celesta.nir"))
    result["params"] = int(sum(np.asarray(v).size for n in g.nodes.values()
                               for k, v in vars(n).items() if k in ("weight", "bias", "tau", "r", "v_leak", "v_threshold")))
    plain = nir.read(os.path.join(folder, "celesta-plain.nir"))
    result["same"] = all(np.array_equal(g.nodes[k].weight, plain.nodes[k].weight) for k in g.nodes if hasattr(g.nodes[k], "weight"))
    out, out_plain = os.path.join(folder, "nir.nir"), os.path.join(folder, "nir-plain.nir")
    def fresh(path, **options):  # a new file each time, as the Celesta rows
        if os.path.exists(path):
            os.remove(path)
        t = time.perf_counter()
        nir.write(path, g, **options)
        return time.perf_counter() - t
    result["write_gzip"] = min(fresh(out) for _ in range(REPEAT))
    result["write_plain"] = min(fresh(out_plain, compression=None) for _ in range(REPEAT))
    os.sync()
    # Reads in a fresh process, as Celesta's: a process that has just written reads slower.
    for key, path in (("read_gzip", out), ("read_plain", out_plain)):
        run = subprocess.run([sys.executable, __file__, "--nir-read", path], check=True, capture_output=True, text=True)
        result[key] = float(run.stdout.strip().splitlines()[-1])
    print(json.dumps(result))


def nir_read(path: str) -> None:
    import nir
    print(best(lambda: nir.read(path))[0])


def keyed(text: str) -> dict:
    return {k: float(v) for k, v in (line.split() for line in text.strip().splitlines())}


def main(binary: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        mine = keyed(subprocess.run([binary, "write", tmp], check=True, capture_output=True, text=True).stdout)
        # Reads in a fresh process (both sides): one that has just written reads slower.
        for key, name in (("read_gzip", "celesta.nir"), ("read_plain", "celesta-plain.nir")):
            mine[key] = keyed(subprocess.run([binary, "read", os.path.join(tmp, name)], check=True, capture_output=True, text=True).stdout)["read_other"]
        print(f"graph: Input 500 -> 4 x (Affine 500x500 -> LIF 500) -> Output, {int(mine['params']):,} float32 parameters; "
              f"Celesta files {os.path.getsize(os.path.join(tmp, 'celesta.nir')):,} B (gzip), "
              f"{os.path.getsize(os.path.join(tmp, 'celesta-plain.nir')):,} B (plain); best of 5 (Celesta), {REPEAT} (nir)")
        ref = None
        if not os.path.exists(os.path.join(ROOT, ".bench", "talon-venv", ".celesta-bench-ok")):
            print("skipped: nir rows (no .bench/talon-venv: scripts/bench_setup.sh could not install nir)")
        else:
            run = subprocess.run([REF_PY, __file__, "--nir", tmp], capture_output=True, text=True)
            if run.returncode != 0:
                print(f"skipped: nir rows (the nir side failed: {run.stderr.strip().splitlines()[-1:]})")
            else:
                ref = json.loads(run.stdout.strip().splitlines()[-1])
        for key, label in [("write_gzip", "celesta_ir_write (NIR, gzip)"), ("read_gzip", "celesta_ir_read  (own file, gzip)"),
                           ("write_plain", "celesta_ir_write (NIR, uncompressed)"), ("read_plain", "celesta_ir_read  (own file, uncompressed)")]:
            text = f"C   {label:<44} {mine[key] * 1e3:8.1f} ms"
            if ref:
                text += f"  {ref[key] / mine[key]:5.1f}x nir ({ref[key] * 1e3:.1f} ms)"
            print(text)
        print(f"C   {'celesta_ir_write (NIR, plain, replacing)':<44} {mine['write_plain_replace'] * 1e3:8.1f} ms"
              "  (over an existing file: flushed to disk before the rename, which nir does not do)")
        if ref:
            other = keyed(subprocess.run([binary, "read", os.path.join(tmp, "nir.nir")], check=True, capture_output=True, text=True).stdout)
            print(f"C   {'celesta_ir_read  (nir-written file, gzip)':<44} {other['read_other'] * 1e3:8.1f} ms  "
                  f"{ref['read_gzip'] / other['read_other']:5.1f}x nir ({ref['read_gzip'] * 1e3:.1f} ms)")
            ok = ref["params"] == int(mine["params"]) and ref["same"]
            print(f"    nir reads Celesta's files: {'yes, ' + format(ref['params'], ',') + ' parameters' if ok else 'NO: ' + str(ref)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--nir":
        nir_side(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "--nir-read":
        nir_read(sys.argv[2])
    else:
        main(sys.argv[1])
