"""celesta.ir and celesta.nir against TALON's shared cases, TALON's and nir's files, and nir 1.0.8."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

import celesta
from celesta import ir
from celesta import nir as cnir

FIX = Path(__file__).resolve().parents[3] / "Tests" / "Fixtures"


def case(name):
    return json.loads((FIX / "talon" / "cases" / f"{name}.json").read_text())


def f32(*shape):
    return np.full(shape, 0.5, dtype=np.float32)


def test_constructor_messages_equal_talons():
    results = case("ir_validation.constructors_a")["expected"]["results"]
    w, b = f32(2, 3), f32(2)
    lif = lambda r: dict(tau=f32(3), r=f32(r), v_leak=f32(3), v_threshold=f32(3))
    calls = {
        "SpikingAffine(weight_bits=0)": lambda: ir.SpikingAffine(w, b, weight_bits=0),
        "SpikingAffine(weight_bits=33)": lambda: ir.SpikingAffine(w, b, weight_bits=33),
        "SpikingAffine(accumulator_bits=65)": lambda: ir.SpikingAffine(w, b, accumulator_bits=65),
        "SpikingAffine(weight_bits=24, accumulator_bits=16)": lambda: ir.SpikingAffine(w, b, weight_bits=24, accumulator_bits=16),
        "SpikingAffine(spike_mode='foo')": lambda: ir.SpikingAffine(w, b, spike_mode="foo"),
        "Affine(1-D weight)": lambda: ir.Affine(f32(6), b),
        "Affine(bias mismatch)": lambda: ir.Affine(w, f32(3)),
        "LIF(shape mismatch)": lambda: ir.LIF(**lif(2)),
        "Conv2d(3-D weight)": lambda: ir.Conv2d(f32(4, 2, 3), f32(4)),
    }
    assert set(calls) == set(results)
    for label, expected in results.items():
        with pytest.raises(ValueError) as err:
            calls[label]()
        assert str(err.value) == expected["message"], label
    assert ir.LIF(**lif(3)).output_type["output"].tolist() == [3]


def test_inferred_shapes_talon_mode_and_celesta_correction():
    results = case("ir_shapes.inference_a")["expected"]["results"]
    label = "Conv2d(w 4x2x3x3, pad 1, input [2,8,8])"
    with celesta.talon_compatible():
        n = ir.Conv2d(f32(4, 2, 3, 3), f32(4), padding=(1, 1), input_type={"input": np.array([2, 8, 8])})
    assert n.output_type["output"].tolist() == results[label]["output_type"]["output"]
    n = ir.Conv2d(f32(4, 2, 3, 3), f32(4), padding=(1, 1), input_type={"input": np.array([2, 8, 8])})
    assert n.output_type["output"].tolist() == [4, 8, 8]          # Celesta infers the spatial size
    n = ir.Conv2d(f32(4, 2, 3, 3), f32(4), padding=(1, 1), input_type=np.array([2, 8, 8]), talon_compatible=True)
    assert n.output_type["output"].tolist() == [4]
    p = ir.MaxPool2d(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), ceil_mode=True, input_type=np.array([8, 10, 10]))
    assert p.output_type["output"].tolist() == results["MaxPool2d(k3 s2 p1 ceil, input [8,10,10])"]["output_type"]["output"]


def test_misspelled_keyword_is_refused():
    with pytest.raises(TypeError, match="unexpected keyword argument 'wieght'"):
        ir.Affine(wieght=f32(2, 3), bias=f32(2))


def tutorial_graph():
    rng = np.random.default_rng(0)
    nodes = {
        "input": ir.Input(np.array([784])),
        "fc1": ir.Affine(weight=rng.standard_normal((128, 784)).astype(np.float32) * 0.01, bias=np.zeros(128, dtype=np.float32)),
        "lif1": ir.LIF(tau=np.ones(128, dtype=np.float32) * 10.0, r=np.ones(128, dtype=np.float32),
                       v_leak=np.zeros(128, dtype=np.float32), v_threshold=np.ones(128, dtype=np.float32)),
        "fc2": ir.Affine(weight=rng.standard_normal((10, 128)).astype(np.float32) * 0.01, bias=np.zeros(10, dtype=np.float32)),
        "lif2": ir.LIF(tau=np.ones(10, dtype=np.float32) * 10.0, r=np.ones(10, dtype=np.float32),
                       v_leak=np.zeros(10, dtype=np.float32), v_threshold=np.ones(10, dtype=np.float32)),
        "output": ir.Output(np.array([10])),
    }
    edges = [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"), ("lif2", "output")]
    return ir.Graph(nodes=nodes, edges=edges)


def test_backend_tutorial_graph_and_t1c_round_trip(tmp_path):
    g = tutorial_graph()
    assert (len(g.nodes), len(g.edges)) == (6, 5)
    g.validate()
    assert g.is_dag and g.inputs == ["input"] and g.outputs == ["output"]
    assert g.topological_order() == ["input", "fc1", "lif1", "fc2", "lif2", "output"]
    path = tmp_path / "mlp.t1c"
    ir.write(path, g)
    assert ir.read_version(path) == "0.0.1"
    back = ir.read(path)
    assert list(back.nodes) == list(g.nodes)                      # Celesta keeps the order
    for name in g.nodes:
        assert back.nodes[name] == g.nodes[name], name
    assert back.nodes["fc1"].weight.dtype == np.float32
    talon = ir.read(path, talon_compatible=True)
    assert list(talon.nodes) == sorted(g.nodes)                   # TALON reads names in HDF5 order


@pytest.mark.parametrize("name", ["conv_snn", "kitchen_sink", "mlp_seed_backend", "recurrent_lif", "skip_mixed"])
def test_talon_files_read_as_talon_reads_them(name):
    expected = case(f"ir_roundtrip.{name}")["expected"]
    with celesta.talon_compatible():
        g = ir.read(FIX / "talon" / "graphs" / f"{name}.t1c")
    assert list(g.nodes) == expected["node_order_after_read"]
    assert [list(e) for e in g.edges] == expected["edges_after_read"]
    assert {n: type(v).__name__ for n, v in g.nodes.items()} == expected["node_types_after_read"]
    assert g.get_stage() == expected["stage_after_read"]
    for n, v in g.nodes.items():
        io = expected["io_types_after_read"][n]
        assert {k: a.tolist() for k, a in (v.input_type or {}).items()} == io["input_type"], n
        assert {k: a.tolist() for k, a in (v.output_type or {}).items()} == io["output_type"], n


def test_bad_files_raise_talon_format_error(tmp_path):
    src = (FIX / "talon" / "graphs" / "skip_mixed.t1c").read_bytes()
    for k in range(1, 16):
        p = tmp_path / f"cut{k}.t1c"
        p.write_bytes(src[: len(src) * k // 16])
        with pytest.raises((ir.TALONFormatError, celesta.CelestaError)):
            ir.read(p)
    with pytest.raises(OSError):
        ir.read(tmp_path / "missing.t1c")


def test_nir_files_read_and_round_trip_through_nir_package(tmp_path):
    nir = pytest.importorskip("nir")
    for path in sorted((FIX / "nir").glob("*.nir")):
        expected = json.loads(path.with_suffix(".json").read_text())["graph_as_read"]
        g = cnir.read(path)
        assert set(g.nodes) == set(expected["nodes"]), path.name
        assert [list(e) for e in g.edges] == expected["edges"], path.name
        out = tmp_path / path.name
        cnir.write(out, g)
        theirs = nir.read(str(out))                                # nir 1.0.8 reads Celesta's file
        assert set(theirs.nodes) == set(expected["nodes"]), path.name
        for name, node in theirs.nodes.items():
            assert type(node).__name__ == expected["nodes"][name]["type"], (path.name, name)
    # nir writes, Celesta reads; Celesta writes, nir reads: the arrays survive both ways.
    g = tutorial_graph()
    back = cnir.from_nir(cnir.to_nir(g))
    assert np.array_equal(back.nodes["fc1"].weight, g.nodes["fc1"].weight)
    assert back.nodes["fc1"].weight.dtype == np.float32


def test_register_node_subclass_round_trips_through_files(tmp_path):
    @ir.register_node
    class GainLIF(ir.LIF):
        """A LIF with an input gain (a user primitive)."""
        gain: np.ndarray
        label: str = "g"

    n = GainLIF(tau=f32(3), r=f32(3), v_leak=f32(3), v_threshold=f32(3), gain=np.arange(3, dtype=np.float32))
    assert isinstance(n, ir.LIF) and n.label == "g" and n.output_type["output"].tolist() == [3]
    assert "GainLIF" in ir.list_primitives() and ir.str_to_node("GainLIF") is GainLIF
    with pytest.raises(ValueError, match="All LIF parameters must have same shape"):   # the base's checks
        GainLIF(tau=f32(3), r=f32(2), v_leak=f32(3), v_threshold=f32(3), gain=f32(3))
    with pytest.raises(ValueError, match="missing required argument: 'gain'"):
        GainLIF(tau=f32(3), r=f32(3), v_leak=f32(3), v_threshold=f32(3))
    g = ir.Graph({"input": ir.Input(np.array([3])), "n": n, "output": ir.Output(np.array([3]))},
                 [("input", "n"), ("n", "output")])
    ir.write(tmp_path / "g.t1c", g)
    back = ir.read(tmp_path / "g.t1c").nodes["n"]
    assert type(back) is GainLIF and np.array_equal(back.gain, n.gain) and back.label == "g"
    with pytest.raises(TypeError):
        ir.register_node(int)
    with pytest.raises(ValueError, match="built-in primitive"):
        ir.register_node(type("LIF", (ir.Node,), {}))


@pytest.mark.parametrize("talon_compatible", [False, True])
def test_pair_fields_of_a_talon_file_read_as_tuples(talon_compatible):
    """TALON's reader gives the pair-like fields (stride, padding, dilation, kernel_size) back as
    tuples; so does Celesta's, so that counts of array fields (profile, viz) agree with TALON's."""
    g = ir.read(str(Path(__file__).resolve().parents[3] / "Tests" / "Fixtures" / "talon" / "graphs" / "conv_snn.t1c"), talon_compatible=talon_compatible)
    conv, pool = g.nodes["conv1"], g.nodes["pool"]
    for value, want in ((conv.stride, (1, 1)), (conv.padding, (1, 1)), (conv.dilation, (1, 1)),
                        (pool.kernel_size, (2, 2)), (pool.stride, (2, 2))):
        assert type(value) is tuple and value == want
    assert isinstance(conv.weight, np.ndarray)


def test_a_graph_copies_deeply_and_pickles():
    """`copy.deepcopy` and pickle rebuild a Graph and its Edges; the copy is independent."""
    import copy
    import pickle
    g = ir.Graph({"input": ir.Input(np.array([3])), "fc": ir.Affine(weight=np.eye(3, dtype=np.float32), bias=np.zeros(3, np.float32)),
                  "output": ir.Output(np.array([3]))}, [("input", "fc"), ("fc", "output")])
    for c in (copy.deepcopy(g), pickle.loads(pickle.dumps(g)), copy.copy(g)):
        assert [tuple(e) for e in c.edges] == [("input", "fc"), ("fc", "output")]
        assert all(type(e) is ir.Edge for e in c.edges) and c.edges[0].source == "input" and c.edges[1].target == "output"
    d = copy.deepcopy(g)
    d.nodes["fc"].weight[0, 0] = 5.0
    assert g.nodes["fc"].weight[0, 0] == 1.0
    assert d.nodes["fc"].weight[0, 0] == 5.0


@pytest.mark.parametrize("talon_compatible", [False, True])
def test_a_talon_written_file_reads_back_with_its_shapes_in_celestas_mode(talon_compatible):
    """TALON stores no port shapes and no node order in a `.t1c`: Celesta's mode restores both
    from the edges (so the conv layer counts its FLOPs again); the compatible mode reads as TALON
    does (alphabetical order, Conv2d [C], pooling and Flatten without shapes)."""
    g = ir.read(str(Path(__file__).resolve().parents[3] / "Tests" / "Fixtures" / "talon" / "graphs" / "conv_snn.t1c"), talon_compatible=talon_compatible)
    order = list(g.nodes)
    if talon_compatible:
        assert order == sorted(order)
        assert g.nodes["conv1"].output_type["output"].tolist() == [16]
        assert not g.nodes["pool"].output_type
    else:
        assert order == ["input", "conv1", "relu", "pool", "flatten", "fc1", "lif1", "fc2", "lif2", "output"]
        assert g.nodes["conv1"].output_type["output"].tolist() == [16, 28, 28]
        assert g.nodes["pool"].output_type["output"].tolist() == [16, 14, 14]
        assert g.nodes["flatten"].output_type["output"].tolist() == [3136]


def test_an_element_wise_node_keeps_its_input_shape_and_refuses_a_huge_one():
    """Celesta's mode: a ReLU given an input shape of `features` elements keeps that shape
    (TALON: `[features]`); an input shape of more than 2^40 elements (here one whose element
    count overflows) is refused, naming the node, port and shape."""
    r = ir.ReLU(features=12544, input_type={"input": np.array([16, 28, 28])})
    assert r.output_type["output"].tolist() == [16, 28, 28]
    t = ir.ReLU(features=12544, input_type={"input": np.array([16, 28, 28])}, talon_compatible=True)
    assert t.output_type["output"].tolist() == [12544]
    with pytest.raises(celesta.LimitExceededError, match=r"input port 'input' has shape \(4611686018427387904, 4611686018427387904, 4\)"):
        ir.ReLU(features=4, input_type={"input": np.array([2**62, 2**62, 4])})
    ok = ir.ReLU(features=4, input_type={"input": np.array([2**40])})
    assert ok.output_type["output"].tolist() == [4]   # 2^40 elements are allowed; not `features` of them
