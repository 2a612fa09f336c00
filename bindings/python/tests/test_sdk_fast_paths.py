"""The fast paths of the analyses and partitioning from Python give what the plain paths give:

- `_celesta.snapshot_equal` (the kept library copy's check, compared in place) agrees with
  `snapshot(...) == stored` on every kind of value and on truncated or longer snapshots;
- `analyze_graph` makes `GraphStats.layers` on first read, from the library's copy of the graph
  it analysed: the same list as the full JSON gives, whatever the graph became meanwhile, and
  copying, pickling, comparing and assigning work as on a plain dataclass;
- `celesta_ir_graph_partition_json` (the partition metadata, the graph unchanged) equals what
  `celesta_ir_graph_partition` sets, for every algorithm in both modes, and checks its
  arguments."""

import copy
import ctypes
import pickle

import numpy as np
import pytest

from celesta import _celesta, _irlib, graph as cg, ir, sdk
from celesta.graph import _mapping
from celesta.sdk import _analysis


def chain(layers=4, width=3, seed=0):
    rng = np.random.default_rng(seed)
    nodes = {"input": ir.Input(np.array([width]))}
    names = ["input"]
    for i in range(layers):
        nodes[f"fc{i}"] = ir.Affine(weight=rng.standard_normal((width, width)).astype(np.float32),
                                    bias=rng.standard_normal(width).astype(np.float32))
        nodes[f"lif{i}"] = ir.LIF(tau=np.full(width, 10, np.float32), r=np.ones(width, np.float32),
                                  v_leak=np.zeros(width, np.float32), v_threshold=np.ones(width, np.float32))
        names += [f"fc{i}", f"lif{i}"]
    nodes["output"] = ir.Output(np.array([width]))
    names.append("output")
    return ir.Graph(nodes=nodes, edges=list(zip(names, names[1:])), metadata={"tags": ["a", 1, 2.5]})


# --- snapshot_equal --------------------------------------------------------------------------

VALUES = [None, True, False, 0, 1, -1, 1.0, -0.0, float("nan"), "", "a", "ab", [], (), {}, [1], (1,), {"a": 1},
          {"a": 1.0}, ["ab", "c"], ["a", "bc"], np.zeros(2, np.float32), np.zeros(2, np.float64),
          np.zeros((1, 2), np.float32), np.ones(2, np.float32), {"k": [np.arange(3), ("x", 2.5)]}]


def snap(v):
    return _celesta.snapshot(v, {}, np.ndarray, {})


def equal(v, stored):
    return _celesta.snapshot_equal(v, {}, np.ndarray, {}, stored)


def test_snapshot_equal_agrees_with_comparing_snapshots():
    snaps = [snap(v) for v in VALUES]
    for i, v in enumerate(VALUES):
        for j, s in enumerate(snaps):
            assert equal(v, s) is (snaps[i] == s), (VALUES[i], VALUES[j])
        s = snaps[i]
        assert equal(v, s[:-1]) is False  # truncated
        assert equal(v, s + b"\0") is False  # longer
        assert equal(v, b"") is False
        if len(s) > 1:  # any one byte changed
            for k in (0, len(s) // 2, len(s) - 1):
                assert equal(v, s[:k] + bytes([s[k] ^ 1]) + s[k + 1:]) is False


def test_snapshot_equal_none_and_errors():
    stored = snap([1, 2])
    for bad in (object(), 1 << 64, np.zeros((3, 3))[:, 1], "\ud800"):
        assert equal(bad, snap(bad) or b"") is None
    assert equal([1, object()], stored) is None  # the first item matches, then no snapshot
    assert equal([2, object()], stored) is False  # a difference comes first
    with pytest.raises(TypeError):
        _celesta.snapshot_equal(1, {}, np.ndarray, {}, "not bytes")
    with pytest.raises(TypeError):
        _celesta.snapshot_equal(1, {}, np.ndarray, {})


def test_graph_snapshot_equal_sees_in_place_changes():
    g = chain()
    stored = ir._snapshot(g)
    assert ir._snapshot_equal(g, stored) is True
    g.nodes["fc1"].weight.view(np.uint8)[-1] ^= 1
    assert ir._snapshot_equal(g, stored) is False
    g.nodes["fc1"].weight.view(np.uint8)[-1] ^= 1
    assert ir._snapshot_equal(g, stored) is True
    g.nodes["lif0"].core_id = 1
    assert ir._snapshot_equal(g, stored) is False
    assert ir._snapshot_equal(g, ir._snapshot(g)) is True
    g.metadata["x"] = object()
    assert ir._snapshot_equal(g, stored) is False


# --- lazy layers ----------------------------------------------------------------------------

def eager(g, talon_compatible=None):
    """GraphStats from the full JSON (layers made at once), as before the lazy path."""
    h = g._handle()
    doc = _analysis._call_json(_analysis._lib.celesta_ir_analyze_json, h, _irlib.flags_for(talon_compatible))
    return _analysis._stats(doc)


@pytest.mark.parametrize("compatible", [False, True])
def test_lazy_layers_equal_the_eager_ones(compatible):
    g = chain()
    stats = sdk.analyze_graph(g, talon_compatible=compatible)
    assert "layers" not in vars(stats)
    full = eager(g, compatible)
    assert stats == full
    assert "layers" in vars(stats) and "_layers_from" not in vars(stats)
    assert stats.layers is stats.layers
    assert [l.name for l in stats.layers] == list(g.nodes)
    assert all(type(l) is sdk.LayerStats for l in stats.layers)
    assert stats.layers[1].config == full.layers[1].config and isinstance(stats.layers[1].input_shape, tuple)


def test_lazy_layers_describe_the_graph_as_it_was_analysed():
    g = chain()
    stats = sdk.analyze_graph(g)
    before = eager(g)
    g.nodes["fc0"].weight = np.zeros((5, 3), np.float32)
    g.nodes["extra"] = ir.Affine(weight=np.ones((2, 2), np.float32), bias=np.ones(2, np.float32))
    assert stats.layers == before.layers
    assert stats.total_params == before.total_params


def test_lazy_layers_copy_pickle_assign():
    g = chain()
    for make in (copy.copy, copy.deepcopy, lambda s: pickle.loads(pickle.dumps(s))):
        stats = sdk.analyze_graph(g)
        other = make(stats)
        assert "_layers_from" not in vars(other)
        assert other == stats and other.layers == eager(g).layers
    stats = sdk.analyze_graph(g)
    stats.layers = ["mine"]
    assert stats.layers == ["mine"] and "_layers_from" not in vars(stats)
    stats = sdk.analyze_graph(g)
    stats.layers.append("more")
    assert stats.layers[-1] == "more" and len(stats.layers) == len(g.nodes) + 1
    assert sdk.GraphStats().layers == [] and sdk.GraphStats(layers=[1]).layers == [1]
    assert "layers=[LayerStats(" in repr(sdk.analyze_graph(g))
    empty = sdk.analyze_graph(ir.Graph())
    assert empty.layers == [] and empty.node_count == 0


def test_analyze_without_layers_flag():
    g = chain()
    h = g._handle()
    doc = _analysis._call_json(_analysis._lib.celesta_ir_analyze_json, h, _analysis._WITHOUT_LAYERS)
    full = _analysis._call_json(_analysis._lib.celesta_ir_analyze_json, h, 0)
    assert "layers" not in doc
    assert doc == {k: v for k, v in full.items() if k != "layers"}
    n = ctypes.c_size_t()
    invalid = _celesta.status_codes()["CELESTA_ERR_INVALID_ARGUMENT"]
    assert _analysis._lib.celesta_ir_analyze_json(None, 0, ctypes.byref(n), h.ptr, 16) == invalid
    assert b"'flags'" in _irlib._lib.celesta_last_error()


# --- partition without changing the graph ---------------------------------------------------

def set_metadata(g, algorithm, flags, spec):
    h = g._handle()
    _mapping._check(_mapping._lib.celesta_ir_graph_partition(h.ptr, spec, len(spec), algorithm.encode(), flags))
    return _mapping._metadata(h)


@pytest.mark.parametrize("algorithm", ["greedy", "edgemap", "spectral"])
@pytest.mark.parametrize("flags", [0, 1])
@pytest.mark.parametrize("hw", ["zynq_7020", "t1c_asic_target"])
def test_partition_json_equals_the_metadata_partition_sets(algorithm, flags, hw):
    g = chain(layers=30, width=8)
    g.edges.append(("lif3", "fc7"))
    g.edges.append(("fc2", "lif2"))  # a parallel edge
    spec = getattr(cg.HardwareSpec, hw)()
    spec.max_neurons_per_core = 16
    text = spec._json()
    assert _mapping._run_partition(g, spec, algorithm, bool(flags), "partition") == set_metadata(g, algorithm, flags, text)


def test_partition_json_errors_and_graph_unchanged():
    g = chain()
    h = g._shared_handle()
    spec = cg.HardwareSpec.zcu102()._json()
    buf, n = ctypes.create_string_buffer(1 << 16), ctypes.c_size_t()
    lib = _mapping._lib
    codes = _celesta.status_codes()
    assert lib.celesta_ir_graph_partition_json(buf, len(buf), ctypes.byref(n), None, spec, len(spec), b"greedy", 0) == codes["CELESTA_ERR_NULL_POINTER"]
    assert b"'graph'" in _irlib._lib.celesta_last_error()
    assert lib.celesta_ir_graph_partition_json(buf, len(buf), ctypes.byref(n), h.ptr, spec, len(spec), b"nope", 0) == codes["CELESTA_ERR_INVALID_ARGUMENT"]
    assert b"Unknown algorithm: nope" in _irlib._lib.celesta_last_error()
    assert lib.celesta_ir_graph_partition_json(buf, len(buf), ctypes.byref(n), h.ptr, spec, len(spec), b"greedy", 2) == codes["CELESTA_ERR_INVALID_ARGUMENT"]
    assert lib.celesta_ir_graph_partition_json(buf, len(buf), ctypes.byref(n), h.ptr, b"{", 1, b"greedy", 0) == codes["CELESTA_ERR_PARSE"]
    assert b"'spec_json'" in _irlib._lib.celesta_last_error()
    assert lib.celesta_ir_graph_partition_json(buf, 4, ctypes.byref(n), h.ptr, spec, len(spec), b"greedy", 0) == codes["CELESTA_ERR_BUFFER_TOO_SMALL"]
    assert n.value > 4
    assert lib.celesta_ir_graph_partition_json(buf, len(buf), ctypes.byref(n), h.ptr, spec, len(spec), None, 0) == 0
    assert n.value == len(buf.value) + 1
    assert _mapping._metadata(h) is None  # the library's copy holds no partition
    small = cg.HardwareSpec.zynq_7020()
    small.num_cores, small.core_mesh_topology, small.max_neurons_per_core = 1, None, 4
    with pytest.raises(_mapping.HardwareLimitError):
        cg.partition(g, small, "greedy")
    assert g.partition_metadata is None and all(getattr(v, "core_id", None) is None for v in g.nodes.values())
    assert g._shared_handle() is h
