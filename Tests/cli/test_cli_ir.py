"""`celesta ir info` and `celesta ir convert` (the staged build/bin/celesta)."""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "build" / "bin" / "celesta"
FIX = ROOT / "Tests" / "Fixtures"


def run(*args):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True)


def test_info_lists_nodes_shapes_and_parameters():
    r = run("ir", "info", FIX / "nir" / "conv2d_pool_flatten.nir")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].endswith("8 nodes, 7 edges, 426 parameters, acyclic")
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:10]}
    assert rows["conv"][0] == "Conv2d" and "[2, 10, 10]" in lines[lines.index(next(l for l in lines if l.startswith("conv ")))]
    assert rows["sumpool"][0] == "SumPool2d"
    doc = json.loads(run("ir", "info", FIX / "nir" / "conv2d_pool_flatten.nir", "--json").stdout)
    assert doc["format"] == "celesta.ir/1" and len(doc["nodes"]) == 8


def test_convert_round_trip_through_every_format(tmp_path):
    src = FIX / "talon" / "graphs" / "mlp_seed_backend.t1c"
    original = json.loads(run("ir", "info", src, "--json").stdout)
    current = src
    for ext in (".nir", ".json", ".t1c"):
        out = tmp_path / f"g{ext}"
        r = run("ir", "convert", current, out)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == f"{out}: 6 nodes, 5 edges"
        current = out
    assert json.loads(run("ir", "info", current, "--json").stdout) == original


def test_talon_compatible_reads_as_talon_does():
    r = run("ir", "info", FIX / "talon" / "graphs" / "skip_mixed.t1c", "--talon-compatible", "--json")
    names = [n["name"] for n in json.loads(r.stdout)["nodes"]]
    assert names == sorted(names)


def test_errors_name_the_problem_and_leave_outputs_alone(tmp_path):
    r = run("ir", "info", tmp_path / "missing.nir")
    assert r.returncode == 10 and "CELESTA_ERR_IO" in r.stderr and "missing.nir" in r.stderr
    r = run("ir", "info", FIX / "nir" / "delay.json")              # a reference description, not IR JSON
    assert r.returncode == 11 and "CELESTA_ERR_PARSE" in r.stderr
    r = run("ir", "convert", FIX / "nir" / "delay.nir", tmp_path / "x.weird")
    assert r.returncode == 2 and "extension" in r.stderr
    out = tmp_path / "kept.nir"
    out.write_bytes(b"precious")
    r = run("ir", "convert", FIX / "talon" / "graphs" / "skip_mixed.t1c", out)   # SpikingAffine, BatchNorm have no NIR type
    assert r.returncode == 8 and "node 'fc2' is a SpikingAffine" in r.stderr   # the first such node in edge order
    assert out.read_bytes() == b"precious"
    bad = tmp_path / "cut.t1c"
    bad.write_bytes((FIX / "talon" / "graphs" / "skip_mixed.t1c").read_bytes()[:3000])
    r = run("ir", "info", bad)
    assert r.returncode in (10, 11) and "cut.t1c" in r.stderr and "Traceback" not in r.stderr


def test_xylo_map_and_pipeline_take_ir_graphs(tmp_path):
    import numpy as np
    from celesta import ir, nir

    dt, rng = 1e-3, np.random.default_rng(0)
    tm, ts = np.full(8, 0.02), np.full(8, 0.01)
    lif = lambda n: ir.CubaLIF(tau_syn=ts[:n], tau_mem=tm[:n], r=tm[:n] / dt, v_leak=np.zeros(n), v_threshold=np.ones(n),
                               v_reset=np.zeros(n), w_in=ts[:n] / dt)
    g = ir.Graph({"input": ir.Input(np.array([2])), "fc1": ir.Linear(rng.normal(0, 2, (8, 2))), "lif1": lif(8),
                  "fc2": ir.Linear(rng.normal(0, 2, (2, 8))), "lif2": lif(2), "output": ir.Output(np.array([2]))},
                 [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"), ("lif2", "output")])
    nir.write(tmp_path / "n.nir", g)
    np.save(tmp_path / "x.npy", rng.poisson(0.5, (50, 2)))
    r = run("xylo", "map", tmp_path / "n.nir", "--chip", "xa3", "--dt", "0.001", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["n_hidden"] == 8
    r = run("xylo", "pipeline", tmp_path / "n.nir", "--chip", "xa2", "--input", tmp_path / "x.npy")
    assert r.returncode == 0 and "quantized (channel) and valid" in r.stdout, r.stderr
    r = run("xylo", "map", FIX / "nir" / "conv2d_pool_flatten.nir", "--chip", "xa3")
    assert r.returncode == 8 and "node 'conv' (Conv2d): Xylo has no convolutions" in r.stderr
    r = run("xylo", "map", ROOT / "examples" / "networks" / "kws_default.json", "--chip", "xa3", "--dt", "1")
    assert r.returncode == 2 and "applies to IR graphs only" in r.stderr
