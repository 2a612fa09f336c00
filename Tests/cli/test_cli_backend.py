"""`celesta backend validate|compile FILE --target ...` (the staged build/bin/celesta): the
shared validate and compile cases through the CLI, the descriptor files equal the Python
HardwareDescriptor's, and bad input."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "build" / "bin" / "celesta"
FIX = ROOT / "Tests" / "Fixtures" / "talon"
GRAPHS = FIX / "graphs"
sys.path.insert(0, str(ROOT / "bindings" / "python" / "tests"))


def run(*args):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True)


def case(name):
    return json.loads((FIX / "cases" / f"{name}.json").read_text())


@pytest.mark.parametrize("name, target", [("mlp_784_128_10", "cpu"), ("recurrent_lif", "fpga"), ("kitchen_sink", "fpga")])
def test_validate_cases(name, target):
    e = case(f"validate.{target}.{name}")["expected"]["validation"]
    r = run("backend", "validate", GRAPHS / f"{name}.t1c", "--target", target, "--json", *(["--talon-compatible"] if target == "cpu" else []))
    assert r.returncode == (0 if e["is_valid"] else 1), r.stderr
    got = json.loads(r.stdout)
    assert {k: got[k] for k in ("is_valid", "unsupported_nodes", "warnings")} == e
    text = run("backend", "validate", GRAPHS / f"{name}.t1c", "--target", target).stdout
    assert text.startswith(f"{target}: " + ("valid" if e["is_valid"] else "not valid"))


@pytest.mark.parametrize("name", ["mlp_784_128_10", "skip_mixed"])
def test_compile_writes_talons_files(name, tmp_path):
    import _talon_cases as tc
    from celesta import backend
    e = case(f"compile.cpu.{name}")["expected"]
    r = run("backend", "compile", GRAPHS / f"{name}.t1c", "--json", "--talon-compatible")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["metadata"] == e["metadata"] and doc["execution_schedule"] == e["execution_schedule"]
    r = run("backend", "compile", GRAPHS / f"{name}.t1c", "-o", tmp_path / "d.json", "--talon-compatible")
    assert r.returncode == 0 and r.stdout.startswith("cpu: backend \"cpu\"") and f"wrote {tmp_path / 'd.json'}" in r.stdout
    assert run("backend", "compile", GRAPHS / f"{name}.t1c", "-o", tmp_path / "t.bin", "--binary", "--talon-compatible").returncode == 0
    assert hashlib.sha256((tmp_path / "t.bin").read_bytes()).hexdigest() == e["to_binary"]["sha256"]
    # The same bytes as the Python descriptor's (the graph as the shared fixtures give it).
    d = backend.get_backend("cpu").compile(tc.graph(name))
    d.to_json(tmp_path / "py.json")
    assert json.loads((tmp_path / "d.json").read_text())["neuron_configs"].keys() == json.loads((tmp_path / "py.json").read_text())["neuron_configs"].keys()
    assert run("backend", "compile", GRAPHS / f"{name}.t1c", "-o", tmp_path / "w.bin", "--binary").returncode == 0
    again = backend.HardwareDescriptor.from_binary(tmp_path / "w.bin")
    for key, value in d.weight_tables[0].items():
        assert (again.weight_tables[0][key] == value).all(), key


def test_compile_summaries_for_fpga_and_xylo(tmp_path):
    from celesta import ir
    from test_backend_xylo import talon_graph
    r = run("backend", "compile", GRAPHS / "mlp_784_128_10.t1c", "--target", "fpga")
    assert r.returncode == 0 and "hls4ml layers: fc1 (Dense), lif1 (H_LIF), fc2 (Dense), lif2 (H_LIF)" in r.stdout, r.stderr
    ir.write(str(tmp_path / "net.t1c"), talon_graph())
    r = run("backend", "compile", tmp_path / "net.t1c", "--target", "xylo-a3", "--dt", "1")
    assert r.returncode == 0 and 'chip "syns65302"' in r.stdout and "weights_in int64[3, 6, 1]" in r.stdout, r.stderr
    assert "warning: node 'lif'" in r.stdout
    # 784 inputs do not fit the chip: the limit is named.
    r = run("backend", "compile", GRAPHS / "mlp_seed_backend.t1c", "--target", "xylo-a3", "--dt", "1")
    assert r.returncode == 9 and "'n_in' is 784" in r.stderr


def test_bad_input():
    r = run("backend", "compile", GRAPHS / "skip_mixed.t1c", "--target", "fpga")
    assert r.returncode == 2 and "Graph validation failed" in r.stderr
    r = run("backend", "compile", GRAPHS / "mlp_784_128_10.t1c", "--target", "gpu")
    assert r.returncode == 3 and "'gpu'" in r.stderr
    r = run("backend", "compile", GRAPHS / "mlp_784_128_10.t1c", "--binary")
    assert r.returncode == 2 and "-o" in r.stderr
    r = run("backend", "compile", GRAPHS / "mlp_seed_backend.t1c", "--target", "xylo-a3", "--dt=-1")
    assert r.returncode == 5 and "--dt" in r.stderr
    r = run("backend", "validate", "/nonexistent.t1c")
    assert r.returncode != 0 and "/nonexistent.t1c" in r.stderr
