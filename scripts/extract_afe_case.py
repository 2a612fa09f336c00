#!/usr/bin/env python3
"""Turn a Xylo Audio 3 AFE reference vector into plain files for the C harness (no JSON parser
in C): OUT/signal.txt ("N 1" then one float per line, exact repr), OUT/pdm_bits.txt when the
case has them, and OUT/<stage>.txt ("rows cols" then the values) for audio_14bit, filterbank,
dn_spikes and raster.
Usage: extract_afe_case.py CASE.json OUT_DIR"""
import json
import os
import sys


def write_matrix(path, rows, fmt=lambda v: str(int(v))):
    rows = [r if isinstance(r, list) else [r] for r in rows]
    with open(path, "w") as f:
        f.write(f"{len(rows)} {len(rows[0]) if rows else 0}\n")
        for r in rows:
            f.write(" ".join(fmt(v) for v in r) + "\n")


def main():
    case, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(case) as f:
        doc = json.load(f)
    write_matrix(os.path.join(out, "signal.txt"), doc["signal"], fmt=repr)
    stages = doc["stages"]
    for key in ("pdm_bits", "audio_14bit", "filterbank", "dn_spikes", "raster"):
        if key in stages:
            write_matrix(os.path.join(out, f"{key}.txt"), stages[key])


if __name__ == "__main__":
    main()
