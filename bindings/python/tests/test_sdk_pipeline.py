"""celesta.sdk.run_pipeline against every shared TALON `pipeline` case (talon_compatible=True),
Celesta's own targets (a Xylo chip: deployed and simulated bit-exactly on the chip model), and
its bad input."""

import math

import numpy as np
import pytest

from celesta import backend, ir, sdk
from celesta.devices.xylo import syns65302

import _talon_cases as tc
from test_backend_talon import _check_profile, _check_vector

GRAPHS = tc.FIXTURES / "graphs"


def _close(a, b):
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def _plain(v):
    """As JSON holds it: tuples as lists, dict keys as str."""
    if isinstance(v, (tuple, list)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return v


def _check_analysis(got, want):
    for key, value in want.items():
        g = getattr(got, key)
        if key == "layers":
            assert len(g) == len(value)
            for layer, w in zip(g, value):
                for k, v in w.items():
                    lv = getattr(layer, k)
                    assert _plain(lv) == v, (layer, k)
        else:
            assert _plain(g) == value, key


@pytest.mark.parametrize("case_id", tc.case_ids("pipeline"))
def test_pipeline_cases(case_id):
    c = tc.case(case_id)
    e = c["expected"]
    if case_id == "pipeline.missing_file":
        r = sdk.run_pipeline(str(GRAPHS / "does_not_exist.t1c"), talon_compatible=True)
        assert r.errors == [e["errors"][0].replace("<GRAPHS>", str(GRAPHS))]
        assert r.success is False and r.analysis is None and r.simulation is None
        return
    path = GRAPHS / c["graph_t1c"].split("/")[-1]
    r = sdk.run_pipeline(str(path), sdk.PipelineConfig(**c["args"]["config"]), talon_compatible=True)
    assert r.errors == e["errors"]
    assert r.success == e["success"]
    assert [lr.to_dict() for lr in r.lint_results] == e["lint_results"]
    _check_analysis(r.analysis, e["analysis"])
    assert sorted(r.energy) == sorted(e["energy"])
    for k, v in e["energy"].items():
        assert _close(r.energy[k], v), (k, r.energy[k], v)
    sim = e["simulation"]
    assert r.simulation.spike_counts == sim["spike_counts"]
    assert r.simulation.timesteps_run == sim["timesteps_run"]
    assert r.simulation.errors == sim["errors"]
    assert r.simulation.mac_ops == sim["mac_ops"] and r.simulation.peak_memory_bytes == sim["peak_memory_bytes"]
    assert _close(r.simulation.energy_estimate_uj, sim["energy_estimate_uj"])
    for name, v in sim["outputs"].items():
        _check_vector(r.simulation.outputs[name], v, name)
    if e["profile"] is None:
        assert r.profile is None
    else:
        _check_profile(r.profile, e["profile"], case_id)
    assert list(r.graph.nodes) == e["graph_node_order"]
    assert dict(r.graph.metadata or {}) == e["graph_metadata"]
    assert getattr(r.graph, "partition_metadata", None) == e["graph_partition_metadata"]


def test_the_tutorial_pipeline_call():
    """The end-to-end tutorial's last cell (§14), on the ConvSNN it exports: TALON's numbers
    (§22) in the compatible mode; by default the convolution, ReLU and biases are computed, so a
    zero input drives lif1 through fc1's bias."""
    cfg = sdk.PipelineConfig(target="cpu", timesteps=10, quantize=False, partition=False, lint=True, profile=True)
    for talon in (True, False):
        r = sdk.run_pipeline(str(GRAPHS / "conv_snn.t1c"), cfg, talon_compatible=talon)
        assert r.errors == [] and r.success
        assert r.analysis.total_params == 403538 and r.analysis.depth == 9
        assert r.simulation.timesteps_run == 10 and r.profile.energy_is_estimate
    compat = sdk.run_pipeline(str(GRAPHS / "conv_snn.t1c"), cfg, talon_compatible=True)
    assert compat.simulation.spike_counts == {"lif1": 0, "lif2": 0}
    assert len(compat.lint_results[0].issues) == 4          # TALON's quirk 9: 2 PYTHON_KEYWORD + 2 shapes lost
    by_hand = backend.get_backend("cpu").simulate(ir.read(str(GRAPHS / "conv_snn.t1c")), n_steps=10)
    assert r.simulation.spike_counts == by_hand.spike_counts


def _affine_lif(seed=3):
    rng = np.random.default_rng(seed)
    n_in, n_hid, n_out = 4, 6, 2
    def lif(n):
        return ir.LIF(tau=np.full(n, 0.02, np.float32), r=np.full(n, 20, np.float32), v_leak=np.zeros(n, np.float32),
                      v_threshold=np.ones(n, np.float32))
    nodes = {"input": ir.Input(np.array([n_in])),
             "fc1": ir.Affine(weight=rng.uniform(0.2, 1.0, (n_hid, n_in)).astype(np.float32), bias=np.zeros(n_hid, np.float32)),
             "lif1": lif(n_hid),
             "fc2": ir.Affine(weight=rng.uniform(0.2, 1.0, (n_out, n_hid)).astype(np.float32), bias=np.zeros(n_out, np.float32)),
             "lif2": lif(n_out),
             "output": ir.Output(np.array([n_out]))}
    edges = [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"), ("lif2", "output")]
    return ir.Graph(nodes=nodes, edges=edges)


def test_pipeline_deploys_to_xylo_audio_3_and_simulates_on_the_chip_model(tmp_path):
    g = _affine_lif()
    path = tmp_path / "net.t1c"
    ir.write(str(path), g)
    x = np.random.default_rng(7).integers(0, 6, size=(40, 4))
    r = sdk.run_pipeline(str(path), sdk.PipelineConfig(target="xylo-a3", timesteps=40, lint=False, profile=True),
                         input_data={"input": x})
    assert r.errors == [], r.errors
    d = r.deployment
    assert d is not None and d.metadata["backend"] == "xylo-a3"
    # the deployed configuration run on the devices API's bit-exact simulator gives the same spikes
    sim = syns65302.XyloSim.from_config(d.xylo_config, dt=d.metadata["dt"] or 1e-3)
    out, _, rec = sim(x, record=True)
    np.testing.assert_array_equal(r.simulation.outputs["output"], out)
    assert r.simulation.spike_counts == {"hidden": int(rec["Spikes"].sum()), "output": int(out.sum())}
    assert int(out.sum()) > 0                       # the input drives the network
    assert r.profile.latency_source == "cycle model"
    # TALON's pipeline knows no Xylo target
    compat = sdk.run_pipeline(str(path), sdk.PipelineConfig(target="xylo-a3", timesteps=2), talon_compatible=True)
    assert compat.errors and compat.errors[0].startswith("Backend 'xylo-a3' not found")


def test_pipeline_takes_a_graph_and_overrides():
    g = _affine_lif()
    r = sdk.run_pipeline(g, timesteps=3, lint=False)
    assert r.success and r.simulation.timesteps_run == 3 and r.lint_results == []


def test_pipeline_bad_input():
    g = _affine_lif()
    with pytest.raises(TypeError, match="timestep"):
        sdk.run_pipeline(g, timestep=3)                       # misspelled keyword
    with pytest.raises(TypeError, match="unknown keys"):
        sdk.run_pipeline(g, {"target": "cpu", "bitwidth": 8})
    with pytest.raises(TypeError, match="config must be"):
        sdk.run_pipeline(g, 5)
    with pytest.raises(TypeError, match="timesteps must be an int"):
        sdk.run_pipeline(g, timesteps=2.5)
    with pytest.raises(ValueError, match="num_cores must be >= 1"):
        sdk.run_pipeline(g, num_cores=0)
    with pytest.raises(TypeError, match="source must be"):
        sdk.run_pipeline(42)


def test_pipeline_reports_a_damaged_file(tmp_path):
    bad = tmp_path / "bad.t1c"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 40)
    r = sdk.run_pipeline(str(bad))
    assert not r.success and r.errors[0].startswith(f"Failed to read {bad}")
