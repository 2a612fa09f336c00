"""Dev kits from Python, Rockpool-style: discovery, XyloSamna on virtual kits (equal to XyloSim on
every deployable shared vector), the clock, power records and the error paths."""

import numpy as np
import pytest

import celesta
from celesta.devices import find_xylo_hdks, set_xylo_core_clock_freq, virtual_hdk
from celesta.devices.xylo import syns61201, syns65302, xa2, xa3

from test_xylo import FIXTURES, MODULES, load, spec_of

KIT_CASES = sorted(p.stem for p in FIXTURES.glob("*.json")
                   if ("_edge_" in p.stem or "_random_" in p.stem) and not p.stem.startswith("v1_")
                   and p.stem != "a2_random_large_dense")


def test_find_xylo_hdks_returns_virtual_kits_asked_for(monkeypatch):
    monkeypatch.delenv("CELESTA_VIRTUAL_HDKS", raising=False)
    hdks, modules, versions = find_xylo_hdks()
    physical = len(hdks)
    assert all(h.kind == "usb" for h in hdks)
    hdks, modules, versions = find_xylo_hdks(virtual=["xa3", "syns61201"])
    assert versions[physical:] == ["syns65302", "syns61201"]
    assert modules[physical:] == [syns65302, syns61201]
    assert hdks[physical].is_virtual and hdks[physical].power_rails == ("io", "analog", "digital")
    monkeypatch.setenv("CELESTA_VIRTUAL_HDKS", "xa2")
    hdks, _, versions = find_xylo_hdks()
    assert versions[physical:] == ["syns61201"]


def test_discovery_errors():
    with pytest.raises(celesta.NotFoundError, match="chip 'zz' is unknown"):
        find_xylo_hdks(virtual="zz")
    with pytest.raises(celesta.UnsupportedError, match="syns61300"):
        virtual_hdk("xylo_v1")


@pytest.mark.parametrize("name", KIT_CASES)
def test_xylo_samna_on_virtual_kit_equals_reference(name):
    doc = load(name)
    mod = MODULES[doc["chip"]]
    config, ok, msg = mod.config_from_specification(**spec_of(doc["config"]))
    assert config is not None, msg
    kit = mod.XyloSamna(virtual_hdk(doc["chip"]), config, dt=1e-3)
    x = np.asarray(doc["input"])
    out, state, rec = kit(x, record=True)
    assert np.array_equal(out, np.asarray(doc["expected"]["spikes_out"]))
    for key in ["Vmem", "Isyn", "Isyn2", "Spikes", "Vmem_out", "Isyn_out"]:
        assert np.array_equal(rec[key], np.asarray(doc["expected"][key])), key


def test_state_persists_and_reset_state():
    doc = load("a3_random_medium_dense")
    config, _, _ = xa3.config_from_specification(**spec_of(doc["config"]))
    kit = xa3.XyloSamna(virtual_hdk("xa3"), config)
    x = np.asarray(doc["input"])
    first = kit(x)[0]
    half = len(x) // 2
    kit.reset_state()
    a = kit(x[:half])[0]
    b = kit(x[half:])[0]
    assert np.array_equal(np.concatenate([a, b]), first)
    vmem = xa3.XyloSamna(virtual_hdk("xa3"), config, output_mode="Vmem")(x)[0]
    assert np.array_equal(vmem, np.asarray(doc["expected"]["Vmem_out"]))


def test_power_record_and_clock():
    doc = load("a2_random_medium_dense")
    config, _, _ = xa2.config_from_specification(**spec_of(doc["config"]))
    hdk = virtual_hdk("xa2")
    assert set_xylo_core_clock_freq(hdk, 12) == 12.5
    assert xa2.set_xylo_core_clock_freq is set_xylo_core_clock_freq
    kit = xa2.XyloSamna(hdk, config, dt=1e-3)
    x = np.tile(np.asarray(doc["input"]), (5, 1))
    out, _, rec = kit(x, record_power=True)
    assert set(rec) == {"io_power", "afe_core_power", "afe_ldo_power", "snn_core_power", "power_times"}
    assert rec["snn_core_power"].shape == (5,)
    assert np.allclose(rec["power_times"], [0.2, 0.4, 0.6, 0.8, 1.0])
    assert np.all(rec["snn_core_power"] > 30e-6)
    quiet = kit(np.zeros_like(x), record_power=True)[2]
    assert np.all(quiet["snn_core_power"] < rec["snn_core_power"]), "activity costs power"
    with pytest.raises(celesta.OutOfRangeError):
        set_xylo_core_clock_freq(hdk, float("nan"))


def test_xylo_samna_errors():
    doc = load("a2_random_small")
    config, _, _ = xa2.config_from_specification(**spec_of(doc["config"]))
    with pytest.raises(celesta.InvalidArgumentError, match="carries syns65302"):
        xa2.XyloSamna(virtual_hdk("xa3"), config)
    with pytest.raises(TypeError, match="XyloHDK"):
        xa2.XyloSamna("not a kit", config)
    with pytest.raises(ValueError, match="output_mode"):
        xa2.XyloSamna(virtual_hdk("xa2"), config, output_mode="Bogus")
    kit = xa2.XyloSamna(virtual_hdk("xa2"), config)
    with pytest.raises(ValueError, match="channels"):
        kit(np.zeros((3, config.n_in + 1), dtype=int))
    with pytest.raises(celesta.OutOfRangeError, match="256"):
        kit(np.full((3, config.n_in), 256))
    big = load("a2_random_large_dense")
    big_config, _, _ = xa2.config_from_specification(**spec_of(big["config"]))
    if big_config is not None:
        with pytest.raises(celesta.CelestaError, match="RFORAM"):
            xa2.XyloSamna(virtual_hdk("xa2"), big_config)
