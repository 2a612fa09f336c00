"""`celesta hls generate / sim / csim` (the staged build/bin/celesta)."""

import glob
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "build" / "bin" / "celesta"
CASE = ROOT / "Tests" / "Fixtures" / "hls4ml" / "S05_lif_8-16-4_zero_first_to_threshold_w10.json"
AP = glob.glob(str(ROOT / ".venv" / "lib" / "python*" / "site-packages" / "hls4ml" / "templates" / "vivado" / "ap_types"))


def run(*args, cwd=None):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def layers_file(tmp_path):
    case = json.loads(CASE.read_text())
    path = tmp_path / "net.json"
    path.write_text(json.dumps({"layers": case["layers"], "hls_config": case["hls4ml_config"]}))
    np.save(tmp_path / "x.npy", np.asarray(case["input"], dtype=np.float32))
    return path, case


def test_sim_equals_the_hls4ml_csim(layers_file, tmp_path):
    path, case = layers_file
    r = run("hls", "sim", path, "--input", tmp_path / "x.npy")
    assert r.returncode == 0, r.stderr
    got = [[float(v) for v in line.split()] for line in r.stdout.splitlines()]
    assert got == case["expected"]["csim"]["output"]
    r = run("hls", "sim", path, "--input", tmp_path / "x.npy", "--trace")
    tr = json.loads(r.stdout)
    assert tr["lif1"]["v_pre"] == case["expected"]["csim"]["layers"]["lif1"]["v_pre"]


def test_generate_refuses_a_folder_that_is_not_empty(layers_file, tmp_path):
    path, _ = layers_file
    out = tmp_path / "prj"
    r = run("hls", "generate", path, "-o", out)
    assert r.returncode == 0, r.stderr
    assert (out / "firmware" / "parameters.h").is_file() and (out / "build_prj.tcl").is_file()
    r = run("hls", "generate", path, "-o", out)
    assert r.returncode == 2 and "not empty" in r.stderr
    assert run("hls", "generate", path, "-o", out, "--overwrite").returncode == 0


@pytest.mark.skipif(not AP or not shutil.which("g++"), reason="needs g++ and the ap_types headers")
def test_csim_equals_sim(layers_file, tmp_path):
    path, case = layers_file
    out = tmp_path / "prj"
    assert run("hls", "generate", path, "-o", out, "--ap-types", AP[0]).returncode == 0
    r = run("hls", "csim", out, "--input", tmp_path / "x.npy", "--ap-types", AP[0])
    assert r.returncode == 0, r.stderr
    got = [[float(v) for v in line.split()] for line in r.stdout.splitlines()]
    assert got == case["expected"]["csim"]["output"]


def test_bad_input_is_an_error_naming_it(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"layers": [{"name": "x", "class_name": "Input", "n": 2},
                                          {"name": "fc1", "class_name": "Dense", "n_in": 2, "n_out": 1,
                                           "weight": [[1.0], [1.0]]}],
                               "hls_config": {"HLSConfig": {"LayerName": {"fc1": {"Precision": {"weight": "ap_fixed<16,x>"}}}}}}))
    np.save(tmp_path / "x.npy", np.zeros((2, 2), np.float32))
    r = run("hls", "sim", bad, "--input", tmp_path / "x.npy")
    assert r.returncode == 11 and "fc1" in r.stderr and "ap_fixed<16,x>" in r.stderr
    r = run("hls", "generate", ROOT / "Tests" / "Fixtures" / "nir" / "conv2d_pool_flatten.nir", "-o", tmp_path / "p")
    assert r.returncode == 8 and "conv" in r.stderr.lower()
