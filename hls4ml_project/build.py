#!/usr/bin/env python3
"""Build script of the FPGA project snn_demo (written by Celesta's build_bitstream).

Part xczu9eg-ffvb1156-2-i, clock 5 ns. Steps chosen when the project was written
(BitstreamConfig): csim=True, synth=False, cosim=False, export=False, vsynth=False, bitfile=False.

    python build.py [--model FILE]               write the Celesta HLS project of the network
                                                 into celesta_project/; with csim, compile its C
                                                 simulation (g++) and check it against Celesta's
                                                 bit-exact fixed-point simulator
    python build.py [--model FILE] --bitstream   then run build_prj.tcl in Vitis HLS (or Vivado
                                                 HLS), which must be on PATH

FILE: the network as a .t1c, .nir or IR JSON graph; default model.t1c next to this script
(write it with celesta.ir.write("model.t1c", graph)). Part, clock, io type, precisions,
reuse factors and strategy come from hls4ml_config.json next to this script. Needs the
celesta Python package; the C simulation needs g++ and the ap_types headers (see
Celesta's README, "ap_types headers").
"""

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "celesta_project"
STEPS = {"csim": True, "synth": False, "cosim": False, "export": False, "vsynth": False, "bitfile": False}
CHECK_STEPS = 8  # time steps of the C-simulation check


def fail(message):
    print(f"build.py: {message}", file=sys.stderr)
    sys.exit(1)


def load_settings():
    with open(HERE / "hls4ml_config.json", encoding="utf-8") as f:
        return json.load(f)


def hls_model(settings, model_file):
    try:
        from celesta import hls
    except ImportError:
        fail("the celesta Python package is not installed (run `make python-install` in a Celesta checkout)")
    if not model_file.exists():
        fail(f"no network at {model_file}; pass --model FILE, or write one with celesta.ir.write({str(model_file)!r}, graph)")
    model = settings["HLSConfig"]["Model"]
    layer_names = settings["HLSConfig"].get("LayerName") or {}
    return hls.convert(str(model_file), output_dir=str(PROJECT), project_name=settings["ProjectName"], io_type=settings["IOType"],
                       part=settings["Part"], clock_period=settings["ClockPeriod"], default_precision=model["Precision"],
                       reuse_factor=model["ReuseFactor"], strategy=model["Strategy"],
                       hls_config={"HLSConfig": {"LayerName": layer_names}} if layer_names else None)


def check_csim(m):
    """Compiles the C simulation and runs it on random spikes next to the fixed-point simulator."""
    import numpy as np

    print("compiling the C simulation (g++)...")
    m.compile()
    x = np.random.default_rng(0).integers(0, 2, (CHECK_STEPS, m.n_in)).astype(np.float64)
    got, want = np.asarray(m.predict(x)), np.asarray(m.simulate(x))
    if not np.array_equal(got, want):
        fail(f"the C simulation differs from the fixed-point simulator:\n{got}\n{want}")
    print(f"C simulation: {CHECK_STEPS} steps equal to Celesta's fixed-point simulator")


def run_hls():
    tool = shutil.which("vitis_hls") or shutil.which("vivado_hls")
    if tool is None:
        fail("neither vitis_hls nor vivado_hls is on PATH; source the Vitis/Vivado settings script, or run without --bitstream")
    steps = " ".join(f"{k}={int(v)}" for k, v in STEPS.items())
    print(f"running {tool} -f build_prj.tcl ({steps})")
    subprocess.run([tool, "-f", "build_prj.tcl", "-tclargs", *steps.split()], cwd=HERE, check=True)


def main():
    parser = argparse.ArgumentParser(description="Write, check and synthesise the Celesta HLS project of snn_demo.")
    parser.add_argument("--model", type=Path, default=HERE / "model.t1c", help="the network (.t1c, .nir or IR JSON graph)")
    parser.add_argument("--bitstream", action="store_true", default=False,
                        help="run build_prj.tcl in Vitis HLS after writing the project (default: BitstreamConfig.bitfile)")
    parser.add_argument("--no-bitstream", dest="bitstream", action="store_false", help="do not run Vitis HLS")
    args = parser.parse_args()
    settings = load_settings()
    m = hls_model(settings, args.model)
    files = m.write(overwrite=True)
    print(f"wrote {len(files)} files of the Celesta HLS project into {PROJECT}")
    if STEPS["csim"]:
        check_csim(m)
    if args.bitstream:
        run_hls()


if __name__ == "__main__":
    main()
