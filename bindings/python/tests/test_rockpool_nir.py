"""Rockpool's own NIR export deploys through Celesta with Rockpool's spikes.

Tests/Fixtures/rockpool/rockpool_to_nir.nir was written once by Rockpool 3.1.0's `to_nir` +
`nir.write` (make_nir_fixture.py beside it; torch is not needed here), with the specification and
the `XyloSim` results Rockpool gave for the same network on Xylo Audio 2 and 3. Celesta reads the
file (`celesta.nir.read`), maps it (Rockpool's export convention recognised: input gain 1, its
`dt` found from the neurons), quantizes, configures and simulates: every weight, threshold, dash
and every recorded value equals Rockpool's."""

import json
from pathlib import Path

import numpy as np
import pytest

from celesta import ir, nir
from celesta.devices.xylo import xa2, xa3
from celesta.transform import quantize_methods as q

FIXTURES = Path(__file__).resolve().parents[3] / "Tests" / "Fixtures" / "rockpool"
EXPECTED = json.loads((FIXTURES / "rockpool_to_nir.json").read_text())
CHIPS = {"xa2": xa2, "xa3": xa3}


def read():
    return nir.read(FIXTURES / EXPECTED["file"])


@pytest.mark.parametrize("name", ["xa2", "xa3"])
@pytest.mark.parametrize("dt", [None, 1e-3])
def test_rockpools_nir_export_deploys_with_rockpools_spikes(name, dt):
    chip, expected = CHIPS[name], EXPECTED["chips"][name]
    spec = chip.mapper(read(), dt=dt)               # no dt: the step of Rockpool's export, from the file
    assert spec["dt"] == pytest.approx(EXPECTED["dt"], rel=1e-6)
    spec.update(q.channel_quantize(**spec))
    for key, value in expected["spec"].items():
        mine = spec[key]
        if key == "aliases":
            assert [list(a) for a in mine] == value
            continue
        mine = np.asarray(mine)
        theirs = np.asarray(value).reshape(mine.shape) if np.asarray(value).size == mine.size else np.asarray(value)
        assert np.array_equal(mine, theirs), key
    config, ok, msg = chip.config_from_specification(**spec)
    assert ok, msg
    x = np.asarray(EXPECTED["input"])
    out, _, rec = chip.XyloSim.from_config(config, dt=EXPECTED["dt"])(x, record=True)
    assert np.asarray(expected["output"]).sum() > 100 and np.asarray(expected["record"]["Spikes"]).max() >= 2
    assert np.array_equal(out, expected["output"])
    for key, value in expected["record"].items():
        assert np.array_equal(rec[key], value), key


def test_rockpools_convention_keeps_the_weights_and_nir_s_own_scales_them():
    """Rockpool's export (r = tau_mem exp(-dt/tau_mem)/dt, w_in 1) maps with its weights
    unchanged; the same node with another w_in is read by NIR's equations, gain
    dt^2 r w_in / (tau_mem tau_syn)."""
    g = read()
    linear = g.nodes["0_LinearTorch"].weight
    spec = xa2.mapper(g)
    np.testing.assert_allclose(spec["weights_in"], np.asarray(linear, float).T, rtol=1e-7)

    lif = g.nodes["1_LIFTorch"]
    nodes = dict(g.nodes)
    nodes["1_LIFTorch"] = ir.CubaLIF(tau_syn=lif.tau_syn, tau_mem=lif.tau_mem, r=lif.r, v_leak=lif.v_leak,
                                     v_threshold=lif.v_threshold, w_in=np.full(8, 2.0, np.float32))
    other = ir.Graph(nodes, list(g.edges))
    spec = xa2.mapper(other, dt=1e-3)
    tau_mem, tau_syn, r = (np.asarray(v, float) for v in (lif.tau_mem, lif.tau_syn, lif.r))
    gain = 1e-3 ** 2 * r * 2.0 / (tau_mem * tau_syn)
    np.testing.assert_allclose(spec["weights_in"], np.asarray(linear, float).T * gain, rtol=1e-6)


def test_a_graph_dt_in_metadata_wins_over_the_one_found_in_the_neurons():
    g = read()
    g2 = ir.Graph(dict(g.nodes), list(g.edges), metadata={"dt": 2e-3})
    spec = xa3.mapper(g2)
    assert spec["dt"] == 2e-3
    # at another step the neurons are not Rockpool's export at that step: NIR's gain applies
    lif = g.nodes["1_LIFTorch"]
    tau_mem, tau_syn, r = (np.asarray(v, float) for v in (lif.tau_mem, lif.tau_syn, lif.r))
    np.testing.assert_allclose(np.asarray(spec["weights_in"])[:, :, 0],
                               np.asarray(g.nodes["0_LinearTorch"].weight, float).T * (2e-3 ** 2 * r / (tau_mem * tau_syn)),
                               rtol=1e-6)
