"""celesta.backend's profile and run as thin callers of the library (celesta_backend_profile,
celesta_backend_run): the presets are the engine's, the Xylo backends' chips come from the chip
table, and their profile gives the cycle model (the same figures as the devices API's
cycles_model / est_clock_freq) and the dev kit's power model, labelled as models."""

import numpy as np
import pytest

import celesta
from celesta import backend
from celesta.backend import _native
from celesta.devices.xylo import syns61300, xa3

from test_backend_xylo import talon_graph

TALON_PRESETS = {"45nm_cmos": (0.9, 0.1, 5.0, 5.0), "28nm_cmos": (0.5, 0.06, 2.5, 2.5), "neuromorphic_int8": (4.6, 0.9, 5.0, 5.0),
                 "zynq_us_plus": (3.2, 0.7, 4.0, 4.0), "zcu102": (3.2, 0.7, 4.0, 4.0), "zynq_7020": (6.5, 1.2, 8.0, 8.0)}


def test_presets_come_from_the_engine_with_talons_values():
    assert list(backend.ENERGY_PRESETS) == list(TALON_PRESETS)
    for name, values in TALON_PRESETS.items():
        p = backend.ENERGY_PRESETS[name]
        assert (p["mac_pj"], p["spike_pj"], p["sram_read_pj"], p["sram_write_pj"]) == values
    assert backend.ENERGY_PRESETS == _native.energy_presets()


def test_xylo_backends_take_their_chip_from_the_chip_table():
    records = {r["name"]: r for r in _native.backends()}
    for name, alias in (("xylo-a2", "xa2"), ("xylo-a3", "xa3"), ("xylo-v1", "xylo_v1")):
        b = backend.get_backend(name)
        assert b.chip_id == records[name]["chip"] == celesta._celesta.chip_find(alias)["id"]
    assert "chip" not in records["cpu"]


def _events(t=60, seed=5):
    return np.random.default_rng(seed).integers(0, 4, size=(t, 3))


def test_xylo_profile_gives_the_cycle_model_and_the_power_model():
    g = talon_graph()
    b = backend.get_backend("xylo-a3")
    x = _events()
    p = b.profile(g, {"input": x}, dt=1.0)
    assert p.latency_source == "cycle model" and p.energy_source == "power model" and p.energy_is_estimate
    # The cycle model at the run's rates, as the devices API computes it from the deployed configuration.
    d = b.compile(g, dt=1.0)
    sim = b.simulate(g, {"input": x}, dt=1.0)
    cfg = d.xylo_config
    steps = sim.timesteps_run
    hidden = min(sim.spike_counts["hidden"] / (steps * cfg.n_hidden), 1.0)
    out = min(sim.spike_counts["output"] / (steps * cfg.n_out), 1.0)
    cycles = xa3.cycles_model(cfg, np.count_nonzero(x) / x.size, hidden, out)
    clock = xa3.est_clock_freq(cfg, 1.0)
    assert p.cycles_per_step == cycles and p.clock_hz == clock
    assert p.total_latency_us == cycles / clock * 1e6 * steps
    assert p.spike_counts == sim.spike_counts and sim.spike_counts["hidden"] > 0
    # The power model: per rail, at that clock over the run's time; energy = power x time.
    assert sorted(p.power_watts) == ["analog", "digital", "io"] and all(w > 0 for w in p.power_watts.values())
    assert p.run_seconds == steps * 1.0
    assert p.power_total_watts == pytest.approx(sum(p.power_watts.values()), rel=1e-15)
    assert p.energy_estimate_uj == pytest.approx(p.power_total_watts * p.run_seconds * 1e6, rel=1e-12)
    # More input events cost more energy on the digital rail.
    busy = b.profile(g, {"input": x + 3}, dt=1.0)
    assert busy.power_watts["digital"] > p.power_watts["digital"]


def test_xylo_run_and_profile_errors():
    g = talon_graph()
    r = backend.run(g, _events(20), timesteps=20, backend="xylo-a3")
    assert r.errors == [] and r.profile.latency_source == "cycle model"
    assert r.energy_estimate_uj == r.profile.energy_estimate_uj > 0
    assert r.outputs["output"].dtype == np.int64 and r.outputs["output"].shape == (20, 2)
    with pytest.raises(celesta.OutOfRangeError, match="event count"):
        backend.get_backend("xylo-a3").profile(g, {"input": np.full((4, 3), 0.5)}, dt=1.0)


def test_xylo_v1_profile_is_a_derived_cycle_model_and_a_derived_power_model():
    """Xylo v1: the Audio 2 cycle model and Audio 2's SNN-core power rail, each labelled as
    derived (no kit or reference behind them), at the run's rates as the devices API computes
    them; on a network both cores run alike, the figures equal Audio 2's own."""
    g = talon_graph()
    b = backend.get_backend("xylo-v1")
    x = _events(40)
    p = b.profile(g, {"input": x}, dt=1.0)
    assert p.latency_source == "derived cycle model" and p.energy_source == "derived power model" and p.energy_is_estimate
    assert any("no reference model or measurement" in n for n in p.model_notes), p.model_notes
    assert any(n.startswith("derived power model: no dev kit") and "syns61300" in n for n in p.model_notes), p.model_notes
    assert any("snn_core rail" in n and "Xylo Audio 2" in n for n in p.model_notes), p.model_notes
    assert not any(n.startswith("power unavailable") for n in p.model_notes)
    cfg = b.compile(g, dt=1.0).xylo_config
    sim = b.simulate(g, {"input": x}, dt=1.0)
    steps = sim.timesteps_run
    hidden = min(sim.spike_counts["hidden"] / (steps * cfg.n_hidden), 1.0)
    out = min(sim.spike_counts["output"] / (steps * cfg.n_out), 1.0)
    cycles, _ = syns61300.cycles_model(cfg, np.count_nonzero(x) / x.size, hidden, out)
    assert p.cycles_per_step == cycles > 0 and p.clock_hz == syns61300.est_clock_freq(cfg, 1.0)
    assert p.total_latency_us == cycles / p.clock_hz * 1e6 * steps
    # The power: Audio 2's snn_core rail alone (no IO or front-end rails), over the same run.
    assert list(p.power_watts) == ["snn_core"] and p.power_watts["snn_core"] > 0
    assert p.power_total_watts == p.power_watts["snn_core"] and p.run_seconds == steps * 1.0
    assert p.energy_estimate_uj == pytest.approx(p.power_total_watts * p.run_seconds * 1e6, rel=1e-12)
    a2 = backend.get_backend("xylo-a2").profile(g, {"input": x}, dt=1.0)
    assert a2.spike_counts == p.spike_counts and a2.clock_hz == p.clock_hz  # the two cores run this network alike
    assert p.power_watts["snn_core"] == a2.power_watts["snn_core"]
    assert a2.power_total_watts > p.power_total_watts  # Audio 2 adds its IO and front-end rails
    # More input events cost more on the core rail, as on Audio 2.
    assert b.profile(g, {"input": x + 3}, dt=1.0).power_watts["snn_core"] > p.power_watts["snn_core"]
    r = backend.run(g, x, timesteps=40, backend="xylo-v1")
    assert r.errors == [] and r.profile.latency_source == "derived cycle model" and r.profile.energy_source == "derived power model"
    assert r.energy_estimate_uj == r.profile.energy_estimate_uj > 0
    # The published models carry no notes.
    assert a2.model_notes == [] and a2.energy_source == "power model"


def test_cpu_profile_errors_keep_their_python_types():
    g = talon_graph()
    cpu = backend.get_backend("cpu")
    with pytest.raises(KeyError, match="Unknown energy preset"):
        cpu.profile(g, energy_preset="7nm")
    with pytest.raises(ValueError, match="energy_per_op_pj"):
        cpu.profile(g, energy_per_op_pj={"Affine": 1.0}, talon_compatible=True)
    p = cpu.profile(g, {"input": np.ones(3, np.float32)}, n_steps=3, energy_per_op_pj={"Affine": 0.0})
    assert p.mac_energy_uj == 0 and p.mac_ops == 3 * (18 + 12) and p.energy_source == "per-operation costs"
