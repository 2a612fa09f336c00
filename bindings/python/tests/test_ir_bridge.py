"""The bridge between celesta.ir graphs and the library: the JSON text written straight for a
graph is the text of Graph._json, the arrays go over in bulk whatever their dtype, order or
layout, and a graph comes back with every value, dtype and shape, in arrays of its own."""

import json

import numpy as np
import pytest

from celesta import _irlib, ir


def kitchen_sink():
    """Nodes of every kind of value the text writer treats apart."""
    nodes = {
        "in": ir.Input(np.array([4])),
        "fc": ir.Affine(weight=np.arange(12, dtype=np.float32).reshape(3, 4), bias=np.ones(3, np.float32)),
        "lin": ir.Linear(weight=np.ones((3, 3), np.float64)),
        "lif": ir.LIF(tau=np.full(3, 10, np.float32), r=np.ones(3, np.float32), v_leak=np.zeros(3, np.float32),
                      v_threshold=np.ones(3, np.float32)),
        "out": ir.Output(np.array([3])),
    }
    # Values that are not arrays: strings, ints, dicts (with arrays inside), NaN.
    nodes["fc"].precision = "int8"
    nodes["fc"].core_id = 2
    nodes["lif"].hardware_hints = {"a": (1, 2), "b": float("nan"), "w": np.arange(3, dtype=np.int16)}
    # Port shapes that are not one int64 vector.
    nodes["lin"].input_type = {"input": np.array([[3]], dtype=np.int32)}
    nodes["lin"].output_type = {"output": [3], "extra": np.array([1, 2])}
    edges = [("in", "fc"), ("fc", "lin"), ("lin", "lif"), ("lif", "out")]
    g = ir.Graph(nodes, edges, metadata={"note": "x", "arr": np.eye(2)})
    g.quantization_config = {"bits": 8}
    return g


def test_text_is_the_json_of_the_graph():
    odd_names = ir.Graph({"in": ir.Input(np.array([2])), 7: ir.Input(np.array([3])), "é\n": ir.Input(np.array([1]))},
                         [("in", "nowhere"), ("x", "in"), ("é\n", "in")])
    for g in (kitchen_sink(), odd_names):
        fast, slow = _irlib.Encoder(), _irlib.Encoder()
        text = g._json_text(fast)
        doc = g._json(slow)
        for n in doc["nodes"]:  # Node._json puts the name last; key order is not compared
            n.setdefault("name", None)
        assert json.loads(text) == json.loads(json.dumps(doc))
        assert len(fast.arrays) == len(slow.arrays) and all(a is b for a, b in zip(fast.arrays, slow.arrays))


def test_arrays_of_every_layout_go_over_and_come_back():
    values = {
        "f32_big_endian": np.arange(6, dtype=">f4").reshape(2, 3),
        "f64_fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "strided": np.arange(10, dtype=np.int32)[::2],
        "scalar": np.array(7, dtype=np.int64),
        "empty": np.zeros((0, 3)),
        "bools": np.array([True, False, True]),
        "halves": np.array([0.5, 1.5], dtype=np.float16),
        "bytes": np.arange(5, dtype=np.uint8),
        "u64": np.array([2**63 + 5], dtype=np.uint64),
    }
    g = ir.Graph({"in": ir.Input(np.array([2])), "out": ir.Output(np.array([2]))}, [("in", "out")], metadata=dict(values))
    back = ir.Graph._from_handle(g._handle())
    assert list(back.metadata) == list(values)
    for k, v in values.items():
        b = back.metadata[k]
        assert isinstance(b, np.ndarray) and b.dtype == v.dtype.newbyteorder("=") and b.dtype.isnative, k
        assert b.shape == v.shape and np.array_equal(b, v), k
        assert b.flags.c_contiguous and b.flags.writeable, k


def test_graph_comes_back_with_arrays_of_its_own():
    g = kitchen_sink()
    handle = g._handle()
    back = ir.Graph._from_handle(handle)
    del handle  # the library's graph is released: the arrays must not point into it
    assert list(back.nodes) == list(g.nodes) and back.edges == g.edges
    for name, n in g.nodes.items():
        b = back.nodes[name]
        assert type(b) is type(n) and list(vars(b)) == list(vars(n)), name
        for k in n._field_names:
            x, y = getattr(n, k), getattr(b, k)
            if isinstance(x, np.ndarray):
                assert y.dtype == x.dtype and y.shape == x.shape and np.array_equal(x, y), (name, k)
        for k in ("input_type", "output_type"):
            x, y = getattr(n, k), getattr(b, k)
            # (ports are flat int64 vectors, whatever was given)
            assert x.keys() == y.keys() and all(np.array_equal(np.asarray(x[p]).reshape(-1), y[p]) and y[p].dtype == np.int64
                                                and y[p].ndim == 1 for p in x), (name, k)
    # No two arrays share elements: writing one leaves the others alone.
    arrays = [v for n in back.nodes.values() for v in vars(n).values() if isinstance(v, np.ndarray)]
    arrays += [a for n in back.nodes.values() for p in (n.input_type, n.output_type) if p for a in p.values()]
    before = [a.copy() for a in arrays]
    arrays[0][...] = 99
    assert all(np.array_equal(a, b) for a, b in zip(arrays[1:], before[1:]))
    assert np.isnan(back.nodes["lif"].hardware_hints["b"]) and back.nodes["fc"].precision == "int8"
    assert back.quantization_config == {"bits": 8}


def test_node_classes_with_their_own_attribute_rules():
    @ir.register_node
    class WatchedAffine(ir.Affine):  # a property on a port name: attribute by attribute, both ways
        @property
        def input_type(self):
            return self.__dict__.get("_in")

        @input_type.setter
        def input_type(self, v):
            self.__dict__["_in"] = v

    w = WatchedAffine(weight=np.ones((2, 2), np.float32), bias=np.zeros(2, np.float32))
    assert "input_type" not in vars(w) and list(w.input_type) == ["input"]
    g = ir.Graph({"in": ir.Input(np.array([2])), "w": w, "out": ir.Output(np.array([2]))}, [("in", "w"), ("w", "out")])
    fast, slow = _irlib.Encoder(), _irlib.Encoder()
    doc = g._json(slow)
    for n in doc["nodes"]:
        n.setdefault("name", None)
    assert json.loads(g._json_text(fast)) == json.loads(json.dumps(doc))
    assert [a is b for a, b in zip(fast.arrays, slow.arrays)] == [True, True]
    back = ir.Graph._from_handle(g._handle()).nodes["w"]
    assert type(back) is WatchedAffine and "input_type" not in vars(back) and back == w


@pytest.mark.parametrize("layers", [1, 50])
def test_chain_round_trips(layers):
    rng = np.random.default_rng(1)
    nodes = {"input": ir.Input(np.array([4]))}
    edges, prev = [], "input"
    for i in range(layers):
        nodes[f"fc{i}"] = ir.Affine(weight=rng.standard_normal((4, 4)).astype(np.float32), bias=rng.standard_normal(4).astype(np.float32))
        nodes[f"lif{i}"] = ir.LIF(tau=np.full(4, 10, np.float32), r=np.ones(4, np.float32), v_leak=np.zeros(4, np.float32),
                                  v_threshold=np.ones(4, np.float32))
        edges += [(prev, f"fc{i}"), (f"fc{i}", f"lif{i}")]
        prev = f"lif{i}"
    nodes["output"] = ir.Output(np.array([4]))
    edges.append((prev, "output"))
    g = ir.Graph(nodes, edges)
    back = ir.Graph._from_handle(g._handle())
    assert all(back.nodes[k] == v for k, v in g.nodes.items()) and back.edges == g.edges


def test_array_indices_past_the_kept_texts(monkeypatch):
    monkeypatch.setattr(ir, "_INDEX_LIMIT", 5)
    monkeypatch.setattr(ir, "_INDEX_TEXT", [])
    nodes = {f"n{i}": ir.Affine(weight=np.full((2, 2), i, np.float32), bias=np.zeros(2, np.float32)) for i in range(6)}
    g = ir.Graph(nodes, [])
    enc = _irlib.Encoder()
    doc = json.loads(g._json_text(enc))
    assert [n["fields"]["weight"]["$array"] for n in doc["nodes"]] == [0, 2, 4, 6, 8, 10]
    back = ir.Graph._from_handle(g._handle())
    assert all(back.nodes[k] == v for k, v in nodes.items())
