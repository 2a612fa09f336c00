"""`celesta sdk map FILE --hw ... [--algorithm ...]`: partition + allocate + place + route (run by `make test`)."""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "build" / "bin" / "celesta"
GRAPHS = ROOT / "Tests" / "Fixtures" / "talon" / "graphs"


def run(*args):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True)


def test_tutorial_summary_on_zcu102():
    r = run("sdk", "map", GRAPHS / "conv_snn.t1c", "--hw", "zcu102")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "32 cores (8x4 mesh)" in out
    assert "10 nodes on 1 core, 0 of 9 edges cross cores" in out
    assert "1,611,944 weight + 2,208 state bytes, peak utilisation 16.42; does NOT fit:" in out
    assert "core 0: 1614152 bytes > sram_bytes_per_core=98304 (fc1 1606144" in out
    assert "(4, 0)" in out


def test_json_has_talons_fields():
    r = run("sdk", "map", GRAPHS / "conv_snn.t1c", "--hw", "zcu102", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["hardware_spec"]["core_mesh_topology"] == [8, 4]
    assert doc["partition"]["num_cores_used"] == 1
    assert doc["allocation"]["total_weight_bytes"] == 1611944
    assert doc["allocation"]["violations"] == [0]
    assert doc["placement"]["logical_to_physical"] == {"0": [4, 0]}
    assert doc["routing"]["total_hops"] == 0


def test_spectral_and_modes(tmp_path):
    hw = tmp_path / "hw.json"
    hw.write_text(json.dumps({"max_neurons_per_core": 200, "core_mesh_topology": [4, 4], "num_cores": 16,
                              "sram_bytes_per_core": 500000}))
    r = run("sdk", "map", GRAPHS / "mlp_784_128_10.t1c", "--hw", hw, "--algorithm", "spectral", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["partition"]["algorithm"] == "spectral"
    assert doc["partition"]["metrics"]["num_partitions"] == 1
    # Celesta counts neurons: 138 neurons fit one core of 200; TALON counts 4 nodes.
    tiny = tmp_path / "tiny.json"
    tiny.write_text(json.dumps({"max_neurons_per_core": 1, "core_mesh_topology": [2, 2], "num_cores": 4}))
    r = run("sdk", "map", GRAPHS / "mlp_784_128_10.t1c", "--hw", tiny, "--json", "--talon-compatible")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["partition"]["num_cores_used"] == 4
    assert doc["routing"]["max_hops"] == 1
    r = run("sdk", "map", GRAPHS / "mlp_784_128_10.t1c", "--hw", tiny, "--json")
    assert doc["routing"]["max_hops"] == 1
    assert r.returncode == 7, r.stdout
    assert "CELESTA_ERR_LIMIT_EXCEEDED" in r.stderr and "has 128 neurons" in r.stderr and "max_neurons_per_core=1" in r.stderr


def test_bad_input():
    r = run("sdk", "map", GRAPHS / "conv_snn.t1c", "--hw", "zcu104")
    assert r.returncode == 3 and "zcu104" in r.stderr and "t1c_asic_target" in r.stderr
    r = run("sdk", "map", GRAPHS / "conv_snn.t1c", "--algorithm", "metis")
    assert r.returncode == 2 and "Unknown algorithm: metis" in r.stderr
    r = run("sdk", "map", GRAPHS / "conv_snn.t1c", "--hw", "/nonexistent/hw.json")
    assert r.returncode == 10 and "/nonexistent/hw.json" in r.stderr
    r = run("sdk", "map", "/nonexistent/g.t1c")
    assert r.returncode != 0 and "/nonexistent/g.t1c" in r.stderr
