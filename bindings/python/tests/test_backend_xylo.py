"""The Xylo chips as backends of celesta.backend: validation names what the chip cannot take,
compile maps + quantizes + configures, simulate runs the bit-exact simulator (the same result
as the devices API), profile gives the cycle model."""

import numpy as np
import pytest

from celesta import backend, ir
from celesta.devices.xylo import xa3
from celesta.transform import quantize_methods as q

import _talon_cases as tc
from test_ir_xylo import DT, ir_net, rockpool_net


def talon_graph(n=6):
    rng = np.random.default_rng(4)
    return ir.Graph({"input": ir.Input(np.array([3])),
                     "fc": ir.Affine(weight=rng.uniform(0.2, 0.9, (n, 3)).astype(np.float32), bias=np.zeros(n, np.float32)),
                     "lif": ir.LIF(tau=np.full(n, 8, np.float32), r=np.full(n, 8, np.float32), v_leak=np.zeros(n, np.float32),
                                   v_threshold=np.ones(n, np.float32)),
                     "fc2": ir.Affine(weight=rng.uniform(0.2, 0.9, (2, n)).astype(np.float32), bias=np.zeros(2, np.float32)),
                     "lif2": ir.LIF(tau=np.full(2, 8, np.float32), r=np.full(2, 8, np.float32), v_leak=np.zeros(2, np.float32),
                                    v_threshold=np.ones(2, np.float32)),
                     "output": ir.Output(np.array([2]))},
                    [("input", "fc"), ("fc", "lif"), ("lif", "fc2"), ("fc2", "lif2"), ("lif2", "output")])


@pytest.mark.parametrize("name", ["xylo-a2", "xylo-a3", "xylo-v1"])
def test_xylo_validate_names_the_conv(name):
    v = backend.get_backend(name).validate(tc.graph("conv_snn"))
    assert not v.is_valid
    assert v.unsupported_nodes == ["conv1"] and "conv1" in v.errors[0]
    assert backend.get_backend(name).validate(talon_graph()).is_valid


def test_xylo_a3_simulate_equals_the_devices_path():
    rng = np.random.default_rng(11)
    _, params = rockpool_net(rng)
    g = ir_net(params)  # a recurrent CubaLIF network in Rockpool's NIR convention
    b = backend.get_backend("xylo-a3")
    d = b.compile(g, dt=DT)
    assert d.metadata["chip"] == "syns65302" and "weights_in" in d.weight_tables[0]
    x = rng.poisson(0.4, (300, 4))
    sim = b.simulate(g, {"input": x}, dt=DT)
    spec = xa3.mapper(g, dt=DT)
    spec.update(q.channel_quantize(**spec))
    config, ok, _ = xa3.config_from_specification(**{k: v for k, v in spec.items() if k != "mapped_graph"})
    out, _, rec = xa3.XyloSim.from_config(config, dt=DT)(x, record=True)
    assert np.array_equal(sim.outputs["output"], out) and out.sum() > 0
    assert sim.spike_counts["hidden"] == int(rec["Spikes"].sum()) > 0
    p = b.profile(g, {"input": x}, dt=DT)
    assert p.latency_source == "cycle model" and p.cycles_per_step > 0 and p.clock_hz > 0


def test_run_on_xylo():
    r = backend.run(talon_graph(), np.ones((5, 3), np.int32), timesteps=5, backend="xylo-a3", profile=False)
    assert r.errors == [] and r.timesteps_run == 5
