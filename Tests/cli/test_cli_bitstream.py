"""`celesta backend bitstream FILE -o DIR` (the staged build/bin/celesta): the shared fpga case's
TALON files byte for byte, the steps as flags, the folder rules and bad input."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "build" / "bin" / "celesta"
FIX = ROOT / "Tests" / "Fixtures" / "talon"
sys.path.insert(0, str(ROOT / "bindings" / "python" / "tests"))


def run(*args, cwd=None):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_bitstream_writes_talons_files(tmp_path):
    import _talon_cases as tc
    from celesta import ir
    c = json.loads((FIX / "cases" / "fpga.mlp_784_128_10.json").read_text())
    e = c["expected"]
    graph = tmp_path / "mlp.json"
    ir.write(str(graph), tc.graph("mlp_784_128_10"))
    args = ["backend", "bitstream", graph, "-o", "hls4ml_project", "--project-name", "snn_demo", "--csim"]
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [f"wrote {f}" for f in e["written_files"]]
    for rel in ("firmware/parameters.h", "hls4ml_config.json"):
        data = (tmp_path / "hls4ml_project" / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == e["files"][f"hls4ml_project/{rel}"]["sha256"], rel
    tcl = (tmp_path / "hls4ml_project" / "build_prj.tcl").read_text()
    assert "array set opt {csim 1 synth 0 cosim 0 export 0 vsynth 0 bitfile 0}" in tcl
    # not empty: refused (exit 1, the message names the folder); --overwrite replaces it
    r = run(*args, cwd=tmp_path)
    assert r.returncode != 0 and "not empty" in r.stderr
    assert run(*args, "--overwrite", cwd=tmp_path).returncode == 0
    # without -o nothing is written; --json gives TALON's keys
    r = run("backend", "bitstream", graph, "--json", "--clock-period", "2.5", cwd=tmp_path / "hls4ml_project" / "firmware")
    doc = json.loads(r.stdout)
    assert list(doc) == ["hls4ml_config", "parameters_h", "build_script", "tcl_script", "template_paths", "descriptor"]
    assert doc["hls4ml_config"]["ClockPeriod"] == 2.5 and "array set opt {csim 0 synth 1" in doc["tcl_script"]
    assert sorted(p.name for p in (tmp_path / "hls4ml_project" / "firmware").iterdir()) == ["nnet_utils", "parameters.h"]


def test_bitstream_bad_input(tmp_path):
    r = run("backend", "bitstream", FIX / "graphs" / "skip_mixed.t1c", "-o", tmp_path / "p")
    assert r.returncode != 0 and "Graph validation failed" in r.stderr and not (tmp_path / "p").exists()
    r = run("backend", "bitstream", tmp_path / "missing.t1c")
    assert r.returncode != 0 and "missing.t1c" in r.stderr
