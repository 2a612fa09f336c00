"""Celesta <-> TALON 0.0.x through .t1c files: TALON reads what Celesta writes, and Celesta reads
what TALON writes, array for array. Skipped where TALON's wheel (CPython 3.11) is missing."""

from pathlib import Path

import numpy as np
import pytest

from celesta import ir

talon = pytest.importorskip("talon.ir")

GRAPHS = Path(__file__).resolve().parents[3] / "Tests" / "Fixtures" / "talon" / "graphs"
NAMES = ["conv_snn", "kitchen_sink", "mlp_seed_backend", "recurrent_lif", "skip_mixed"]


def same_fields(a, b, where):
    """Every dataclass field TALON has, equal (arrays by dtype and value)."""
    for name, value in vars(b).items():
        if name in ("input_type", "output_type") or value is None or (isinstance(value, dict) and not value):
            continue
        mine = getattr(a, name, None)
        if isinstance(value, np.ndarray):
            assert isinstance(mine, np.ndarray) and mine.dtype == value.dtype and np.array_equal(mine, value), (where, name)
        else:
            assert np.array_equal(np.asarray(mine), np.asarray(value)), (where, name, mine, value)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("talon_compatible", [False, True])
def test_talon_reads_what_celesta_writes(tmp_path, name, talon_compatible):
    graph = ir.read(GRAPHS / f"{name}.t1c")
    path = tmp_path / f"{name}.t1c"
    ir.write(path, graph, talon_compatible=talon_compatible)
    theirs = talon.read(str(path))
    reference = talon.read(str(GRAPHS / f"{name}.t1c"))
    assert list(theirs.nodes) == list(reference.nodes)
    assert [(e[0], e[1]) if isinstance(e, tuple) else (e.source, e.dest if hasattr(e, "dest") else e.target)
            for e in theirs.edges] == [(e[0], e[1]) if isinstance(e, tuple) else (e.source, e.dest if hasattr(e, "dest") else e.target)
                                       for e in reference.edges]
    for n in reference.nodes:
        assert type(theirs.nodes[n]).__name__ == type(reference.nodes[n]).__name__, n
        same_fields(theirs.nodes[n], reference.nodes[n], n)
    assert talon.read_version(str(path)) == "0.0.1"


@pytest.mark.parametrize("name", NAMES)
def test_celesta_reads_what_talon_writes(tmp_path, name):
    reference = talon.read(str(GRAPHS / f"{name}.t1c"))
    path = tmp_path / f"{name}.t1c"
    talon.write(str(path), reference)
    mine = ir.read(path, talon_compatible=True)
    assert list(mine.nodes) == list(reference.nodes)
    for n, node in reference.nodes.items():
        assert type(mine.nodes[n]).__name__ == type(node).__name__, n
        same_fields(mine.nodes[n], node, n)
