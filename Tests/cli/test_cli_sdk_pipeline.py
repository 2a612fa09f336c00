"""`celesta sdk pipeline FILE --target ...` (the staged build/bin/celesta): every shared TALON
`pipeline` case with --talon-compatible, Celesta's own targets (the CPU simulator with
measured latency, Xylo Audio 3 with its cycle and power models, fpga), the summary text, bad
input and Ctrl-C."""

import json
import math
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "build" / "bin" / "celesta"
FIX = ROOT / "Tests" / "Fixtures" / "talon"
GRAPHS = FIX / "graphs"


def run(*args):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True)


def case(name):
    return json.loads((FIX / "cases" / f"{name}.json").read_text())


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def flags(config):
    out = ["--target", config["target"], "--timesteps", config["timesteps"], "--bit-width", config["bit_width"],
           "--num-cores", config["num_cores"]]
    for key, flag in (("quantize", "--quantize"), ("partition", "--partition"), ("verbose", "--verbose")):
        if config[key]:
            out.append(flag)
    if not config["lint"]:
        out.append("--no-lint")
    if not config["profile"]:
        out.append("--no-profile")
    return out


@pytest.mark.parametrize("name", ["conv_snn", "mlp_seed_backend", "recurrent_lif", "skip_mixed"])
def test_shared_pipeline_cases(name):
    c = case(f"pipeline.{name}")
    e = c["expected"]
    r = run("sdk", "pipeline", GRAPHS / f"{name}.t1c", *flags(c["args"]["config"]), "--talon-compatible", "--json")
    assert r.returncode == (0 if e["success"] else 1), r.stderr
    got = json.loads(r.stdout)
    assert got["errors"] == e["errors"] and got["success"] == e["success"]
    assert [len(x["issues"]) for x in got["lint_results"]] == [len(x["issues"]) for x in e["lint_results"]]
    assert got["analysis"]["total_params"] == e["analysis"]["total_params"]
    assert got["analysis"]["depth"] == e["analysis"]["depth"]
    for k in ("total_uj", "mac_energy_uj", "spike_energy_uj", "memory_energy_uj"):
        assert close(got["energy"][k], e["energy"][k]), k
    for k in ("mac_count", "spike_count", "memory_accesses"):
        assert got["energy"][k] == e["energy"][k], k
    sim, want = got["simulation"], e["simulation"]
    assert sim["spike_counts"] == want["spike_counts"] and sim["timesteps_run"] == want["timesteps_run"]
    assert sim["mac_ops"] == want["mac_ops"] and sim["peak_memory_bytes"] == want["peak_memory_bytes"]
    assert close(sim["energy_estimate_uj"], want["energy_estimate_uj"])
    if e["profile"] is None:
        assert got["profile"] is None
    else:
        for k in ("mac_ops", "peak_memory_bytes", "weight_memory_bytes", "state_memory_bytes", "total_sram_accesses"):
            assert got["profile"][k] == e["profile"][k], k
        for k in ("energy_estimate_uj", "mac_energy_uj", "sram_energy_uj"):
            assert close(got["profile"][k], e["profile"][k]), k
        assert got["profile"]["energy_is_estimate"] is True


def test_missing_file_case():
    r = run("sdk", "pipeline", GRAPHS / "does_not_exist.t1c", "--talon-compatible", "--json")
    assert r.returncode == 1
    got = json.loads(r.stdout)
    want = case("pipeline.missing_file")["expected"]["errors"][0].replace("<GRAPHS>", str(GRAPHS))
    assert got["errors"] == [want] and got["success"] is False and got["analysis"] is None


def test_cpu_default_mode_computes_the_conv_and_measures_latency():
    r = run("sdk", "pipeline", GRAPHS / "conv_snn.t1c", "--timesteps", 10, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    got = json.loads(r.stdout)
    assert got["simulated_on"] == "cpu" and got["profile"]["latency_source"] == "measured"
    assert got["profile"]["total_latency_us"] > 0 and got["profile"]["energy_is_estimate"]
    # Celesta computes the convolution over its output positions: more MACs than TALON's count.
    talon = json.loads(run("sdk", "pipeline", GRAPHS / "conv_snn.t1c", "--timesteps", 10, "--json", "--talon-compatible").stdout)
    assert got["profile"]["mac_ops"] > talon["profile"]["mac_ops"]


def _affine_lif_file(tmp_path):
    """Input 4 -> Affine -> LIF 6 -> Affine -> LIF 2 -> Output, as IR JSON written by Python."""
    from celesta import ir
    rng = np.random.default_rng(3)

    def lif(n):
        return ir.LIF(tau=np.full(n, 0.02, np.float32), r=np.full(n, 20, np.float32), v_leak=np.zeros(n, np.float32),
                      v_threshold=np.ones(n, np.float32))
    g = ir.Graph(nodes={"input": ir.Input(np.array([4])),
                        "fc1": ir.Affine(weight=rng.uniform(0.2, 1.0, (6, 4)).astype(np.float32), bias=np.zeros(6, np.float32)),
                        "lif1": lif(6),
                        "fc2": ir.Affine(weight=rng.uniform(0.2, 1.0, (2, 6)).astype(np.float32), bias=np.zeros(2, np.float32)),
                        "lif2": lif(2), "output": ir.Output(np.array([2]))},
                 edges=[("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"), ("lif2", "output")])
    path = tmp_path / "net.t1c"
    ir.write(str(path), g)
    return path


def _chip_inputs(tmp_path):
    """The Affine + LIF file, and 40 steps of event counts for it ([40, 4], as JSON and as an array)."""
    path = _affine_lif_file(tmp_path)
    x = np.random.default_rng(7).integers(0, 6, size=(40, 4))
    raster = tmp_path / "x.json"
    raster.write_text(json.dumps(x.tolist()))
    return path, raster, x


def test_xylo_a3_deploys_simulates_and_reports_its_models(tmp_path):
    from celesta import sdk
    path, raster, x = _chip_inputs(tmp_path)
    r = run("sdk", "pipeline", path, "--target", "xylo-a3", "--timesteps", 40, "--no-lint", "--input", raster, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    got = json.loads(r.stdout)
    assert got["simulated_on"] == "xylo-a3" and got["deployment"]["chip"] == "syns65302"
    assert got["deployment"]["n_in"] == 4 and got["deployment"]["n_out"] == 2
    p = got["profile"]
    assert p["latency_source"] == "cycle model" and p["energy_source"] == "power model"
    assert p["cycles_per_step"] > 0 and p["clock_hz"] > 0 and sorted(p["power_watts"]) == ["analog", "digital", "io"]
    # The same numbers as Python's run_pipeline on the engine.
    py = sdk.run_pipeline(str(path), sdk.PipelineConfig(target="xylo-a3", timesteps=40, lint=False), input_data={"input": x})
    assert got["simulation"]["spike_counts"] == py.simulation.spike_counts and sum(py.simulation.spike_counts.values()) > 0
    assert p["cycles_per_step"] == py.profile.cycles_per_step and p["power_watts"] == py.profile.power_watts
    text = run("sdk", "pipeline", path, "--target", "xylo-a3", "--timesteps", 40, "--no-lint", "--input", raster).stdout
    assert "compiled for xylo-a3: chip syns65302" in text and "power model" in text and text.rstrip().endswith("success")


def test_xylo_v1_reports_its_derived_cycle_and_power_models(tmp_path):
    path, raster, _ = _chip_inputs(tmp_path)
    r = run("sdk", "pipeline", path, "--target", "xylo-v1", "--timesteps", 40, "--no-lint", "--input", raster, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    got = json.loads(r.stdout)
    p = got["profile"]
    assert got["simulated_on"] == "xylo-v1" and got["deployment"]["chip"] == "syns61300" and got["deployment"]["clock_hz"] > 0
    assert p["latency_source"] == "derived cycle model" and p["energy_source"] == "derived power model"
    assert list(p["power_watts"]) == ["snn_core"] and p["cycles_per_step"] > 0 and p["energy_estimate_uj"] > 0
    assert any("no reference model or measurement" in n for n in p["model_notes"])
    assert any(n.startswith("derived power model: no dev kit") for n in p["model_notes"])
    text = run("sdk", "pipeline", path, "--target", "xylo-v1", "--timesteps", 40, "--no-lint", "--input", raster).stdout
    assert "profile (derived cycle model)" in text and "  note: derived cycle model: no reference" in text
    assert "; derived power model: " in text and "(snn_core " in text and "  note: derived power model: no dev kit" in text
    assert "power unavailable" not in text and text.rstrip().endswith("success")


def test_fpga_target_compiles_and_simulates_on_the_cpu():
    r = run("sdk", "pipeline", GRAPHS / "mlp_784_128_10.t1c", "--target", "fpga", "--timesteps", 2, "--json")
    got = json.loads(r.stdout)
    assert r.returncode == 0, got["errors"]
    assert got["simulated_on"] == "cpu" and got["deployment"]["hls_layers"] > 0


def test_summary_text_and_failures():
    r = run("sdk", "pipeline", GRAPHS / "mlp_seed_backend.t1c", "--target", "tpu", "--timesteps", 2)
    assert r.returncode == 1
    assert "error: Backend 'tpu' not found" in r.stdout and r.stdout.rstrip().endswith("failed: 1 error(s)")
    assert "simulated on cpu: 2 steps" in r.stdout and "energy (estimate_energy" in r.stdout


@pytest.mark.parametrize("args, needle", [
    (["--timesteps", "0"], "--timesteps"), (["--num-cores", "0"], "--num-cores"), (["--bit-width", "1"], "--bit-width"),
    (["--dt", "-1"], "--dt"), (["--input", "/nonexistent/x.json"], "x.json")])
def test_bad_arguments(args, needle):
    r = run("sdk", "pipeline", GRAPHS / "mlp_seed_backend.t1c", *args)
    assert r.returncode not in (0, 1) and needle in r.stderr, r.stderr


def test_bad_input_shape_is_reported(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("[[1, 2], [3]]")
    r = run("sdk", "pipeline", GRAPHS / "mlp_seed_backend.t1c", "--input", bad)
    assert r.returncode == 6 and "rectangular" in r.stderr
    bad.write_text("[1, 2, 3]")
    r = run("sdk", "pipeline", GRAPHS / "mlp_seed_backend.t1c", "--input", bad, "--json")
    assert r.returncode == 1 and "node 'input'" in json.loads(r.stdout)["errors"][0]


@pytest.mark.parametrize("mode", [[], ["--talon-compatible"]])
def test_ctrl_c_stops_a_long_run(mode):
    """Ctrl-C during the simulation stops it at its next progress report (the simulator's
    cancel, not an exit from the signal handler)."""
    p = subprocess.Popen([str(CLI), "sdk", "pipeline", str(GRAPHS / "mlp_784_128_10.t1c"), "--timesteps", "1000000000", *mode],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        raise
    assert p.returncode == 14 and "CELESTA_ERR_CANCELLED" in err, (p.returncode, err)
    assert "simulation cancelled" in err and out == "", err


def test_a_long_run_shows_its_progress_on_a_terminal():
    """On a terminal the bar moves inside the simulate stage (stage 7 of 8: 75% to 87%)."""
    import pty
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([str(CLI), "sdk", "pipeline", str(GRAPHS / "mlp_784_128_10.t1c"), "--timesteps", "400000", "--no-lint"],
                             stdout=subprocess.PIPE, stderr=slave, text=True)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        out = p.communicate(timeout=120)[0]
    finally:
        os.close(master)
    shown = b"".join(chunks).decode()
    percents = [int(x) for x in re.findall(r"\] (\d+)%", shown)]
    assert p.returncode == 0 and out.rstrip().endswith("success"), shown
    assert any(75 < x < 87 for x in percents), percents
    assert percents == sorted(percents), percents
