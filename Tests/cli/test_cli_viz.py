"""`celesta sdk viz FILE -o graph.html` (the staged build/bin/celesta)."""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "build" / "bin" / "celesta"
GRAPHS = ROOT / "Tests" / "Fixtures" / "talon" / "graphs"


def run(*args):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True)


def data(path) -> dict:
    text = Path(path).read_text()
    start = text.index('id="celesta-data">') + len('id="celesta-data">')
    return json.loads(text[start:text.index("</script>", start)])


def test_graph_view(tmp_path):
    out = tmp_path / "pages" / "graph.html"
    r = run("sdk", "viz", GRAPHS / "conv_snn.t1c", "-o", out, "--title", "ConvSNN")
    assert r.returncode == 0, r.stderr
    size = out.stat().st_size
    assert r.stdout.strip() == f"{out}: graph view of 10 nodes, 9 edges, {size} bytes"
    assert size < 64_000 and "http://" not in out.read_text() and "https://" not in out.read_text()
    d = data(out)
    assert d["view"] == "graph" and d["title"] == "ConvSNN"
    assert d["graph"]["summary"]["total_params"] == 403538  # stride/padding read back as tuples, as TALON reads them
    nodes = {n["id"]: n for n in d["graph"]["nodes"]}
    assert nodes["input"]["params"] == {} and nodes["fc1"]["params"]["weight"]["shape"] == [128, 3136]
    assert all(p["data"] == "<omitted>" for n in nodes.values() for p in n["params"].values())
    r = run("sdk", "viz", GRAPHS / "conv_snn.t1c", "-o", tmp_path / "full.html", "--talon-compatible")
    assert r.returncode == 0 and (tmp_path / "full.html").stat().st_size > 1_500_000


def test_default_output_name(tmp_path):
    src = tmp_path / "model.t1c"
    src.write_bytes((GRAPHS / "skip_mixed.t1c").read_bytes())
    r = run("sdk", "viz", src)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "model.html").exists()


def test_partitioned_and_schedule_views(tmp_path):
    cores = tmp_path / "cores.json"
    cores.write_text(json.dumps({"input": 0, "conv1": 0, "relu": 0, "pool": 1, "flatten": 1, "fc1": 1, "lif1": 2,
                                 "fc2": 2, "lif2": 3, "output": 3}))
    out = tmp_path / "p.html"
    r = run("sdk", "viz", GRAPHS / "conv_snn.t1c", "-o", out, "--view", "partitioned", "--cores", cores)
    assert r.returncode == 0, r.stderr
    legend = data(out)["graph"]["metadata"]["core_legend"]
    assert [c["node_count"] for c in legend] == [3, 3, 2, 2]
    lat = tmp_path / "lat.json"
    lat.write_text('{"fc1": 40.0, "conv1": 12.5}')
    r = run("sdk", "viz", GRAPHS / "conv_snn.t1c", "-o", tmp_path / "s.html", "--view", "schedule", "--latencies", lat)
    assert r.returncode == 0, r.stderr
    s = data(tmp_path / "s.html")["schedule"]
    assert s["unit"] == "us" and s["makespan"] == 52.5 and len(s["lanes"]) == 1


def test_errors(tmp_path):
    out = tmp_path / "p.html"
    out.write_text("old")
    r = run("sdk", "viz", GRAPHS / "conv_snn.t1c", "-o", out, "--view", "partitioned")
    assert r.returncode == 2 and "CELESTA_ERR_INVALID_ARGUMENT" in r.stderr and "not partitioned" in r.stderr
    assert out.read_text() == "old"
    r = run("sdk", "viz", GRAPHS / "conv_snn.t1c", "-o", out, "--view", "3d")
    assert r.returncode == 2 and "--view '3d'" in r.stderr
    r = run("sdk", "viz", GRAPHS / "conv_snn.t1c", "-o", out, "--cores", tmp_path / "x.json")
    assert r.returncode == 2 and "--cores is for --view partitioned" in r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"fc1": ')
    r = run("sdk", "viz", GRAPHS / "conv_snn.t1c", "-o", out, "--view", "partitioned", "--cores", bad)
    assert r.returncode == 11 and "bad.json" in r.stderr
    r = run("sdk", "viz", tmp_path / "missing.t1c", "-o", out)
    assert r.returncode == 10 and "missing.t1c" in r.stderr
    assert out.read_text() == "old"
