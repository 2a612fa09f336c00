"""celesta.hls: hls4ml-style models, the fixed-point simulator against the shared hls4ml cases,
project generation, the g++ C simulation (predict / trace), and bad input."""

import glob
import json
import os
import shutil

import numpy as np
import pytest

import celesta
from celesta import hls

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CASES = sorted(glob.glob(os.path.join(ROOT, "Tests", "Fixtures", "hls4ml", "S*.json")))


def load(path):
    with open(path) as f:
        return json.load(f)


def model_of(case, tmp_path):
    return hls.from_layers(case["layers"], case["hls4ml_config"], output_dir=str(tmp_path / case["id"]))


def test_cases_present():
    assert len(CASES) == 20


@pytest.mark.parametrize("path", CASES, ids=[os.path.basename(p)[:3] for p in CASES])
def test_simulate_equals_hls4ml_csim_at_every_step(path, tmp_path):
    case = load(path)
    m = model_of(case, tmp_path)
    x = np.asarray(case["input"])
    y, tr = m.simulate(x, trace=True)
    want = case["expected"]["csim"]
    assert np.array_equal(y, np.asarray(want["output"]))
    for layer, keys in want["layers"].items():
        for key, rows in keys.items():
            assert np.array_equal(tr[layer][key], np.asarray(rows)), (layer, key)
    # the float reference
    yf = m.simulate(x, reference="float")
    assert np.array_equal(yf, np.asarray(case["expected"]["float"]["output"]))


def test_batched_and_stateful(tmp_path):
    case = load(CASES[0])
    m = model_of(case, tmp_path)
    x = np.asarray(case["input"])
    y = m.simulate(x)
    yb = m.simulate(np.stack([x, x, x]))
    assert yb.shape == (3,) + y.shape and all(np.array_equal(b, y) for b in yb)
    a = m.simulate(x[:7], keep_state=True)
    b = m.simulate(x[7:], keep_state=True)
    assert np.array_equal(np.concatenate([a, b]), y)


def test_simulate_input_dtypes(tmp_path):
    """float32 arrays go to the engine without a copy; every dtype gives the float32 values' result
    (bool / uint8 / int spikes, float64 rounded to float32 as before), batched or not."""
    case = load(CASES[0])
    m = model_of(case, tmp_path)
    rng = np.random.default_rng(3)
    spikes = rng.integers(0, 2, (3, 20, m.n_in))
    want = m.simulate(spikes.astype(np.float64))
    for dtype in (np.float32, np.uint8, np.int64, bool):
        assert np.array_equal(m.simulate(spikes.astype(dtype)), want), dtype
    assert np.array_equal(m.simulate(spikes[1].astype(np.float32)), want[1])
    # a non-contiguous float32 view
    wide = np.zeros((3, 20, 2 * m.n_in), dtype=np.float32)
    wide[:, :, ::2] = spikes
    assert np.array_equal(m.simulate(wide[:, :, ::2]), want)
    real = rng.uniform(-2, 3, (20, m.n_in))
    assert np.array_equal(m.simulate(real), m.simulate(real.astype(np.float32)))
    assert np.array_equal(m.simulate(real, reference="float"), m.simulate(real.astype(np.float32).astype(np.float64), reference="float"))


def test_model_info_and_types(tmp_path):
    case = load([p for p in CASES if "S14" in p][0])
    m = model_of(case, tmp_path)
    assert [l["name"] for l in m.layers] == ["fc1", "lif1", "fc2", "lif2", "readout"]
    assert m.layers[1]["types"]["beta_t"] == "ap_ufixed<8,0>"
    assert m.layers[0]["types"]["accum_t"] == "ap_fixed<20,8>"
    assert m.n_in == 12 and m.n_out == 1


def test_write_refuses_non_empty_folder(tmp_path):
    case = load(CASES[0])
    m = model_of(case, tmp_path)
    files = m.write()
    assert "firmware/parameters.h" in files and "build_prj.tcl" in files
    with pytest.raises(ValueError, match="not empty"):
        m.write()
    assert m.write(overwrite=True) == files


def test_bad_input_names_layer_and_value(tmp_path):
    case = load(CASES[0])
    cfg = json.loads(json.dumps(case["hls4ml_config"]))
    cfg["HLSConfig"]["LayerName"]["fc1"]["Precision"] = {"weight": "ap_fixed<8"}
    with pytest.raises(celesta.ParseError, match=r"fc1.*ap_fixed<8"):
        hls.from_layers(case["layers"], cfg)
    layers = json.loads(json.dumps(case["layers"]))
    layers[-1]["window_size"] = 0
    with pytest.raises(ValueError, match=r"readout.*window_size 0"):
        hls.from_layers(layers, case["hls4ml_config"])
    layers = json.loads(json.dumps(case["layers"]))
    layers[1]["class_name"] = "Conv2D"
    with pytest.raises(celesta.CelestaError, match="Conv2D"):
        hls.from_layers(layers, case["hls4ml_config"])


def test_weights_that_wrap_are_counted(tmp_path):
    layers = [{"name": "x", "class_name": "Input", "n": 2},
              {"name": "fc1", "class_name": "Dense", "n_in": 2, "n_out": 1, "weight": [[5.0], [0.5]], "bias": [0.0]}]
    m = hls.from_layers(layers, {"HLSConfig": {"Model": {"Precision": "ap_fixed<8,3>"}}})
    assert len(m.warnings) == 1 and "fc1" in m.warnings[0] and "1 of 2 weight" in m.warnings[0] and "AP_WRAP" in m.warnings[0]


def _toolchain():
    return shutil.which("g++") and glob.glob(os.path.join(ROOT, ".venv", "lib", "python*", "site-packages", "hls4ml",
                                                          "templates", "vivado", "ap_types", "ap_fixed.h"))


@pytest.mark.skipif(not _toolchain(), reason="needs g++ and the ap_types headers (make installs hls4ml==1.3.0)")
def test_compile_predict_trace_equal_the_simulator(tmp_path):
    case = load([p for p in CASES if "S12" in p][0])
    m = model_of(case, tmp_path)
    m.compile(optimize=True)   # -O2 (the differential test covers -O0): the same numbers
    x = np.asarray(case["input"])
    y = m.predict(x)
    assert np.array_equal(y, np.asarray(case["expected"]["csim"]["output"]))
    # stateful: a second predict continues; trace restarts from zero
    y2 = m.predict(x)
    assert np.array_equal(y2, m.simulate(np.concatenate([x, x]))[len(x):])
    yt, tr = m.trace(x)
    assert np.array_equal(yt, y)
    _, sim_tr = m.simulate(x, trace=True)
    for layer in sim_tr:
        for key in sim_tr[layer]:
            assert np.array_equal(tr[layer][key], sim_tr[layer][key]), (layer, key)


def test_convert_from_ir_graph(tmp_path):
    ir = celesta.ir
    rng = np.random.default_rng(1)
    nodes = {"input": ir.Input(np.array([4]))}
    nodes["fc1"] = ir.Affine(weight=rng.uniform(-1, 1, (6, 4)).astype(np.float32), bias=np.zeros(6, np.float32))
    nodes["lif1"] = ir.LIF(tau=np.full(6, 10, np.float32), r=np.ones(6, np.float32), v_leak=np.zeros(6, np.float32),
                           v_threshold=np.ones(6, np.float32))
    nodes["fc2"] = ir.Affine(weight=rng.uniform(-1, 1, (3, 6)).astype(np.float32), bias=np.zeros(3, np.float32))
    nodes["lif2"] = ir.LIF(tau=np.full(3, 5, np.float32), r=np.ones(3, np.float32), v_leak=np.zeros(3, np.float32),
                           v_threshold=np.ones(3, np.float32))
    nodes["output"] = ir.Output(np.array([3]))
    edges = [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"), ("lif2", "output")]
    g = ir.Graph(nodes, edges)
    m = hls.convert(g, output_dir=str(tmp_path / "p"), readout={"decision_rule": "argmax_spike_count", "window_size": 5})
    assert [l["name"] for l in m.layers] == ["fc1", "lif1", "fc2", "lif2", "readout"]
    assert m.layers[1]["beta"]["value"] == pytest.approx(0.9)
    assert m.layers[3]["beta"]["value"] == pytest.approx(0.8)
    assert m.layers[1]["window_size"] == 5
    # the weight is transposed to [in][out]: Dense fc1 takes 4 inputs to 6 outputs
    assert m.layers[0]["n_in"] == 4 and m.layers[0]["n_out"] == 6
    y = m.simulate(rng.integers(0, 2, (12, 4)))
    assert y.shape == (12, 1)
    # an unsupported primitive names the node
    nodes2 = dict(nodes)
    nodes2["lif1"] = ir.ReLU(features=6)
    with pytest.raises(celesta.CelestaError, match="lif1"):
        hls.convert(ir.Graph(nodes2, edges))
