#!/usr/bin/env bash
# Sets up the reference venv of the IR benchmarks, `.bench/talon-venv` (Python 3.11): TALON's
# packages as wheels without their dependencies (talon.sdk's talon.bridge needs torch, which the
# benchmarks do not: they use talon.ir only), the dependencies that change TALON's results at the
# versions of the reference README, and nir 1.0.8 (h5py). Runs once: a stamp records success.
# Never fails `make bench`: when something cannot be installed it says so, and the IR benchmark
# prints "skipped" rows.
set -uo pipefail
cd "$(dirname "$0")/.."
venv=.bench/talon-venv
stamp=$venv/.celesta-bench-ok
[ -f "$stamp" ] && exit 0
py=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    py=$candidate; break
  fi
done
if [ -z "$py" ]; then
  echo "bench setup: no Python 3.11 found (TALON's wheels are built for 3.11): TALON rows will be skipped"
  exit 0
fi
echo "bench setup: creating $venv (TALON 0.0.x, nir 1.0.8) with $py"
rm -rf "$venv"
mkdir -p .bench
pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check)
if "$py" -m venv "$venv" \
   && "${pip[@]}" --no-deps t1c-talon==0.0.1 talon-ir==0.0.2 talon-backend==0.0.3 talon-graph==0.0.1 talon-io==0.0.1 \
   && "${pip[@]}" numpy==2.4.6 scipy==1.17.1 h5py==3.16.0 rustworkx==0.18.1 networkx nir==1.0.8 \
   && "$venv/bin/python" -c 'import talon.ir, nir, h5py'; then
  touch "$stamp"
else
  echo "bench setup: TALON or nir could not be installed into $venv: their rows will be skipped"
fi
exit 0
