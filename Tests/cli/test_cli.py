"""Tests of the `celesta` command (the staged build/bin/celesta), run by `make test`."""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "build" / "bin" / "celesta"
VERSION = subprocess.run(["make", "-s", "-C", str(ROOT), "print-version"], capture_output=True,
                         text=True, check=True).stdout.strip()


def run(*args):
    return subprocess.run([str(CLI), *args], capture_output=True, text=True)


def test_version():
    r = run("--version")
    assert r.returncode == 0
    assert r.stdout.startswith(f"celesta {VERSION} (libusb 1.")


def test_chips_table_lists_every_chip_and_limit():
    r = run("chips")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["id", "syns61201", "syns65302", "syns61300"]
    rows = {line.split()[0]: line.split()[1:] for line in lines}
    assert rows["max_hidden_neurons"] == ["1000", "992", "1000"]
    assert rows["max_output_neurons"] == ["8", "32", "8"]
    assert rows["bias_bits"] == ["16", "16", "0"]


def test_chips_json_and_single_chip():
    r = run("chips", "--json")
    assert r.returncode == 0
    chips = json.loads(r.stdout)
    assert [c["id"] for c in chips] == ["syns61201", "syns65302", "syns61300"]
    one = json.loads(run("chips", "xa3", "--json").stdout)
    assert one == [chips[1]]


def test_unknown_chip_exit_code_follows_status_code():
    r = run("chips", "xa9")
    assert r.returncode == 3, "CELESTA_ERR_NOT_FOUND is -3"
    assert r.stdout == ""
    assert r.stderr.startswith("celesta: error: CELESTA_ERR_NOT_FOUND: chip 'xa9' is unknown")


def test_usage_error():
    r = run("chips", "--no-such-flag")
    assert r.returncode == 64
    assert "--no-such-flag" in r.stderr


# ---- celesta xylo ----------------------------------------------------------------------

import numpy as np  # noqa: E402

FIXTURES = ROOT / "Tests" / "Fixtures" / "xylo"


def case_files(tmp_path, name):
    doc = json.loads((FIXTURES / f"{name}.json").read_text())
    config = tmp_path / "config.json"
    config.write_text(json.dumps(dict(doc["config"], chip=doc["chip"])))
    npy = tmp_path / "input.npy"
    np.save(npy, np.asarray(doc["input"], dtype=np.int64))
    js = tmp_path / "input.json"
    js.write_text(json.dumps(doc["input"]))
    return doc, config, npy, js


def test_xylo_sim_npy_json_and_output(tmp_path):
    doc, config, npy, js = case_files(tmp_path, "a3_edge_alias_residual")
    out = tmp_path / "out.npy"
    r = run("xylo", "sim", "--config", str(config), "--input", str(npy), "--output", str(out))
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(out), np.asarray(doc["expected"]["spikes_out"]))
    assert "output spikes per neuron:" in r.stdout
    r = run("xylo", "sim", "--config", str(config), "--input", str(js), "--json", "--record")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    for key in ["spikes_out", "Vmem", "Isyn", "Isyn2", "Spikes", "Vmem_out", "Isyn_out"]:
        assert got[key] == doc["expected"][key], key


def test_xylo_validate(tmp_path):
    doc, config, _, _ = case_files(tmp_path, "a2_random_small")
    r = run("xylo", "validate", str(config))
    assert r.returncode == 0 and "valid for Xylo Audio 2" in r.stdout
    bad = dict(json.loads(config.read_text()))
    bad["dash_mem"] = [16] + bad["dash_mem"][1:]
    config.write_text(json.dumps(bad))
    r = run("xylo", "validate", str(config), "--json")
    assert r.returncode == 9, "CELESTA_ERR_INVALID_CONFIG"
    assert json.loads(r.stdout)["valid"] is False
    assert "'dash_mem[0]' is 16" in r.stderr


def test_xylo_sim_errors(tmp_path):
    doc, config, npy, _ = case_files(tmp_path, "a2_random_small")
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros((5, 3), dtype=np.int32))
    r = run("xylo", "sim", "--config", str(config), "--input", str(wrong))
    assert r.returncode == 6 and "CELESTA_ERR_SHAPE_MISMATCH" in r.stderr
    neg = tmp_path / "neg.npy"
    np.save(neg, np.full((5, 4), -1, dtype=np.int32))
    r = run("xylo", "sim", "--config", str(config), "--input", str(neg))
    assert r.returncode == 5 and "'input[0][0]' is -1" in r.stderr
    r = run("xylo", "sim", "--config", str(tmp_path / "none.json"), "--input", str(npy))
    assert r.returncode == 10 and "none.json" in r.stderr
    garbage = tmp_path / "garbage.npy"
    garbage.write_bytes(b"not numpy")
    r = run("xylo", "sim", "--config", str(config), "--input", str(garbage))
    assert r.returncode == 11 and "bad magic" in r.stderr
    out = tmp_path / "keep.npy"
    out.write_bytes(b"precious")
    r = run("xylo", "sim", "--config", str(config), "--input", str(wrong), "--output", str(out))
    assert r.returncode != 0 and out.read_bytes() == b"precious", "a failed run leaves its output untouched"


NETWORK = ROOT / "examples" / "networks" / "kws_default.json"
DEMO_INPUT = ROOT / "examples" / "networks" / "kws_default_input.npy"


def test_xylo_map_quantize_sim_chain(tmp_path):
    spec = tmp_path / "spec.json"
    r = run("xylo", "map", str(NETWORK), "--chip", "xa3", "--output", str(spec))
    assert r.returncode == 0, r.stderr
    assert "64/992 hidden" in r.stdout and "4_LIF: 8 neurons at hardware ids 992...999" in r.stdout
    s = json.loads(spec.read_text())
    assert s["chip"] == "syns65302" and np.asarray(s["weights_in"]).shape == (16, 32, 1)
    config = tmp_path / "config.json"
    r = run("xylo", "quantize", str(spec), "--method", "channel", "--output", str(config))
    assert r.returncode == 0, r.stderr
    assert run("xylo", "validate", str(config)).returncode == 0
    out = tmp_path / "out.npy"
    r = run("xylo", "sim", "--config", str(config), "--input", str(DEMO_INPUT), "--output", str(out))
    assert r.returncode == 0, r.stderr
    spikes = np.load(out)
    classes = [int(np.argmax(spikes[w * 50:(w + 1) * 50].sum(axis=0))) for w in range(8)]
    assert classes == list(range(8)), "the demo network recognises the keyword of each window"


def test_xylo_pipeline_demo_network():
    for chip in ["xa2", "xa3"]:
        for method in ["global", "channel"]:
            r = run("xylo", "pipeline", str(NETWORK), "--chip", chip, "--method", method, "--input", str(DEMO_INPUT))
            assert r.returncode == 0, r.stderr
            assert "output class per 50-step window: 0 1 2 3 4 5 6 7" in r.stdout
            assert "cycles per step worst case" in r.stdout and "kHz (20 % margin)" in r.stdout


def test_xylo_map_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"layers": [{"type": "Linear", "n_in": 2, "n_out": 3, "weight": [[0.1] * 3] * 2},
                                          {"type": "LIF", "n_in": 3, "n_out": 3, "tau_mem": [0.02] * 3,
                                           "tau_syn": [0.02] * 3, "threshold": [1] * 3, "dt": 0.001}]}))
    r = run("xylo", "map", str(bad), "--chip", "xa2")
    assert r.returncode != 0 and "two" in r.stderr.lower()
    bad.write_text('{"layers": [{"type": "Conv", "n_in": 1}]}')
    r = run("xylo", "map", str(bad), "--chip", "xa2")
    assert r.returncode == 11 and "'layers[0].type' is 'Conv'" in r.stderr
    r = run("xylo", "map", str(NETWORK), "--chip", "xa9")
    assert r.returncode == 3
    r = run("xylo", "pipeline", str(NETWORK), "--chip", "xa2", "--input", str(DEMO_INPUT), "--window", "0")
    assert r.returncode == 5
    spec = tmp_path / "spec.json"
    spec.write_text("{}")
    r = run("xylo", "quantize", str(spec))
    assert r.returncode == 11 and "lacks" in r.stderr


def test_xylo_map_and_quantize_json(tmp_path):
    spec = tmp_path / "spec.json"
    r = run("xylo", "map", str(NETWORK), "--chip", "xa2", "--json", "--output", str(spec))
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)
    assert m["n_hidden"] == 64 and m["hardware_ids"]["4_LIF"] == list(range(1000, 1008)) and m["warnings"] == []
    r = run("xylo", "quantize", str(spec), "--method", "global", "--json")
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)
    assert c["chip"] == "syns61201" and np.asarray(c["weights_rec"]).shape == (64, 64, 1)
    assert np.abs(np.asarray(c["weights_in"])).max() <= 127
