#!/usr/bin/env python3
"""Turn a Xylo reference vector into plain files for the C harness (no JSON parser in C):
OUT/config.json (the case's config with its chip), OUT/input.txt ("T n_in" then the counts)
and OUT/<record>.txt ("rows cols" then the values) for every expected record.
Usage: extract_case.py CASE.json OUT_DIR"""
import json
import os
import sys


def write_matrix(path, rows):
    rows = [r if isinstance(r, list) else [r] for r in rows]
    with open(path, "w") as f:
        f.write(f"{len(rows)} {len(rows[0]) if rows else 0}\n")
        for r in rows:
            f.write(" ".join(str(int(v)) for v in r) + "\n")


def main():
    case, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(case) as f:
        doc = json.load(f)
    config = dict(doc["config"], chip=doc["chip"])
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f)
    write_matrix(os.path.join(out, "input.txt"), doc["input"])
    for key, rows in doc["expected"].items():
        write_matrix(os.path.join(out, f"{key}.txt"), rows)


if __name__ == "__main__":
    main()
