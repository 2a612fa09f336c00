"""Trained elsewhere, deployed with Celesta: an IR graph (TALON's / NIR's primitives) written to
NIR, read back, mapped to Xylo Audio 3 and simulated bit-exactly, equal to the same network
built with celesta.nn; and what Xylo cannot do is refused naming the node."""

import numpy as np
import pytest

import celesta
from celesta import ir, nir
from celesta.devices.xylo import syns61300, xa2, xa3
from celesta.nn import LIF, Linear, Sequential
from celesta.transform import quantize_methods as q

DT = 1e-3


def rockpool_net(rng):
    w1 = rng.normal(0, 1, (4, 12))
    wr = rng.normal(0, 0.5, (12, 12))
    w2 = rng.normal(0, 1, (12, 3))
    tau_mem1, tau_syn1 = rng.uniform(0.01, 0.05, 12), rng.uniform(0.005, 0.03, 12)
    tau_mem2, tau_syn2 = rng.uniform(0.01, 0.05, 3), rng.uniform(0.005, 0.03, 3)
    bias1 = rng.uniform(-0.1, 0.1, 12)
    net = Sequential(Linear((4, 12), weight=w1),
                     LIF(12, tau_mem=tau_mem1, tau_syn=tau_syn1, threshold=1.0, bias=bias1, dt=DT, w_rec=wr),
                     Linear((12, 3), weight=w2), LIF(3, tau_mem=tau_mem2, tau_syn=tau_syn2, threshold=1.0, dt=DT))
    return net, (w1, wr, w2, tau_mem1, tau_syn1, tau_mem2, tau_syn2, bias1)


def cuba(tau_mem, tau_syn, bias):
    """CubaLIF in Rockpool's NIR convention: r = tau_mem/dt, w_in = tau_syn/dt, v_leak = bias*tau_mem/dt."""
    n = len(tau_mem)
    return ir.CubaLIF(tau_syn=tau_syn, tau_mem=tau_mem, r=tau_mem / DT, v_leak=bias * tau_mem / DT,
                      v_threshold=np.ones(n), v_reset=np.zeros(n), w_in=tau_syn / DT)


def ir_net(p):
    w1, wr, w2, tau_mem1, tau_syn1, tau_mem2, tau_syn2, bias1 = p
    nodes = {"input": ir.Input(np.array([4])), "fc1": ir.Linear(weight=w1.T), "lif1": cuba(tau_mem1, tau_syn1, bias1),
             "rec": ir.Linear(weight=wr.T), "fc2": ir.Linear(weight=w2.T), "lif2": cuba(tau_mem2, tau_syn2, np.zeros(3)),
             "output": ir.Output(np.array([3]))}
    edges = [("input", "fc1"), ("fc1", "lif1"), ("lif1", "rec"), ("rec", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"),
             ("lif2", "output")]
    return ir.Graph(nodes, edges, allow_cycles=True)


@pytest.mark.parametrize("chip", [xa3, xa2, syns61300])
def test_nir_graph_deploys_bit_exactly(tmp_path, chip):
    rng = np.random.default_rng(11)
    net, params = rockpool_net(rng)
    path = tmp_path / "net.nir"
    nir.write(path, ir_net(params))
    graph = nir.read(path)                                   # trained elsewhere: only the file is kept

    def deploy(g, **kw):
        spec = chip.mapper(g, weight_dtype="float", threshold_dtype="float", dash_dtype="float", **kw)
        spec.update(q.channel_quantize(**spec))
        config, ok, msg = chip.config_from_specification(**spec)
        assert ok, msg
        return spec, chip.XyloSim.from_config(config, dt=DT)

    spec_ir, sim_ir = deploy(graph, dt=DT)
    spec_nn, sim_nn = deploy(net)
    for key in ("weights_in", "weights_rec", "weights_out", "dash_mem", "dash_syn", "threshold", "bias", "dash_mem_out",
                "dash_syn_out", "threshold_out"):
        assert np.array_equal(spec_ir[key], spec_nn[key]), key
    x = rng.poisson(0.4, (300, 4))
    out_ir, _, rec_ir = sim_ir(x, record=True)
    out_nn, _, rec_nn = sim_nn(x, record=True)
    assert out_ir.sum() > 0 and rec_ir["Spikes"].sum() > 0   # the network is active
    assert np.array_equal(out_ir, out_nn)
    assert np.array_equal(rec_ir["Vmem"], rec_nn["Vmem"])


def test_talon_graph_maps_with_dt_in_steps():
    """TALON's snnTorch convention (tau in steps, r = tau) maps with dt = 1: the weights unchanged."""
    n = 5
    g = ir.Graph({"input": ir.Input(np.array([3])),
                  "fc": ir.Affine(weight=np.full((n, 3), 0.5, np.float32), bias=np.zeros(n, np.float32)),
                  "lif": ir.LIF(tau=np.full(n, 8, np.float32), r=np.full(n, 8, np.float32), v_leak=np.zeros(n, np.float32),
                                v_threshold=np.ones(n, np.float32)),
                  "fc2": ir.Affine(weight=np.full((2, n), 0.5, np.float32), bias=np.zeros(2, np.float32)),
                  "lif2": ir.LIF(tau=np.full(2, 8, np.float32), r=np.full(2, 8, np.float32), v_leak=np.zeros(2, np.float32),
                                 v_threshold=np.ones(2, np.float32)),
                  "output": ir.Output(np.array([2]))},
                 [("input", "fc"), ("fc", "lif"), ("lif", "fc2"), ("fc2", "lif2"), ("lif2", "output")])
    spec = xa3.mapper(g, dt=1)
    assert np.allclose(spec["weights_in"].reshape(3, n), 0.5)
    assert np.allclose(spec["dash_mem"], 3)                   # log2(8 / 1)
    with pytest.warns(xa3.DRCWarning, match="bias is not mapped"):
        g.nodes["fc"].bias = np.full(n, 0.1, np.float32)
        xa3.mapper(g, dt=1)


def test_what_xylo_cannot_do_names_the_node():
    conv = ir.Graph({"input": ir.Input(np.array([1, 8, 8])), "conv": ir.Conv2d(np.ones((2, 1, 3, 3), np.float32), np.zeros(2, np.float32)),
                     "output": ir.Output(np.array([2]))}, [("input", "conv"), ("conv", "output")])
    with pytest.raises(celesta.UnsupportedError, match="node 'conv' \\(Conv2d\\): Xylo has no convolutions"):
        xa3.mapper(conv)
    lif = ir.LIF(tau=np.full(2, 0.02), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2), v_reset=np.full(2, 0.5))
    g = ir.Graph({"input": ir.Input(np.array([2])), "fc": ir.Linear(np.eye(2)), "lif": lif, "output": ir.Output(np.array([2]))},
                 [("input", "fc"), ("fc", "lif"), ("lif", "output")])
    with pytest.raises(celesta.UnsupportedError, match="node 'lif' \\(LIF\\): 'v_reset\\[0\\]' is 0.5"):
        xa3.mapper(g)
    with pytest.raises(TypeError, match="'dt' applies to celesta.ir graphs only"):
        xa3.mapper(Sequential(Linear((2, 2)), LIF(2)), dt=1e-3)
    with pytest.raises(celesta.OutOfRangeError):
        xa3.mapper(g, dt=-1.0)
