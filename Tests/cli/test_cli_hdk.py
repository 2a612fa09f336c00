"""Tests of `celesta hdk` (list, run, power) on virtual kits; no board is needed."""

import json

import numpy as np

from test_cli import case_files, run


def test_hdk_list_virtual_and_env(monkeypatch):
    r = run("hdk", "list", "--virtual", "xa3,xa2", "--json")
    assert r.returncode == 0, r.stderr
    kits = [k for k in json.loads(r.stdout) if k["kind"] == "virtual"]
    assert [(k["chip"], k["location"]) for k in kits] == [("syns65302", "virtual:0"), ("syns61201", "virtual:1")]
    r = run("hdk", "list", "--virtual", "xylo_v1")
    assert r.returncode == 8 and "no power model for chip 'syns61300'" in r.stderr


def test_hdk_list_bad_usb_ids_env(monkeypatch):
    monkeypatch.setenv("CELESTA_HDK_USB_IDS", "12345=xa2")
    r = run("hdk", "list")
    assert r.returncode == 11, "CELESTA_ERR_PARSE"
    assert "CELESTA_HDK_USB_IDS: entry '12345=xa2'" in r.stderr


def test_hdk_run_equals_reference(tmp_path):
    doc, config, npy, _ = case_files(tmp_path, "a3_random_medium_dense")
    out = tmp_path / "out.npy"
    r = run("hdk", "run", "--virtual", "xa3", "--config", str(config), "--input", str(npy), "--output", str(out), "--json")
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(out), np.asarray(doc["expected"]["spikes_out"]))
    got = json.loads(r.stdout)
    assert got["chip"] == "syns65302" and got["clock_hz"] == 50e6 and got["min_clock_hz"] > 0
    r = run("hdk", "run", "--virtual", "xa3", "--clock", "20", "--config", str(config), "--input", str(npy))
    assert r.returncode == 0 and "clock: 20.0 MHz" in r.stdout


def test_hdk_run_errors(tmp_path):
    _, config, npy, _ = case_files(tmp_path, "a2_random_small")
    r = run("hdk", "run", "--virtual", "xa3", "--config", str(config), "--input", str(npy))
    assert r.returncode == 2 and "carries syns65302" in r.stderr, "a2 config on an a3 kit"
    r = run("hdk", "run", "--config", str(config), "--input", str(npy), "--device", "usb:99:99")
    assert r.returncode == 3 and "no dev kit at 'usb:99:99'" in r.stderr
    r = run("hdk", "run", "--virtual", "xa2", "--device", "usb:1:1", "--config", str(config), "--input", str(npy))
    assert r.returncode == 2 and "not both" in r.stderr
    r = run("hdk", "run", "--virtual", "xa2", "--clock", "0", "--config", str(config), "--input", str(npy))
    assert r.returncode == 5


def test_hdk_power_per_rail(tmp_path):
    doc, config, _, _ = case_files(tmp_path, "a2_random_medium_dense")
    x = np.asarray(doc["input"], dtype=np.int64)
    long = tmp_path / "long.npy"
    np.save(long, np.tile(x, (5, 1)))  # 1000 steps of 1 ms: 5 samples at 5 Hz
    r = run("hdk", "power", "--virtual", "xa2", "--config", str(config), "--input", str(long), "--json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["kind"] == "modelled"
    assert got["rails"] == ["io", "afe_core", "afe_ldo", "snn_core"]
    assert len(got["samples"]) == 5 and all(len(s) == 5 for s in got["samples"])
    assert all(0 < w < 1e-2 for w in got["mean_watts"])
    r = run("hdk", "power", "--virtual", "xa2", "--config", str(config), "--input", str(long))
    assert r.returncode == 0 and "snn_core_power:" in r.stdout and "(modelled)" in r.stdout


def test_hdk_monitor_detects_the_demo_keywords(tmp_path):
    from test_cli import ROOT
    spec, config = tmp_path / "spec.json", tmp_path / "config.json"
    assert run("xylo", "map", str(ROOT / "examples/networks/kws_default.json"), "--chip", "xa3", "--output", str(spec)).returncode == 0
    assert run("xylo", "quantize", str(spec), "--method", "channel", "--output", str(config)).returncode == 0
    wav = str(ROOT / "examples/audio/kws_default.wav")
    r = run("hdk", "monitor", "--virtual", "xa3", "--config", str(config), "--audio", wav, "--window", "146", "--json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["classes"][:8] == [str(k) for k in range(8)]
    assert got["overruns"] == 0 and 0 < got["min_clock_hz"] < got["clock_hz"]
    assert got["rails"] == ["io", "analog", "digital"] and got["power_kind"] == "modelled"
    # Below the minimum clock the kit reports missed deadlines.
    r = run("hdk", "monitor", "--virtual", "xa3", "--clock", "2", "--config", str(config), "--audio", wav, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["overruns"] > 0
    r = run("hdk", "monitor", "--virtual", "xa2", "--config", str(config), "--audio", wav)
    assert r.returncode == 2, "an xa3 configuration on an xa2 kit"
    r = run("hdk", "monitor", "--virtual", "xa3", "--config", str(config), "--audio", str(tmp_path / "missing.wav"))
    assert r.returncode == 10, r.stderr
