#!/usr/bin/env bash
# Makes `.venv-rockpool`, the venv of the Rockpool interop tests (test_rockpool_interop.py):
# Rockpool 3.1.0 needs numpy < 2, where the project venv has numpy 2, so it gets its own venv
# with rockpool==3.1.0, numpy<2, scipy, xylosim 0.1.3 (what Rockpool's XyloSim wraps), pytest and Celesta's package (from build/lib).
# samna (SynSense's closed HDK library) is not installed: the tests stub its import.
# Runs once (a stamp records success); prints why and exits 0 when something cannot be
# installed, so that the caller skips the interop tests instead of failing.
set -uo pipefail
cd "$(dirname "$0")/.."
venv=.venv-rockpool
stamp=$venv/.celesta-rockpool-ok
if [ -f "$stamp" ]; then
  # Celesta itself changes between runs: reinstall it (no dependencies, no network).
  CELESTA_LIB_DIR="$PWD/build/lib" "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    --no-build-isolation --force-reinstall --no-deps ./bindings/python
  exit 0
fi
py=python3
command -v python3.11 >/dev/null && py=python3.11
rm -rf "$venv"
pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check)
if "$py" -m venv "$venv" \
   && "${pip[@]}" "numpy<2" scipy pytest setuptools wheel rockpool==3.1.0 xylosim==0.1.3 \
   && CELESTA_LIB_DIR="$PWD/build/lib" "${pip[@]}" --no-build-isolation --force-reinstall --no-deps ./bindings/python \
   && "$venv/bin/python" -c 'import rockpool, numpy; assert numpy.__version__ < "2"'; then
  touch "$stamp"
else
  echo "rockpool venv: rockpool 3.1.0 could not be installed into $venv: the interop tests will be skipped"
fi
exit 0
