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
    bad = np.zeros((3, config.n_in), dtype=np.int32)
    bad[1, -1] = -1
    with pytest.raises(celesta.OutOfRangeError, match=rf"'input\[1\]\[{config.n_in - 1}\]' is -1"):
        kit(bad)
    # The input is checked before anything reaches the kit: it still equals a fresh simulator.
    x = np.random.default_rng(3).integers(0, 4, size=(50, config.n_in))
    assert np.array_equal(kit(x)[0], xa2.XyloSim(config)(x)[0])
    big = load("a2_random_large_dense")
    big_config, _, _ = xa2.config_from_specification(**spec_of(big["config"]))
    if big_config is not None:
        with pytest.raises(celesta.CelestaError, match="RFORAM"):
            xa2.XyloSamna(virtual_hdk("xa2"), big_config)


def _tone(n, fs=48828.125):
    t = np.arange(n) / fs
    return 0.3 * np.sin(2 * np.pi * 900 * t) + 0.2 * np.sin(2 * np.pi * 4100 * t)


def test_xylo_monitor_equals_front_end_then_simulator(tmp_path):
    doc = load("a3_random_medium_dense")
    config, _, _ = xa3.config_from_specification(**spec_of(doc["config"]))
    audio = _tone(50 * 120 + 7)
    mon = xa3.XyloMonitor(virtual_hdk("xa3"), config)
    assert mon.dt == pytest.approx(50 / 48828.125)
    out, _, rec = mon(audio, record_power=True)
    raster = xa3.AFESimExternal(time_reversed_prefix=False)(audio)[0]
    assert out.shape == (120, config.n_out) and raster.shape[0] == 121
    assert np.array_equal(rec["afe_raster"], raster[:120])
    expected = xa3.XyloSim(config)(raster[:120, :config.n_in])[0]
    assert np.array_equal(out, expected)
    assert rec["overruns"] == 0 and rec["digital_power"].shape[0] >= 12

    # The same sound from a WAV file at 16 kHz is resampled as AFESimExternal does.
    import wave
    fs = 16000
    pcm = (_tone(fs // 4, fs) * 32767).astype("<i2")
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(fs), w.writeframes(pcm.tobytes())
    with pytest.warns(UserWarning, match="resampling"):
        out_wav, _, rec_wav = xa3.XyloMonitor(virtual_hdk("xa3"), config)(str(path))
    with pytest.warns(UserWarning, match="resampling"):
        ref = xa3.AFESimExternal(time_reversed_prefix=False)((pcm / 32768.0, fs))[0]
    assert np.array_equal(rec_wav["afe_raster"], ref[:len(rec_wav["afe_raster"])])


def test_slow_clock_overruns_and_afe_samna():
    doc = load("a3_random_medium_dense")
    config, _, _ = xa3.config_from_specification(**spec_of(doc["config"]))
    hdk = virtual_hdk("xa3")
    set_xylo_core_clock_freq(hdk, 1)
    assert xa3.XyloMonitor(hdk, config)(_tone(50 * 40))[2]["overruns"] > 0
    afe = xa3.AFESamna(virtual_hdk("xa3"), select_filters=[0, 3, 5])
    raster, _, rec = afe(_tone(50 * 30))
    assert raster.shape == (30, 3)
    assert np.array_equal(raster, xa3.AFESimExternal(select_filters=[0, 3, 5], time_reversed_prefix=False)(_tone(50 * 30))[0])


def test_monitor_errors():
    doc = load("a3_random_medium_dense")
    config, _, _ = xa3.config_from_specification(**spec_of(doc["config"]))
    with pytest.raises(celesta.InvalidArgumentError, match="carries syns61201"):
        xa3.XyloMonitor(virtual_hdk("xa2"), config)
    with pytest.raises(ValueError, match="'dt' is -0.001"):
        xa3.XyloMonitor(virtual_hdk("xa3"), config, dt=-1e-3)
    with pytest.raises(ValueError, match="front end gives 2 channels"):
        xa3.XyloMonitor(virtual_hdk("xa3"), config, select_filters=[1, 2])
    mon = xa3.XyloMonitor(virtual_hdk("xa3"), config)
    with pytest.raises(celesta.OutOfRangeError, match="14 bits"):
        mon(np.full(100, 1.5))
