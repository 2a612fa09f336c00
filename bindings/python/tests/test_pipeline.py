"""The Rockpool-style pipeline: celesta.nn -> mapper -> quantizers -> configuration -> XyloSim,
against the Xylo reference pipelines (Tests/Fixtures/xylo/*_pipeline_*.json)."""

import copy
import glob
import json
import os
import warnings

import numpy as np
import pytest

import celesta
from celesta import _celesta
from celesta._buffers import address
from celesta.devices.xylo import syns61201, syns61300, syns65302
from celesta.nn import LIF, Linear, NetworkGraph, Residual, Sequential
from celesta.transform.quantize_methods import channel_quantize, global_quantize

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "xylo")
CHIPS = {"syns61201": syns61201, "syns65302": syns65302, "syns61300": syns61300}
PIPELINES = sorted(p for p in glob.glob(os.path.join(FIXTURES, "*_pipeline_*.json")) if "mapper_errors" not in p)
ERROR_FILES = sorted(glob.glob(os.path.join(FIXTURES, "*_pipeline_mapper_errors.json")))
SPEC_KEYS = ("weights_in", "weights_out", "weights_rec", "dash_mem", "dash_mem_out", "dash_syn", "dash_syn_2",
             "dash_syn_out", "threshold", "threshold_out", "bias", "bias_out")
QUANTIZERS = {
    "global": lambda spec: global_quantize(**spec),
    "global_fuzzy": lambda spec: global_quantize(**spec, fuzzy_scaling=True),
    "channel": lambda spec: channel_quantize(**spec),
}


def load(path):
    with open(path) as f:
        return json.load(f)


def module(layer):
    if layer["type"] == "Linear":
        return Linear((layer["n_in"], layer["n_out"]), weight=layer["weight"])
    if layer["type"] == "LIF":
        return LIF((layer["n_in"], layer["n_out"]), tau_mem=layer["tau_mem"], tau_syn=layer["tau_syn"],
                   threshold=layer["threshold"], bias=layer.get("bias", 0.0), dt=layer["dt"],
                   has_rec=layer.get("has_rec", False), w_rec=layer.get("w_rec"))
    return Residual(*[module(x) for x in layer["layers"]])


def reference_spec(doc):
    spec = {}
    for key, value in doc["mapper_output"]["spec"].items():
        spec[key] = np.asarray(value, dtype=np.float64) if key in SPEC_KEYS else value
    return spec


def test_case_counts():
    assert len(PIPELINES) == 6, PIPELINES
    assert len(ERROR_FILES) == 2, ERROR_FILES


@pytest.mark.parametrize("path", PIPELINES, ids=os.path.basename)
def test_mapper_matches_reference(path):
    doc = load(path)
    chip = CHIPS[doc["chip"]]
    net = Sequential(*[module(layer) for layer in doc["float_network"]["layers"]])
    graph = net.as_graph()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the pipelines map without warnings
        spec = chip.mapper(graph, weight_dtype="float", threshold_dtype="float", dash_dtype="float",
                           rockpool_compatible=True)
    assert spec.pop("mapped_graph") is graph
    ref = doc["mapper_output"]["spec"]
    assert set(spec) == set(ref)
    out = doc["mapper_output"]
    assert spec["weights_in"].ndim == out["weights_in_ndim"]
    for key in SPEC_KEYS:
        expected = np.asarray(ref[key], dtype=np.float64)
        assert spec[key].dtype == np.float64, key
        assert spec[key].shape == expected.shape, key
        if key.startswith("dash"):
            np.testing.assert_allclose(spec[key], expected, rtol=1e-12, atol=0, err_msg=key)
        else:
            assert np.array_equal(spec[key], expected), key
    for key in ("weight_shift_in", "weight_shift_rec", "weight_shift_out", "dt"):
        assert spec[key] == ref[key], key
    assert spec["aliases"] == ref["aliases"]
    n_syn = out["n_syn"]
    assert spec["dash_mem"].shape == (out["n_hidden"],) and spec["weights_out"].shape == (out["n_oen"], out["n_out"])
    if spec["weights_in"].ndim == 3:
        assert spec["weights_in"].shape[1:] == (out["n_ien"], n_syn)


@pytest.mark.parametrize("path", PIPELINES, ids=os.path.basename)
@pytest.mark.parametrize("method", sorted(QUANTIZERS))
def test_quantizers_and_simulation(path, method):
    doc = load(path)
    case = doc["quantized"][method]
    spec = reference_spec(doc)
    before = copy.deepcopy(spec)
    q = QUANTIZERS[method](spec)
    for key, value in before.items():  # the caller's arrays are never modified
        if isinstance(value, np.ndarray):
            assert np.array_equal(spec[key], value), key
    expected = case["quantizer_output"]
    assert set(q) == set(expected)
    for key, value in expected.items():
        value = np.asarray(value)
        assert q[key].dtype.kind == "i", key
        assert q[key].shape == value.shape and np.array_equal(q[key], value), key
    chip = CHIPS[doc["chip"]]
    config, ok, message = chip.config_from_specification(**{**spec, **q})
    sim_expected = (case.get("simulation") or {}).get("expected")
    if sim_expected is None:
        assert case.get("simulation") is None and case.get("simulation_error")
        assert not ok and message
        return
    assert ok, message
    sim = chip.XyloSim.from_config(config)
    out, _, rec = sim.evolve(np.asarray(doc["input"]), record=True)
    assert np.array_equal(out, np.asarray(sim_expected["spikes_out"]))
    for key in ("Vmem", "Isyn", "Isyn2", "Spikes", "Vmem_out", "Isyn_out"):
        if key in sim_expected:
            assert np.array_equal(rec[key], np.asarray(sim_expected[key])), key


def test_rockpool_compatible_only_changes_audio3_two_synapse_dashes():
    doc = load(os.path.join(FIXTURES, "a3_pipeline_multisyn.json"))
    graph = Sequential(*[module(layer) for layer in doc["float_network"]["layers"]]).as_graph()
    buggy = syns65302.mapper(graph, rockpool_compatible=True)
    fixed = syns65302.mapper(graph)
    assert not np.any(buggy["dash_syn_2"]) and np.any(fixed["dash_syn_2"])
    lif = doc["float_network"]["layers"][1]
    tau_syn = np.asarray(lif["tau_syn"])
    np.testing.assert_allclose(fixed["dash_syn_2"], np.log2(tau_syn[1::2] / lif["dt"]), rtol=1e-12)
    assert np.array_equal(buggy["weights_in"], fixed["weights_in"])


def summary_network(layers, note):
    tau_at_dt = None
    if note and "tau_mem[" in note:
        words = note.split()
        tau_at_dt = (int(words[1]), int(words[2].split("[")[1].split("]")[0]))
    modules = []
    for index, layer in enumerate(layers):
        n_in, n_out = layer["n_in"], layer["n_out"]
        if layer["type"] == "Linear":
            w = np.array([((i * 7) % 11 - 5) * 0.1 for i in range(n_in * n_out)]).reshape(n_in, n_out)
            modules.append(Linear((n_in, n_out), weight=w))
        else:
            tau_mem = np.full(n_out, 0.02)
            if tau_at_dt and tau_at_dt[0] == index:
                tau_mem[tau_at_dt[1]] = layer["dt"]
            modules.append(LIF((n_in, n_out), tau_mem=tau_mem, tau_syn=0.01, threshold=1.0, dt=layer["dt"],
                               has_rec=layer.get("has_rec", False),
                               w_rec=np.full((n_out, n_in), 0.1) if layer.get("has_rec") else None))
    return Sequential(*modules)


def key_phrases(message):
    # The rule name ("Design rule X triggered") or the allocation failure.
    if message.startswith("Design rule"):
        return [message.split()[2]]
    if message.startswith("Failed to allocate"):
        return ["Failed to allocate"]
    if "Error replacing module" in message:
        return ["Error replacing module"]
    return []


def test_mapper_error_cases():
    run = 0
    for path in ERROR_FILES:
        doc = load(path)
        chip = CHIPS[doc["chip"]]
        for result in doc["results"]:
            name = f"{doc['case']}/{result['name']}"
            graph = summary_network(result["layers_summary"], result.get("note")).as_graph()
            if result["result"] == "error":
                with pytest.raises(celesta.CelestaError) as info:
                    chip.mapper(graph)
                for phrase in key_phrases(result["message"]):
                    assert phrase in info.value.message, (name, info.value.message)
                if result["message"].startswith("Failed to allocate"):
                    assert isinstance(info.value, celesta.LimitExceededError), name
            else:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    spec = chip.mapper(graph)
                got = [str(w.message) for w in caught if issubclass(w.category, chip.DRCWarning)]
                want = [w.removeprefix("DRCWarning: ") for w in result.get("warnings") or []]
                assert got == want, name
                shapes = result["mapped_shapes"]
                for key in ("weights_in", "weights_rec", "weights_out"):
                    assert list(spec[key].shape) == shapes[key], (name, key)
            run += 1
    assert run == 22


# ---- Behaviour and error paths -------------------------------------------------------------

def small_net(seed=None):
    return Sequential(Linear((3, 5)), LIF(5, tau_mem=0.03, tau_syn=0.01, threshold=0.5), Linear((5, 2)), LIF(2))


def test_default_weights_are_seeded_and_scalars_broadcast():
    a, b = small_net(), small_net()
    assert a.to_json() == b.to_json()
    lif = LIF((4, 2), tau_syn=0.005)
    assert lif.tau_syn.shape == (4,) and lif.tau_mem.shape == (2,) and lif.threshold.tolist() == [1.0, 1.0]
    assert isinstance(a.as_graph(), NetworkGraph)
    assert json.loads(a.to_json())["layers"][1]["type"] == "LIF"


def test_two_synapses_map_to_3d_on_every_chip():
    net = Sequential(Linear((3, 8)), LIF((8, 4)), Linear((4, 2)), LIF(2))
    for chip in (syns61201, syns65302):
        spec = chip.mapper(net.as_graph())
        assert spec["weights_in"].shape == (3, 4, 2) and spec["weights_rec"].shape == (4, 4, 2)


def test_mapper_limits_and_dtypes():
    graph = small_net().as_graph()
    spec = syns61201.mapper(graph, dash_dtype="int8", weight_dtype="float32")
    assert spec["dash_mem"].dtype == np.int8 and spec["weights_in"].dtype == np.float32
    with pytest.raises(celesta.LimitExceededError):
        syns61201.mapper(graph, max_hidden_neurons=4)
    with pytest.raises(celesta.OutOfRangeError, match="max_hidden_neurons"):
        syns61201.mapper(graph, max_hidden_neurons=0)
    with pytest.raises(celesta.OutOfRangeError, match="max_output_neurons"):
        syns61201.mapper(graph, max_output_neurons=10**6)
    assert syns61300.mapper(graph)["weights_in"].ndim == 2 and syns65302.mapper(graph)["weights_rec"].ndim == 3


def test_bad_inputs():
    with pytest.raises(TypeError):
        syns61201.mapper({"layers": []})
    with pytest.raises(ValueError, match="weight"):
        Linear((2, 3), weight=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="tau_mem"):
        LIF(3, tau_mem=[0.1, 0.2])
    with pytest.raises(ValueError, match="finite"):
        LIF(3, threshold=np.nan)
    with pytest.raises(ValueError, match="outputs"):
        Sequential(Linear((2, 3)), LIF(4))
    with pytest.raises(ValueError):
        Residual(Linear((2, 3)), LIF(3))
    with pytest.raises(ValueError, match="has_bias"):
        Linear((2, 3), has_bias=True)
    with pytest.raises(celesta.ParseError):
        _celesta.network_from_json('{"layers": [{"type": "Conv"}]}')
    with pytest.raises(celesta.ParseError):
        _celesta.network_from_json("not json")
    with pytest.raises(celesta.NotFoundError, match="xa9"):
        celesta.devices.xylo._core.mapper("xa9", small_net().as_graph())
    # Design rule: one neuron layer only.
    with pytest.raises(celesta.CelestaError, match="at_least_two_neuron_layers_needed"):
        syns61201.mapper(Sequential(Linear((2, 3)), LIF(3)).as_graph())
    # A time constant <= dt on Xylo Audio 2 names the module and value.
    with pytest.raises(celesta.CelestaError, match="1_LIF"):
        syns61201.mapper(Sequential(Linear((2, 3)), LIF(3, tau_mem=1e-3), Linear((3, 2)), LIF(2)).as_graph())


def test_quantizer_errors_and_inputs():
    spec = syns61201.mapper(small_net().as_graph())
    with pytest.raises(celesta.OutOfRangeError, match="bits_per_weight|weight_bits"):
        global_quantize(**spec, bits_per_weight=1)
    with pytest.raises(celesta.OutOfRangeError, match="threshold_bits"):
        channel_quantize(**spec, bits_per_threshold=40)
    with pytest.raises(celesta.OutOfRangeError, match="threshold"):
        global_quantize(**{**spec, "threshold": np.full(5, np.inf)})
    with pytest.raises(celesta.ShapeMismatchError, match="dash_mem"):
        global_quantize(**{**spec, "dash_mem": np.zeros(3)})
    zero = {**spec, "weights_in": np.zeros_like(spec["weights_in"]), "weights_rec": np.zeros_like(spec["weights_rec"])}
    with pytest.raises(celesta.InvalidArgumentError, match="fuzzy_scaling"):
        global_quantize(**zero, fuzzy_scaling=True)
    with pytest.raises(TypeError):
        global_quantize(weights_in=None, weights_out=spec["weights_out"])
    bias = np.arange(5, dtype=float)
    q1 = channel_quantize(**{**spec, "bias": bias})
    q2 = channel_quantize(**{**spec, "bias": bias})
    assert np.array_equal(bias, np.arange(5)) and np.array_equal(q1["bias"], q2["bias"])
    assert q1["weights_in"].ndim == 3 and q1["weights_rec"].ndim == 3


def test_end_to_end_small_network():
    spec = syns65302.mapper(small_net().as_graph())
    spec.update(global_quantize(**spec))
    config, ok, message = syns65302.config_from_specification(**spec)
    assert ok, message
    out, _, _ = syns65302.XyloSim.from_config(config).evolve(np.ones((20, 3), dtype=int) * 3)
    assert out.shape == (20, 2)


def test_graphs_take_their_arrays_in_binary_and_equal_the_text_form():
    """as_graph() hands the parameter arrays over as float64 buffers ({"$array": k} in the
    layer JSON); the mapped network equals the one read from the full JSON text."""
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..")
    with open(os.path.join(root, "examples", "networks", "kws_default.json")) as f:
        text = f.read()  # recurrence and a residual block
    for net in (small_net(), Sequential.from_json(text)):
        from_arrays = syns61201.mapper(net.as_graph())
        from_text = syns61201.mapper(_graph_from_text(net.to_json()))
        assert from_arrays.keys() == from_text.keys()
        for key in from_arrays:
            if isinstance(from_arrays[key], np.ndarray):
                assert np.array_equal(from_arrays[key], from_text[key]), key
        assert net.as_graph().to_json() == net.to_json()


def _graph_from_text(text):
    """A graph the library reads from the whole JSON text (numbers printed)."""
    graph = NetworkGraph.__new__(NetworkGraph)
    graph._handle = _celesta.network_from_json(text)
    graph.n_in, graph.n_out = json.loads(text)["layers"][0]["n_in"], 0
    return graph


def test_binary_array_references_are_checked():
    w = np.arange(6, dtype=np.float64)
    linear = '{"layers": [{"type": "Linear", "n_in": 2, "n_out": 3, "weight": %s}]}'
    ok = _celesta.network_from_json_arrays(linear % '{"$array": 0}', [address(w)])
    assert ok is not None
    with pytest.raises(celesta.OutOfRangeError, match="refers to array 1"):
        _celesta.network_from_json_arrays(linear % '{"$array": 1}', [address(w)])
    with pytest.raises(celesta.ParseError, match="weight"):
        _celesta.network_from_json_arrays(linear % '{"$array": -1}', [address(w)])
    with pytest.raises(celesta.ParseError, match="weight"):
        _celesta.network_from_json_arrays(linear % '{"$array": 0, "x": 1}', [address(w)])
    with pytest.raises(celesta.ShapeMismatchError):
        _celesta.network_from_json_arrays(linear % '{"$array": 0}', [address(w[:5])])
    bad = w.copy()
    bad[4] = np.inf
    with pytest.raises(celesta.OutOfRangeError, match="finite|inf"):
        _celesta.network_from_json_arrays(linear % '{"$array": 0}', [address(bad)])
    with pytest.raises(ValueError):
        _celesta.network_from_json_arrays(linear % '{"$array": 0}', [(w.ctypes.data, -1)])
