#!/usr/bin/env python3
"""Writes Sources/CelestaIR/Mapping/PlaceSetOrderTable.swift from
Tests/Fixtures/talon/place_set_order.json (TALON's place() fallback order per mesh shape, a copy
of the reference's table): one line per mesh, `RxC:` then the cells as row * C + col."""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    with open(os.path.join(ROOT, "Tests/Fixtures/talon/place_set_order.json")) as f:
        orders = json.load(f)["orders"]

    def shape(k):
        r, c = map(int, k.split("x"))
        return r, c

    lines = []
    for k in sorted(orders, key=shape):
        r, c = shape(k)
        cells = orders[k]
        if len(cells) != r * c or sorted(map(tuple, cells)) != [(i, j) for i in range(r) for j in range(c)]:
            raise SystemExit(f"mesh {k}: the order is not a permutation of its cells")
        lines.append(f"{r}x{c}:" + ",".join(str(i * c + j) for i, j in cells))
    body = "\\n".join(lines)
    src = f'''// Generated from Tests/Fixtures/talon/place_set_order.json (the reference's place_set_order.json)
// by scripts/gen_place_set_order.py; do not edit by hand.

/// The order in which CPython iterates the set of mesh cells that TALON's `place()` builds row
/// major (reference README §12.4): for each mesh `RxC`, the cells as `row * C + col`, one mesh a
/// line. Independent of PYTHONHASHSEED (tuples of ints hash deterministically).
enum PlaceSetOrderTable {{
    static let text = "{body}"
}}
'''
    with open(os.path.join(ROOT, "Sources/CelestaIR/Mapping/PlaceSetOrderTable.swift"), "w") as f:
        f.write(src)


if __name__ == "__main__":
    main()
