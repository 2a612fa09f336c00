"""The Rockpool-style Xylo API: configurations and XyloSim, on every shared simulation vector."""

import json
from pathlib import Path

import numpy as np
import pytest

import celesta
from celesta.devices import xylo
from celesta.devices.xylo import syns61201, syns61300, syns65302, xa2, xa3, xylo_v1

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "Tests" / "Fixtures" / "xylo"
SIM_CASES = sorted(p.stem for p in FIXTURES.glob("*.json") if "_edge_" in p.stem or "_random_" in p.stem)
MODULES = {"syns61201": syns61201, "syns65302": syns65302, "syns61300": syns61300}
SPEC_KEYS = ["weights_in", "weights_rec", "weights_out", "dash_mem", "dash_syn", "dash_syn_2", "threshold", "bias",
             "dash_mem_out", "dash_syn_out", "threshold_out", "bias_out", "weight_shift_in", "weight_shift_rec",
             "weight_shift_out", "aliases"]


def load(name):
    with open(FIXTURES / f"{name}.json") as f:
        return json.load(f)


def spec_of(config):
    return {k: config[k] for k in SPEC_KEYS if k in config}


def test_case_count():
    assert len(SIM_CASES) == 48


def test_aliases():
    assert xa2 is syns61201 and xa3 is syns65302 and xylo_v1 is syns61300
    import celesta.devices.xylo.xa3 as imported
    assert imported is syns65302


@pytest.mark.parametrize("name", SIM_CASES)
def test_reference_vector(name):
    doc = load(name)
    mod = MODULES[doc["chip"]]
    config, ok, msg = mod.config_from_specification(**spec_of(doc["config"]))
    assert config is not None, msg
    sim = mod.XyloSim.from_config(config, dt=doc["config"]["dt"])
    out, state, rec = sim(np.asarray(doc["input"]), record=True)
    assert np.array_equal(out, np.asarray(doc["expected"]["spikes_out"]))
    for key in ["Vmem", "Isyn", "Isyn2", "Spikes", "Vmem_out", "Isyn_out"]:
        assert np.array_equal(rec[key], np.asarray(doc["expected"][key])), key
    # State persists; reset_state() returns to zero state.
    sim.reset_state()
    again, _, _ = sim(np.asarray(doc["input"]))
    assert np.array_equal(again, out)


def test_from_specification_and_state_persistence():
    doc = load("a2_random_small")
    sim = xa2.XyloSim.from_specification(**spec_of(doc["config"]))
    x = np.asarray(doc["input"])
    full, _, _ = sim(x)
    sim.reset_state()
    first, _, _ = sim(x[:40])
    second, _, _ = sim(x[40:])
    assert np.array_equal(np.concatenate([first, second]), full), "state carries across calls"


def test_batches_equal_single_runs():
    doc = load("a3_random_medium_sparse")
    sim = xa3.XyloSim.from_specification(**spec_of(doc["config"]))
    x = np.asarray(doc["input"])
    batch = np.stack([x, x[::-1], np.zeros_like(x)])
    out, _, rec = sim(batch, record=True)
    assert out.shape == (3, x.shape[0], 8) and rec["Vmem"].shape == (3, x.shape[0], 63)
    for b in range(3):
        single, _, _ = xa3.XyloSim.from_specification(**spec_of(doc["config"]))(batch[b])
        assert np.array_equal(out[b], single)


def test_config_save_load_round_trip(tmp_path):
    doc = load("a3_edge_ien_oen")
    config, ok, _ = xa3.config_from_specification(**spec_of(doc["config"]))
    path = tmp_path / "c.json"
    config.save(path)
    back = xylo.XyloConfiguration.load(path)
    assert back == config and back.to_json() == config.to_json()
    d = back.to_dict()
    assert d["weights_in"].shape == (4, 3, 2) and d["weights_out"].shape == (4, 3) and back.n_oen == 4


def test_save_failure_leaves_file(tmp_path):
    config, _, _ = xa2.config_from_specification(**spec_of(load("a2_random_small")["config"]))
    target = tmp_path / "keep.json"
    target.write_text("precious")
    with pytest.raises(celesta.CelestaIOError):
        config.save(tmp_path / "missing-dir" / "x.json")
    assert target.read_text() == "precious"


def test_invalid_values_are_reported_not_wrapped():
    spec = spec_of(load("a2_random_small")["config"])
    spec["weights_in"] = np.asarray(spec["weights_in"])
    spec["weights_in"][1, 2, 0] = 200
    config, ok, msg = xa2.config_from_specification(**spec)
    assert config is None and not ok
    assert "'weights_in[1][2][0]' is 200" in msg


def test_chip_limits_make_config_invalid():
    spec = spec_of(load("a2_random_small")["config"])
    spec["dash_mem"] = np.asarray(spec["dash_mem"])
    spec["dash_mem"][3] = 16
    config, ok, msg = xa2.config_from_specification(**spec)
    assert config is not None and not ok and "'dash_mem[3]' is 16" in msg
    v1 = spec_of(load("v1_random_small")["config"])
    v1["bias"] = np.ones(8, dtype=int)
    config, ok, msg = xylo_v1.config_from_specification(**v1)
    assert not ok and "no bias" in msg


def test_a_failing_batch_element_raises_on_the_caller():
    doc = load("a2_random_small")
    sim = xa2.XyloSim.from_specification(**spec_of(doc["config"]))
    x = np.asarray(doc["input"])
    bad = x.copy()
    bad[3, 1] = 300  # above the 0..255 event counts
    for batch in (np.stack([x, bad]), np.stack([bad, x, x]), np.stack([x, x, x, bad])):
        with pytest.raises(ValueError, match="300"):
            sim(batch)
    out, _, _ = sim(x)
    assert np.array_equal(out, xa2.XyloSim.from_specification(**spec_of(doc["config"]))(x)[0]), "state untouched"


def test_bad_inputs():
    sim = xa2.XyloSim.from_specification(**spec_of(load("a2_random_small")["config"]))
    with pytest.raises(ValueError):
        sim(np.zeros((10, 5), dtype=int))  # wrong channel count
    with pytest.raises(ValueError):
        sim(np.full((10, 4), -1))
    with pytest.raises(ValueError):
        sim(np.full((10, 4), 256))
    with pytest.raises(ValueError):
        sim(np.zeros(4))
    with pytest.raises(ValueError):
        sim(np.full((2, 4), np.nan))  # floats are cast as Rockpool casts them; NaN has no count
    with pytest.raises(TypeError):
        xa2.XyloSim("not a config")
    config, _, _ = xa3.config_from_specification(**spec_of(load("a3_edge_bias")["config"]))
    with pytest.raises(celesta.CelestaError):
        xa2.XyloSim(config)  # mismatched chip


def test_input_buffers_reach_the_library_without_copies_and_are_checked():
    """The extension reads a numpy int32 raster through its buffer (or (address, length));
    any other layout or element type is refused, never reinterpreted."""
    from celesta import _celesta
    sim = xa2.XyloSim.from_specification(**spec_of(load("a2_random_small")["config"]))
    x = np.ascontiguousarray(np.asarray(load("a2_random_small")["input"])[:20], dtype=np.int32)
    expected, _, _ = sim(x)
    n_out = expected.shape[1]
    for form in (x, (x.ctypes.data, x.size)):
        sim.reset_state()
        out = _celesta.sim_evolve(sim._sim, form, 20, 20 * n_out, None)
        assert np.array_equal(np.frombuffer(out, dtype=np.int32).reshape(20, n_out), expected)
    for bad in (x.astype(np.int64), x.astype(np.float32), x.astype(np.uint32), x.astype(">i4"), np.asfortranarray(np.tile(x, (1, 2)))[:, ::2]):
        with pytest.raises((TypeError, BufferError, ValueError)):
            _celesta.sim_evolve(sim._sim, bad, 20, 20 * n_out, None)
    with pytest.raises(TypeError):
        _celesta.sim_evolve(sim._sim, "not a buffer", 20, 20 * n_out, None)
    with pytest.raises(ValueError):
        _celesta.sim_evolve(sim._sim, (x.ctypes.data, -1), 20, 20 * n_out, None)


def test_bad_specifications():
    spec = spec_of(load("a2_random_small")["config"])
    bad = dict(spec, dash_mem=[1, 2, 3])
    config, ok, msg = xa2.config_from_specification(**bad)
    assert config is None and "dash_mem" in msg
    with pytest.raises(TypeError):
        xa2.config_from_specification(**spec, unknown_key=1)
    bad = dict(spec, threshold=np.full(8, np.nan))
    config, ok, msg = xa2.config_from_specification(**bad)
    assert config is None and "non-finite" in msg
    with pytest.raises(celesta.CelestaError):
        xylo.XyloConfiguration.from_json('{"weights_in": 1}')
    with pytest.raises(celesta.CelestaIOError):
        xylo.XyloConfiguration.load("/nonexistent/c.json")
