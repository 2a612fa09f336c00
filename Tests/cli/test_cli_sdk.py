"""`celesta sdk analyze|profile|lint|fingerprint` (the staged build/bin/celesta), against the
shared TALON cases."""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "build" / "bin" / "celesta"
FIX = ROOT / "Tests" / "Fixtures" / "talon"


def run(*args):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True)


def case(name):
    return json.loads((FIX / "cases" / f"{name}.json").read_text())["expected"]


def test_analyze_text_and_json():
    t1c = FIX / "graphs" / "conv_snn.t1c"
    r = run("sdk", "analyze", t1c, "--talon-compatible", "--json")
    assert r.returncode == 0, r.stderr
    expected = case("analyze.conv_snn.from_t1c")["graph_stats"]
    got = json.loads(r.stdout)
    assert {k: got[k] for k in ("total_params", "total_bytes", "total_flops", "depth", "width", "type_counts")} == \
        {k: expected[k] for k in ("total_params", "total_bytes", "total_flops", "depth", "width", "type_counts")}
    text = run("sdk", "analyze", t1c, "--verbose").stdout
    assert text.startswith("TALON IR Graph Summary\n") and "Layer Breakdown:" in text and "Parameters: 403.5K" in text


def test_analyze_counts_what_talon_leaves_out():
    t1c = FIX / "graphs" / "skip_mixed.t1c"
    mine = json.loads(run("sdk", "analyze", t1c, "--json").stdout)
    theirs = json.loads(run("sdk", "analyze", t1c, "--json", "--talon-compatible").stdout)
    assert theirs["total_params"] == 564 and mine["total_params"] == 644


def test_profile_of_a_recurrent_graph():
    t1c = FIX / "graphs" / "recurrent_lif.t1c"
    r = run("sdk", "profile", t1c)
    assert r.returncode == 0, r.stderr
    assert "TALON Hardware Profile" in r.stdout and "LIF layers:     2" in r.stdout
    r = run("sdk", "profile", t1c, "--talon-compatible")
    assert r.returncode == 8 and "CELESTA_ERR_UNSUPPORTED" in r.stderr and "NoneType" in r.stderr
    p = json.loads(run("sdk", "profile", FIX / "graphs" / "mlp_seed_backend.t1c", "--json").stdout)
    assert p == case("profile.mlp_seed_backend")["hardware_profile"]


def test_lint_exit_status_and_json():
    t1c = FIX / "graphs" / "mlp_seed_backend.t1c"
    r = run("sdk", "lint", t1c)
    assert r.returncode == 0, r.stderr
    assert "warning [PYTHON_KEYWORD] Node name 'input' is a Python keyword" in r.stdout
    assert r.stdout.strip().endswith("2 issue(s): 0 error(s), 2 warning(s), 0 info; valid")
    r = run("sdk", "lint", t1c, "--strict", "--json")
    assert r.returncode == 1
    assert json.loads(r.stdout) == case("lint.mlp_seed_backend")["lint_strict"]


def test_fingerprint_and_verify():
    t1c = FIX / "graphs" / "mlp_seed_backend.t1c"
    e = case("fingerprint.mlp_seed_backend")
    assert json.loads(run("sdk", "fingerprint", t1c, "--json").stdout) == {"structure": e["fingerprint_structure"], "full": e["fingerprint_full"]}
    assert run("sdk", "fingerprint", t1c, "--verify", e["fingerprint_full"]).returncode == 0
    r = run("sdk", "fingerprint", t1c, "--verify", "0" * 64)
    assert r.returncode == 1 and "does not match" in r.stdout


def test_bad_files():
    r = run("sdk", "analyze", FIX / "graphs" / "missing.t1c")
    assert r.returncode != 0 and "missing.t1c" in r.stderr
    r = run("sdk", "lint")
    assert r.returncode == 64
