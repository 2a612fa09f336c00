"""The Xylo Audio 3 audio front end from Python: AFESimExternal / AFESimPDM against the shared
bit-exact vectors, streaming, and the error paths."""

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

import celesta
from celesta.devices.xylo import syns65302, xa3

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "Tests" / "Fixtures" / "xylo"


@lru_cache(maxsize=None)
def case(name):
    with open(FIXTURES / f"{name}.json") as f:
        doc = json.load(f)
    stages = {k: np.asarray(v) for k, v in doc["stages"].items() if k != "pdm_fir"}
    return np.asarray(doc["signal"], dtype=np.float64), stages, doc["params"]


def make(mode):
    return syns65302.AFESimExternal() if mode == "external" else syns65302.AFESimPDM()


def input_of(mode):
    signal, stages, _ = case(f"a3_afe_{mode}_dn")
    return signal if mode == "external" else stages["pdm_bits"].astype(np.float64)


def test_module_exports_rockpool_names():
    assert "AFESimExternal" in syns65302.__all__ and "AFESimPDM" in syns65302.__all__
    assert xa3.AFESimExternal is syns65302.AFESimExternal
    afe = syns65302.AFESimExternal()
    assert afe.size_out == 16 and afe.shape == (1, 16)
    assert afe.dn_rate_scale_bitshift == (6, 0) and afe.dn_low_pass_bitshift == 12
    assert afe.fixed_threshold_vec == 2**27 and afe.down_sampling_factor == 50
    assert afe.dt == pytest.approx(1.024e-3)


@pytest.mark.parametrize("mode", ["external", "pdm"])
def test_bit_exact_every_stage(mode):
    _, stages, params = case(f"a3_afe_{mode}_dn")
    assert params["input_mode"] == mode
    raster, state, record = make(mode)(input_of(mode), record=True)
    assert state == {}
    assert raster.shape == stages["raster"].shape == (245, 16)
    np.testing.assert_array_equal(raster, stages["raster"])
    np.testing.assert_array_equal(record["audio_14bit"], stages["audio_14bit"])
    np.testing.assert_array_equal(record["filterbank"], stages["filterbank"])
    np.testing.assert_array_equal(record["dn_spikes"], stages["dn_spikes"])
    assert raster.sum() > 100 and raster.max() <= 15
    # Without record the raster is the same and the record empty.
    plain, _, rec = make(mode).evolve(input_of(mode))
    np.testing.assert_array_equal(plain, raster)
    assert rec == {}


@pytest.mark.parametrize("mode", ["external", "pdm"])
def test_stream_is_chunk_invariant_and_equals_offline_without_prefix(mode):
    x = input_of(mode)
    afe = make(mode)
    offline, _, off_rec = afe(x, record=True, time_reversed_prefix=False)
    with_prefix, _, _ = afe(x)
    assert not np.array_equal(offline, with_prefix), "the prefix changes the start of the raster"
    assert np.array_equal(syns65302.AFESimExternal(time_reversed_prefix=False)(input_of("external"))[0],
                          syns65302.AFESimExternal()(input_of("external"), time_reversed_prefix=False)[0])
    for chunk in ([1000, 4321, 64] if mode == "pdm" else [1, 50, 97, 5000]):
        afe.reset_state()
        rows, banks = [], []
        for start in range(0, x.size, chunk):
            part = x[start:start + chunk]
            r, _, rec = afe.stream_push(part, flush=start + chunk >= x.size, record=chunk >= 97)
            rows.append(r)
            if rec:
                banks.append(rec["filterbank"])
        np.testing.assert_array_equal(np.concatenate(rows), offline, err_msg=f"chunk {chunk}")
        if banks:
            np.testing.assert_array_equal(np.concatenate(banks), off_rec["filterbank"])


def test_stream_push_reads_any_input_form_alike():
    # A flat float64 array is read in place by one extension call; every other form is
    # converted first: the rows are the same, each push gets its own int32 raster.
    x = input_of("external")[:3000]
    forms = {
        "float64": lambda c: c, "list": lambda c: c.tolist(), "[T, 1]": lambda c: c[:, None],
        "strided": lambda c: np.repeat(c, 2)[::2],
    }
    results = {}
    for name, form in forms.items():
        afe = syns65302.AFESimExternal()
        rows = [afe.stream_push(form(x[s:s + 488]), flush=s + 488 >= x.size)[0] for s in range(0, x.size, 488)]
        assert all(r.dtype == np.int32 and r.ndim == 2 and r.shape[1] == 16 and r.flags.writeable for r in rows)
        results[name] = np.concatenate(rows)
    for name, rows in results.items():
        np.testing.assert_array_equal(rows, results["list"], err_msg=name)
    afe = syns65302.AFESimExternal()
    first, again = afe.stream_push(x[:100])[0], afe.stream_push(x[:100])[0]
    assert first is not again and not np.shares_memory(first, again)


def test_selected_filters_and_threshold_mode():
    signal, _, _ = case("a3_afe_external_dn")
    afe = syns65302.AFESimExternal(select_filters=(3, 8, 12), spike_gen_mode="threshold",
                                   fixed_threshold_vec=[1000, 2**20, 2**32 - 1], down_sampling_factor=100)
    raster, _, record = afe(signal, record=True)
    assert raster.shape == (123, 3) and record["filterbank"].shape == (signal.size, 3)
    full = syns65302.AFESimExternal()(signal, record=True)[2]["filterbank"]
    np.testing.assert_array_equal(record["filterbank"], full[:, [3, 8, 12]])
    # Fixed thresholds: |filter output| accumulated until it reaches the threshold.
    acc, expected = np.zeros(3, np.int64), np.zeros((signal.size, 3), np.int64)
    thr = np.array([1000, 2**20, 2**32 - 1])
    prefix_acc = np.zeros(3, np.int64)
    # (the prefix runs the generator on the reversed filterbank output first)
    for row in np.abs(record["filterbank"])[::-1]:
        prefix_acc += row
        prefix_acc -= np.where(prefix_acc >= thr, thr, 0)
    acc = prefix_acc
    for n, row in enumerate(np.abs(record["filterbank"])):
        acc += row
        fire = acc >= thr
        acc -= np.where(fire, thr, 0)
        expected[n] = fire
    np.testing.assert_array_equal(record["dn_spikes"], expected)
    assert raster[:, 0].sum() > raster[:, 1].sum() > 0 and raster[:, 2].sum() == 0


def test_resampled_tuple_input():
    signal, stages, _ = case("a3_afe_external_dn")
    afe = syns65302.AFESimExternal()
    same, _, _ = afe((signal, 48828.125))
    np.testing.assert_array_equal(same, stages["raster"])
    t = np.arange(16000) / 16000.0
    tone = 0.3 * np.sin(2 * np.pi * 1000 * t)
    with pytest.warns(UserWarning, match="resampling"):
        raster, _, rec = afe((tone, 16000), record=True)
    assert rec["audio_14bit"].size == len(np.arange(0, 15999 / 16000, 1 / 48828.125))
    assert raster.sum() > 0


def test_bad_inputs():
    afe = syns65302.AFESimExternal()
    x = np.zeros(200)
    x[17] = np.nan
    with pytest.raises(celesta.OutOfRangeError, match="audio sample 17 = nan"):
        afe(x)
    x[17] = np.inf
    with pytest.raises(ValueError, match="audio sample 17"):
        afe(x)
    x[17] = 1.0
    with pytest.raises(celesta.OutOfRangeError, match="does not fit 14 bits"):
        afe(x)
    with pytest.raises(ValueError, match="one signal"):
        afe(np.zeros((10, 2)))
    with pytest.raises(ValueError, match="one signal"):
        afe(np.zeros((2, 10, 1)))
    with pytest.raises(TypeError, match="numeric"):
        afe(np.array(["a", "b"]))
    with pytest.raises(TypeError, match="sampling_rate"):
        afe((np.zeros(5), 1, 2))
    with pytest.raises(ValueError, match="sampling rate"):
        afe((np.zeros(5), -3.0))
    # A rejected chunk leaves the stream unchanged, with stream-wide indices in the message.
    afe.stream_push(np.zeros(30))
    with pytest.raises(celesta.OutOfRangeError, match="audio sample 32"):
        afe.stream_push(np.array([0.0, 0.0, 2.0]))
    r, _, _ = afe.stream_push(np.zeros(20))
    assert r.shape == (1, 16)
    pdm = syns65302.AFESimPDM()
    with pytest.raises(celesta.InvalidArgumentError, match="PDM bit 3 = 0.0"):
        pdm(np.array([1.0, -1.0, 1.0, 0.0]))
    assert pdm(np.ones(64))[0].shape == (1, 16)
    # Empty input: no row.
    assert afe(np.zeros(0))[0].shape == (0, 16)


@pytest.mark.parametrize("kwargs, error, text", [
    (dict(spike_gen_mode="adaptive"), ValueError, "spike_gen_mode"),
    (dict(select_filters=[0, 16]), celesta.InvalidArgumentError, r"select_filters\[1\] = 16"),
    (dict(select_filters=[4, 4]), celesta.InvalidArgumentError, "repeated"),
    (dict(select_filters=[]), ValueError, "empty"),
    (dict(select_filters=list(range(17))), ValueError, "16 filters"),
    (dict(dn_rate_scale_bitshift=(6,)), ValueError, "pair"),
    (dict(dn_rate_scale_bitshift=(40, 0)), celesta.InvalidArgumentError, r"dn_rate_scale_bitshift\[0\] = 40"),
    (dict(dn_low_pass_bitshift=-1), celesta.InvalidArgumentError, "dn_low_pass_bitshift = -1"),
    (dict(dn_low_pass_bitshift=2.5), TypeError, "dn_low_pass_bitshift"),
    (dict(dn_EPS=70000), celesta.InvalidArgumentError, r"dn_EPS\[0\] = 70000"),
    (dict(dn_EPS=[1, 2, 3]), ValueError, "one per channel"),
    (dict(dn_EPS=1.5), TypeError, "dn_EPS"),
    (dict(spike_gen_mode="threshold", fixed_threshold_vec=-1), celesta.InvalidArgumentError, "fixed_threshold_vec"),
    (dict(down_sampling_factor=0), celesta.InvalidArgumentError, "down_sampling_factor = 0"),
    (dict(down_sampling_factor=True), TypeError, "down_sampling_factor"),
])
def test_bad_parameters(kwargs, error, text):
    with pytest.raises(error, match=text):
        syns65302.AFESimExternal(**kwargs)


# ---- Xylo Audio 2: the analog model -----------------------------------------------------

from celesta.devices.xylo import syns61201  # noqa: E402


def test_audio2_model_within_reference_tolerance():
    with open(FIXTURES / "a2_afe_analog_ideal.json") as f:
        doc = json.load(f)
    p = doc["params"]
    afe = syns61201.AFESim(fs=p["fs"], raster_period=p["raster_period_s"],
                           max_spike_per_raster_period=p["max_spike_per_raster_period"],
                           add_noise=False, add_offset=False, add_mismatch=False)
    spikes, state, rec = afe(np.asarray(doc["signal"]), record=True)
    assert spikes.shape == (len(doc["signal"]), 16) and state == {}
    assert set(rec) == {"LNA_out", "BPF", "rect", "spks_out"} and rec["rect"].min() >= 0
    raster = afe.raster(spikes)
    expected = np.asarray(doc["stages"]["raster"])
    assert raster.shape == expected.shape
    got, want = raster.sum(axis=0), expected.sum(axis=0)
    assert np.all(np.abs(got - want) <= np.maximum(2, 0.2 * want)), (got, want)


def test_audio2_model_seeded_and_errors():
    tone = 0.05 * np.sin(2 * np.pi * 500 * np.arange(11000) / 110000)
    a = syns61201.AFESim(fs=110000, seed=3)(tone)[0]
    b = syns61201.AFESim(fs=110000, seed=3)(tone)[0]
    np.testing.assert_array_equal(a, b)
    assert syns61201.AFESim(fs=110000).seed >= 0
    with pytest.raises(celesta.InvalidArgumentError, match="fs = 16000"):
        syns61201.AFESim(fs=16000)
    with pytest.raises(celesta.InvalidArgumentError, match="raster_period"):
        syns61201.AFESim(fs=110000, raster_period=1e-7)
    with pytest.raises(ValueError, match="seed"):
        syns61201.AFESim(fs=110000, seed=-1)
    afe = syns61201.AFESim(fs=110000, add_noise=False)
    with pytest.raises(celesta.OutOfRangeError, match="audio sample 1 = nan"):
        afe(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="1-dim"):
        afe(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"\[T, 16\]"):
        afe.raster(np.zeros((4, 3)))


LOOPS_SCRIPT = """
import sys, numpy as np
from celesta.devices.xylo import syns65302
rng = np.random.default_rng(3)
x = 0.4 * np.sin(np.arange(30000) * 0.07) + 0.1 * rng.standard_normal(30000)
afe = syns65302.AFESimExternal(select_filters=[0, 5, 13])
sys.stdout.write(afe.loops + " ")
np.save(sys.argv[1], np.concatenate([afe(x)[0].ravel(), afe(x, time_reversed_prefix=False)[0].ravel()]))
"""


def test_loops_named_and_env_portable_gives_same_raster(tmp_path):
    """`afe.loops` names the loops; CELESTA_AFE_KERNELS=portable (any case) switches the AVX2 loops
    off, and both give the same rasters."""
    import os
    import subprocess
    import sys

    assert syns65302.AFESimExternal().loops in ("avx2", "sse2")
    results = {}
    for env_value in (None, "PORTABLE"):
        env = dict(os.environ)
        env.pop("CELESTA_AFE_KERNELS", None)
        if env_value:
            env["CELESTA_AFE_KERNELS"] = env_value
        out = tmp_path / f"r_{env_value}.npy"
        run = subprocess.run([sys.executable, "-c", LOOPS_SCRIPT, str(out)], env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        results[env_value] = (run.stdout.split()[0], np.load(out))
    assert results["PORTABLE"][0] == "sse2"
    assert results[None][0] in ("avx2", "sse2")
    assert results[None][1].sum() > 0
    np.testing.assert_array_equal(results[None][1], results["PORTABLE"][1])
