#!/usr/bin/env bash
# The demo of `make demo`: the chip table from the CLI, the C example and Python, then the
# Xylo pipeline on the bundled default network (examples/networks, made by
# scripts/make_demo_network.py): map for Xylo Audio 2 and 3, quantize both ways, validate,
# simulate on the bundled input and print hardware use, spikes per layer and the class per window;
# then deploy to a virtual Xylo Audio 3 kit and run the bundled WAV through its front end and the
# network (class per window, minimum clock, modelled power per rail).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== celesta CLI (build/bin/celesta chips) =="
build/bin/celesta --version
build/bin/celesta chips

echo
echo "== C example (examples/c/chips.c through include/celesta.h) =="
cc -std=c99 -Wall -Wextra -Werror -pedantic -I include examples/c/chips.c \
  -L build/lib -Wl,-rpath,"$PWD/build/lib" -lcelesta -o "$tmp/chips"
"$tmp/chips"

echo
echo "== Python (.venv, import celesta) =="
.venv/bin/python - <<'PY'
import celesta
print("celesta", celesta.__version__, "-", celesta.build_info())
for c in celesta.chips():
    print(f"  {c['id']}  {c['name']:<13} inputs={c['max_inputs']:<3} hidden={c['max_hidden_neurons']:<5}"
          f" outputs={c['max_output_neurons']:<3} synapses/neuron={c['synapses_per_hidden_neuron']}"
          f" weight={c['weight_bits']}b state={c['state_bits']}b dash={c['dash_min']}..{c['dash_max']}")
PY

echo
echo "== Xylo pipeline on the bundled keyword-spotting network (celesta xylo pipeline) =="
echo "input: examples/networks/kws_default_input.npy, 8 windows of 50 steps, window w carries keyword w"
for chip in xa2 xa3; do
  for method in global channel; do
    echo
    echo "-- $chip, $method quantization --"
    build/bin/celesta xylo pipeline examples/networks/kws_default.json --chip "$chip" --method "$method" \
      --input examples/networks/kws_default_input.npy --window 50
  done
done

echo
echo "== Deploying to a virtual Xylo Audio 3 dev kit (celesta hdk monitor) =="
echo "audio: examples/audio/kws_default.wav (scripts/make_demo_audio.py), 8 keywords of 150 ms, keyword w in window w"
build/bin/celesta xylo map examples/networks/kws_default.json --chip xa3 --output "$tmp/kws_xa3_spec.json" >/dev/null
build/bin/celesta xylo quantize "$tmp/kws_xa3_spec.json" --method channel --output "$tmp/kws_xa3.json" >/dev/null
build/bin/celesta hdk list --virtual xa3
build/bin/celesta hdk monitor --virtual xa3 --config "$tmp/kws_xa3.json" --audio examples/audio/kws_default.wav --window 146

echo
echo "== FPGA: an hls4ml-style 8-16-4 LIF network with a readout as an HLS project (celesta.hls) =="
echo "network: Tests/Fixtures/hls4ml/S01 (hls4ml's layer dicts and config), 25 steps, windows of 10"
.venv/bin/python - "$tmp/hls" <<'PY'
import json, sys
import numpy as np
from celesta import hls
case = json.load(open("Tests/Fixtures/hls4ml/S01_lif_8-16-4_sub_scalar_argmax_w10.json"))
m = hls.from_layers(case["layers"], case["hls4ml_config"], output_dir=sys.argv[1])
print(m)
x = np.asarray(case["input"])
m.compile()
import os
files = sum(len(f) for _, _, f in os.walk(m.output_dir))
print("project:", m.output_dir, "-", files, "files (firmware, weights, testbench, build_lib.sh, build_prj.tcl, the compiled C-sim)")
csim = m.predict(x)[:, 0]
sim = m.simulate(x)[:, 0]
ref = m.simulate(x, reference="float")[:, 0]
print("C-sim (g++) class per step:    ", csim.astype(int).tolist())
print("Swift fixed-point simulator:   ", sim.astype(int).tolist(), "equal:", bool(np.array_equal(csim, sim)))
print("hls4ml's C-sim (reference):    ", np.asarray(case["expected"]["csim"]["output"])[:, 0].astype(int).tolist())
print("float64 model:                 ", ref.astype(int).tolist(), "- steps that differ:", int((ref != sim).sum()))
_, tr = m.simulate(x, trace=True)
_, tf = m.simulate(x, trace=True, reference="float")
gap = np.abs(tr["lif1"]["v_pre"] - tf["lif1"]["v_pre"]).max()
print(f"quantization loss: largest lif1 membrane difference fixed vs float {gap:.6f}")
PY
