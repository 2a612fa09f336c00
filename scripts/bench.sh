#!/usr/bin/env bash
# `make bench`: benchmarks of the built library. Figures are printed, never asserted.
# `make bench BENCH=ir` runs only the IR file rows (.t1c against TALON, NIR against nir, the
# HDF5 tree layer).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
only=${BENCH:-}
case "$only" in ""|ir) ;; *) echo "BENCH=$only: use BENCH=ir or leave it unset (every row)" >&2; exit 2 ;; esac

ir_rows() {
  scripts/bench_setup.sh
  echo "== IR files: .t1c from Python, Celesta vs TALON 0.0.x =="
  .venv/bin/python scripts/bench_ir.py
  echo "== IR files: NIR from C, Celesta vs nir 1.0.8 =="
  cc -std=c99 -O2 -I include Tests/bench/ir_nir.c -L build/lib -Wl,-rpath,"$PWD/build/lib" -lcelesta -o "$tmp/ir_nir"
  .venv/bin/python scripts/bench_nir.py "$tmp/ir_nir"
  echo "== IR files: the HDF5 tree layer alone =="
  .build/release/celesta-bench-hdf5
}

if [ "$only" = ir ]; then
  ir_rows
  exit 0
fi

echo "== C ABI call overhead =="
cc -std=c99 -O2 -I include Tests/bench/call_overhead.c -L build/lib -Wl,-rpath,"$PWD/build/lib" -lcelesta -o "$tmp/bench"
"$tmp/bench"
echo "== Python call overhead =="
.venv/bin/python - <<'PY'
import timeit
import celesta
from celesta import _celesta
n = 200000
for label, stmt in [("_celesta.chip_info(1)", lambda: _celesta.chip_info(1)),
                    ("celesta.chip('xa3')", lambda: celesta.chip("xa3"))]:
    t = min(timeit.repeat(stmt, number=n, repeat=3)) / n
    print(f"py  {label:<22} {t * 1e9:8.1f} ns/call")
PY
echo "== Xylo simulator =="
if ! .venv/bin/python -c "import xylosim" 2>/dev/null; then
  echo "installing the reference simulator xylosim 0.1.3 into .venv (built from source)"
  .venv/bin/python -m pip install -q --disable-pip-version-check xylosim==0.1.3 || echo "xylosim could not be installed: ratios will be n/a"
fi
scripts/rockpool_venv.sh  # .venv-rockpool: Rockpool's XyloSim, the second reference of the rows below
.venv/bin/python scripts/bench_xylo.py
echo "== Virtual dev kit =="
.venv/bin/python scripts/bench_hdk.py
echo "== Audio front end =="
.venv/bin/python scripts/bench_afe.py
echo "== Xylo mapper + quantizer =="
cc -std=c99 -O2 -I include Tests/bench/mapper.c -L build/lib -Wl,-rpath,"$PWD/build/lib" -lcelesta -o "$tmp/mapper"
"$tmp/mapper"
.venv/bin/python scripts/bench_mapper.py
echo "== SDK analysis: analyze/profile/lint of 5,002 nodes from Python, Celesta vs TALON 0.0.x =="
scripts/bench_setup.sh
.venv/bin/python scripts/bench_sdk.py
echo "== CPU simulator: celesta.backend cpu vs TALON =="
scripts/bench_setup.sh
.venv/bin/python scripts/bench_cpu.py
echo "== FPGA backend: HLS projects, C simulation, fixed-point simulator =="
.venv/bin/python scripts/bench_hls.py
echo "== Hardware mapping: partition from Python, Celesta vs TALON 0.0.x =="
scripts/bench_setup.sh
.venv/bin/python scripts/bench_mapping.py
ir_rows
echo "== Event files and spike encoders: Celesta vs TALON 0.0.1 (h5py, numpy) =="
.venv/bin/python scripts/bench_io.py
