"""Networks built in real Rockpool 3.1.0 handed to Celesta (Rockpool is never imported by
Celesta: duck typing on its modules and graphs), and Celesta's float simulation against
Rockpool's numpy LIF.

Runs in `.venv-rockpool` (Rockpool 3.1.0 needs numpy < 2; made by scripts/rockpool_venv.sh,
run by scripts/run-tests.sh); skipped where Rockpool is not installed (the project venv).
samna is stubbed (tests/support/samna_stub.py): Rockpool needs it only for its dev-kit
modules."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
import samna_stub  # noqa: E402

samna_stub.install()
rockpool = pytest.importorskip("rockpool")

import celesta  # noqa: E402
from celesta.devices.xylo import xa2, xa3  # noqa: E402
from celesta.transform import quantize_methods as cq  # noqa: E402
from rockpool.nn.combinators import Residual, Sequential  # noqa: E402
from rockpool.nn.modules import LIF, Linear  # noqa: E402


def rp(value):
    """A Rockpool result without its batch dimension of 1."""
    arr = np.asarray(value)
    return arr[0] if arr.ndim >= 3 and arr.shape[0] == 1 else arr


def rockpool_net(seed, two_synapses=False, bias=0.0):
    rng = np.random.default_rng(seed)
    n_syn = 2 if two_synapses else 1
    return Sequential(
        Linear((3, 6 * n_syn), weight=rng.normal(0, 1.2, (3, 6 * n_syn))),
        LIF((6 * n_syn, 6), tau_mem=rng.uniform(0.005, 0.05, 6), tau_syn=rng.uniform(0.002, 0.03, 6 * n_syn),
            threshold=rng.uniform(0.5, 1.5, 6), bias=bias * rng.uniform(0, 1, 6), dt=1e-3),
        Residual(Linear((6, 6), weight=rng.normal(0, 0.8, (6, 6))),
                 LIF(6, has_rec=True, w_rec=rng.normal(0, 0.3, (6, 6)) * (1 - np.eye(6)), dt=1e-3)),
        Linear((6, 2), weight=rng.normal(0, 1.0, (6, 2))),
        LIF(2, tau_mem=np.full(2, 0.02), tau_syn=np.full(2, 0.01), dt=1e-3),  # arrays: Rockpool's mapper indexes them
    )


@pytest.mark.parametrize("seed, two, bias", [(1, False, 0.0), (2, True, 0.0), (3, False, 0.3), (4, True, 0.2)])
def test_float_simulation_equals_rockpools_numpy_lif(seed, two, bias):
    net = rockpool_net(seed, two, bias)
    x = np.random.default_rng(seed + 10).poisson(0.3, (300, 3)).astype(float)
    ref_out, _, ref_rec = net(x, record=True)
    mine = celesta.nn.from_rockpool(net)
    out, _, rec = mine(x, record=True)
    assert out.max() > 1  # several spikes per step happen
    assert np.array_equal(out, rp(ref_out))
    lif = rec["2_Residual"]["1_LIF"]
    ref_lif = ref_rec["2_ModResidual"]["1_LIF"]
    np.testing.assert_allclose(lif["vmem"], rp(ref_lif["vmem"]), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(lif["isyn"], rp(ref_lif["isyn"]), rtol=1e-9, atol=1e-9)
    # state carries over between calls, as Rockpool's does
    ref2, _, _ = net(x[:50])
    out2, _, _ = mine(x[:50])
    assert np.array_equal(out2, rp(ref2))


@pytest.mark.parametrize("chip", ["xa2", "xa3"])
def test_rockpool_graph_maps_as_rockpools_mapper_maps_it(chip):
    from rockpool.devices.xylo import syns61201, syns65302
    theirs_mod, mine_mod = {"xa2": (syns61201, xa2), "xa3": (syns65302, xa3)}[chip]
    net = rockpool_net(5)
    theirs = theirs_mod.mapper(net.as_graph(), weight_dtype="float", threshold_dtype="float", dash_dtype="float")
    mine = mine_mod.mapper(net.as_graph(), weight_dtype="float", threshold_dtype="float", dash_dtype="float")
    for key in ("weights_in", "weights_rec", "weights_out", "dash_mem", "dash_syn", "dash_mem_out", "dash_syn_out",
                "threshold", "threshold_out", "bias", "bias_out"):
        np.testing.assert_allclose(np.asarray(mine[key], float), np.asarray(theirs[key], float), rtol=1e-6,
                                   atol=1e-9, err_msg=key)


@pytest.mark.parametrize("chip", ["xa2", "xa3"])
def test_rockpool_network_deploys_with_rockpools_spikes(chip):
    pytest.importorskip("xylosim")
    from rockpool.devices.xylo import syns61201, syns65302
    from rockpool.transform import quantize_methods as rq
    theirs_mod, mine_mod = {"xa2": (syns61201, xa2), "xa3": (syns65302, xa3)}[chip]
    net = rockpool_net(6)
    x = np.random.default_rng(7).poisson(1.0, (400, 3))
    spec = theirs_mod.mapper(net.as_graph(), weight_dtype="float", threshold_dtype="float", dash_dtype="float")
    spec.update(rq.channel_quantize(**spec))
    ref = theirs_mod.XyloSim.from_specification(**{k: v for k, v in spec.items() if k != "mapped_graph"})
    ref_out, _, ref_rec = ref(x, record=True)

    mine = mine_mod.mapper(net.as_graph(), weight_dtype="float", threshold_dtype="float", dash_dtype="float")
    mine.update(cq.channel_quantize(**mine))
    config, ok, msg = mine_mod.config_from_specification(**mine)
    assert ok, msg
    out, _, rec = mine_mod.XyloSim.from_config(config)(x, record=True)
    assert rp(ref_out).sum() > 0
    assert np.array_equal(out, rp(ref_out))
    assert np.array_equal(rec["Spikes"], rp(ref_rec["Spikes"]))
    kit = celesta.devices.virtual_hdk(chip)
    assert np.array_equal(mine_mod.XyloSamna(kit, config)(x)[0], rp(ref_out))


def test_a_rockpool_module_is_accepted_where_celesta_takes_one():
    rng = np.random.default_rng(8)
    lin, lif = Linear((2, 3), weight=rng.normal(0, 1, (2, 3))), LIF(3, tau_mem=0.03, threshold=0.7)
    net = celesta.nn.Sequential(lin, lif, celesta.nn.Linear((3, 2)), celesta.nn.LIF(2))
    assert np.array_equal(net[0].weight, lin.weight) and np.allclose(net[1].tau_mem, 0.03)
    x = rng.poisson(1.0, (100, 2)).astype(float)
    ref, _, _ = Sequential(lin, lif)(x)
    assert np.array_equal(celesta.nn.Sequential(lin, lif)(x)[0], rp(ref))
    with pytest.raises(TypeError, match="Rockpool's Sequential, Residual, Linear and LIF"):
        from rockpool.nn.modules import Rate
        celesta.nn.from_rockpool(Rate(3))
