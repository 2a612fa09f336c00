#!/usr/bin/env bash
# The demo of `make demo`: the chip table from the CLI, the C example and Python.
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
