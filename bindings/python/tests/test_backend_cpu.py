"""celesta.backend's cpu backend in Celesta's mode: the input rule, bad input naming the node,
validate before simulate, profile and run with measured latency and per-operation energies."""

import numpy as np
import pytest

import celesta
from celesta import backend, ir

import _talon_cases as tc

CPU = backend.get_backend("cpu")


def mlp():
    return tc.graph("mlp_784_128_10")


def test_input_rule_constant_per_step_and_batch():
    g = mlp()
    x = 3 * np.random.default_rng(0).random(784).astype(np.float32)
    a = CPU.simulate(g, {"input": x}, n_steps=5)
    b = CPU.simulate(g, {"input": x[None]}, n_steps=5)
    c = CPU.simulate(g, {"input": np.tile(x, (5, 1))}, n_steps=5)
    assert a.spike_counts == b.spike_counts == c.spike_counts and sum(a.spike_counts.values()) > 0
    assert np.array_equal(a.outputs["output"], c.outputs["output"])
    batch = CPU.simulate(g, {"input": np.stack([np.tile(x, (5, 1)), np.zeros((5, 784), np.float32)])}, n_steps=5)
    assert batch.batch == 2 and batch.outputs["output"].shape == (2, 10)
    assert np.array_equal(batch.outputs["output"][0], a.outputs["output"])
    assert batch.spike_counts == a.spike_counts  # the zero sequence adds none


@pytest.mark.parametrize("data,match,error", [
    ({"input": np.zeros((32, 784), np.float32)}, "node 'input' \\(Input\\): the input has 32 steps", celesta.ShapeMismatchError),
    ({"input": np.zeros(100, np.float32)}, "node 'input' \\(Input\\): input shape \\[100\\]", celesta.ShapeMismatchError),
    ({"input": np.full(784, np.nan, np.float32)}, "node 'input' \\(Input\\): the input holds NaN", celesta.InvalidArgumentError),
    ({"inp": np.zeros(784, np.float32)}, "input 'inp' is not an Input node", celesta.NotFoundError),
])
def test_bad_inputs_name_the_node(data, match, error):
    with pytest.raises(error, match=match):
        CPU.simulate(mlp(), data, n_steps=3)


def test_missing_input_of_two_is_an_error():
    g = ir.Graph({"a": ir.Input(np.array([2])), "b": ir.Input(np.array([2])), "s": ir.Skip(skip_type="residual"),
                  "o": ir.Output(np.array([2]))}, [("a", "s"), ("b", "s"), ("s", "o")])
    with pytest.raises(celesta.NotFoundError, match="node 'b' \\(Input\\): no input data"):
        CPU.simulate(g, {"a": np.ones(2, np.float32)})
    sim = CPU.simulate(g, {"a": np.ones(2, np.float32), "b": np.full(2, 2, np.float32)})
    assert sim.outputs["o"].tolist() == [3, 3]


def test_talon_quirks_are_one_switch_away():
    g = mlp()
    x = np.zeros((32, 784), np.float32)
    sim = CPU.simulate(g, {"input": x}, n_steps=3, talon_compatible=True)
    assert sim.outputs_valid and sim.timesteps_run == 3


def test_validate_names_unsupported_nodes_and_simulate_never_crashes_on_valid_graphs():
    for name in ("mlp_784_128_10", "conv_snn", "recurrent_lif", "skip_mixed", "kitchen_sink"):
        g = tc.graph(name)
        v = CPU.validate(g)
        if v.is_valid:
            shape = [int(s) for s in next(iter(g.nodes[g.inputs[0]].input_type.values()))]
            sim = CPU.simulate(g, {g.inputs[0]: np.ones(shape, np.float32)}, n_steps=2)
            assert sim.timesteps_run == 2
        else:
            assert v.errors and all("node '" in e or "cycle" in e for e in v.errors), (name, v.errors)
    assert CPU.validate(tc.graph("conv_snn")).is_valid and CPU.validate(tc.graph("kitchen_sink")).is_valid
    bad = ir.Graph({"in": ir.Input(np.array([4])), "box": ir.Dist2BBox(stride=8), "out": ir.Output(np.array([4]))},
                   [("in", "box"), ("box", "out")])
    v = CPU.validate(bad)
    assert not v.is_valid and v.unsupported_nodes == ["box"] and "node 'box' (Dist2BBox)" in v.errors[0]
    with pytest.raises(celesta.UnsupportedError, match="node 'box' \\(Dist2BBox\\)"):
        CPU.simulate(bad, {"in": np.ones(4, np.float32)})


def test_conv_snn_computes_the_conv():
    g = tc.graph("conv_snn")
    x = np.random.default_rng(3).random((1, 28, 28)).astype(np.float32)
    sim = CPU.simulate(g, {"input": x}, n_steps=2, step_by_step=True)
    assert sim.node_states[0]["conv1"].shape == (16, 28, 28)
    assert sim.node_states[0]["pool"].shape == (16, 14, 14)
    assert sim.node_states[0]["fc1"].shape == (128,)


def test_profile_measures_latency_and_counts_real_macs():
    g = tc.graph("conv_snn")
    x = np.random.default_rng(3).random((1, 28, 28)).astype(np.float32)
    p = CPU.profile(g, {"input": x}, n_steps=2)
    t = CPU.profile(g, {"input": x}, n_steps=2, talon_compatible=True)
    assert p.energy_is_estimate and p.latency_source == "measured"
    assert p.per_node_latency["conv1"] > 0 and p.total_latency_us >= p.per_node_latency["conv1"]
    # Celesta counts the conv over its 28x28 outputs; TALON counts its weights once.
    assert p.mac_ops == t.mac_ops + 2 * 16 * 9 * (28 * 28 - 1)
    per_op = CPU.profile(g, {"input": x}, n_steps=2, energy_per_op_pj={"Conv2d": 0.0})
    assert per_op.mac_energy_uj < p.mac_energy_uj
    with pytest.raises(KeyError, match="Unknown energy preset 'nope'"):
        CPU.profile(g, {"input": x}, energy_preset="nope")


def test_run_binds_a_bare_array_and_reports_errors():
    g = mlp()
    r = backend.run(g, np.ones(784, np.float32), timesteps=3)
    assert r.errors == [] and r.timesteps_run == 3 and r.profile is not None and r.energy_estimate_uj > 0
    r = backend.run(g, np.ones(5, np.float32), timesteps=3)
    assert r.errors and "node 'input'" in r.errors[0]
    assert backend.run(g, backend="nope").errors == ["Backend 'nope' not found"]


def test_energy_presets():
    assert backend.get_energy_preset("zcu102")["mac_pj"] == 3.2
    p = backend.get_energy_preset("zcu102")
    p["mac_pj"] = 0
    assert backend.ENERGY_PRESETS["zcu102"]["mac_pj"] == 3.2
    with pytest.raises(KeyError, match="Available: \\['28nm_cmos'"):
        backend.get_energy_preset("x")


@pytest.mark.parametrize("shape", [(784,), (4, 784), (3, 4, 784), (3, 1, 784)])
def test_profile_takes_every_input_form(shape):
    g = mlp()
    x = 3 * np.random.default_rng(1).random(shape).astype(np.float32)
    p = CPU.profile(g, {"input": x}, n_steps=4)
    # Per sample: the weights and neuron parameters, and each node's value (784 + 128 + 128 + 10 + 10 + 10 floats).
    assert p.peak_memory_bytes == p.weight_memory_bytes + p.state_memory_bytes + 4 * (784 + 2 * 128 + 3 * 10)
    batch = shape[0] if len(shape) == 3 else 1
    assert p.mac_ops == 4 * (784 * 128 + 128 * 10) * batch  # a batch's work counts once per sample
    assert sum(p.spike_counts.values()) > 0
