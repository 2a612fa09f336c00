"""`celesta backend list` and `celesta backend info FILE` (the staged build/bin/celesta): the
registry as the library gives it to C and Python, and a descriptor file read back by the engine
(JSON, Celesta's binary, TALON's binary), with a damaged file refused."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "build" / "bin" / "celesta"
GRAPH = ROOT / "Tests" / "Fixtures" / "talon" / "graphs" / "skip_mixed.t1c"
sys.path.insert(0, str(ROOT / "bindings" / "python" / "tests"))


def run(*args):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True)


def test_list_is_the_librarys_registry():
    # The library as a fresh process sees it: primitives that earlier tests registered in this
    # one (a user primitive derived from Conv2d is computed by the cpu backend) are not the CLI's.
    py = subprocess.run([sys.executable, "-c", "import json; from celesta.backend import _native; print(json.dumps(_native.backends()))"],
                        capture_output=True, text=True)
    assert py.returncode == 0, py.stderr
    r = run("backend", "list", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == json.loads(py.stdout)
    text = run("backend", "list").stdout
    assert text.startswith("cpu: ") and "with --talon-compatible (TALON's list, 22)" in text and "chip \"syns61300\"" in text


def test_info_reads_each_file(tmp_path):
    from celesta.backend import HardwareDescriptor
    for name, extra in (("d.json", []), ("d.bin", ["--binary"]), ("t.bin", ["--binary", "--talon-compatible"])):
        r = run("backend", "compile", GRAPH, "-o", tmp_path / name, *extra)
        assert r.returncode == 0, r.stderr
    r = run("backend", "info", tmp_path / "d.json")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"{tmp_path / 'd.json'}: descriptor JSON, ") and "\ncore 0: " in r.stdout and "weights on core 0: " in r.stdout
    # --json prints the file's text again.
    assert run("backend", "info", tmp_path / "d.json", "--json").stdout == (tmp_path / "d.json").read_text() + "\n"
    d = HardwareDescriptor.from_binary(tmp_path / "d.bin")
    r = run("backend", "info", tmp_path / "d.bin")
    assert r.returncode == 0, r.stderr
    n = d._binary_config_count
    assert "descriptor binary (T1CB)" in r.stdout and f"neuron configurations: {n} (counted by the file" in r.stdout and n > 0
    assert "weights on core 0: " + next(iter(d.weight_tables[0])) in r.stdout
    r = run("backend", "info", tmp_path / "t.bin")
    assert r.returncode == 0 and "weights: none in the file" in r.stdout, r.stdout + r.stderr


def test_info_refuses_damaged_files(tmp_path):
    assert run("backend", "compile", GRAPH, "-o", tmp_path / "d.bin", "--binary").returncode == 0
    raw = (tmp_path / "d.bin").read_bytes()
    (tmp_path / "cut.bin").write_bytes(raw[:-3])
    r = run("backend", "info", tmp_path / "cut.bin")
    assert r.returncode != 0 and "the file ends in" in r.stderr and "cut.bin" in r.stderr, r.stderr
    (tmp_path / "x.json").write_text("{\"metadata\": {}")
    r = run("backend", "info", tmp_path / "x.json")
    assert r.returncode != 0 and "x.json" in r.stderr, r.stderr
    r = run("backend", "info", tmp_path / "missing.json")
    assert r.returncode != 0 and "missing.json" in r.stderr, r.stderr
