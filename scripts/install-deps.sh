#!/usr/bin/env bash
# Installs what building and testing Celesta needs and is missing, on Debian/Ubuntu:
#   system packages with apt-get (only those not installed yet), and
#   the project venv .venv at the repository root with the Python packages of
#   bindings/python/requirements-dev.txt (never a global pip install).
# A second run finds everything present and does nothing. Usage: install-deps.sh [--no-venv]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libusb-1.0-0-dev libhdf5-dev libdeflate-dev pkg-config cmake gcc g++ make chromium fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Python: the interpreter must be able to make a venv and compile extensions.
python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null; then
  missing+=(python3 python3-dev python3-venv)
else
  "$python" -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
  "$python" - <<'PY' 2>/dev/null || missing+=(python3-dev)
import os, sys, sysconfig
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")) else 1)
PY
fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]} with apt-get"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v swift >/dev/null; then
  echo "install-deps: no Swift toolchain on PATH; install Swift 6.x (https://www.swift.org/install/linux/)" >&2
  exit 1
fi

[ "${1:-}" = "--no-venv" ] && exit 0

# The project venv; rebuilt when the requirements change.
req=bindings/python/requirements-dev.txt
stamp=.venv/.celesta-requirements
if [ ! -x .venv/bin/python ] || ! cmp -s "$req" "$stamp"; then
  echo "install-deps: preparing .venv"
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req"
  # TALON's IR, for the .t1c interop tests (they skip without it): a CPython 3.11 wheel,
  # installed without its dependencies (requirements-dev.txt has the ones `talon.ir` imports).
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps talon-ir==0.0.2 \
    || echo "install-deps: talon-ir 0.0.2 (CPython 3.11 only) not installed; the TALON interop tests will skip"
  # hls4ml 1.3.0 only for its ap_types headers (Xilinx, Apache-2.0), which the FPGA backend's
  # generated C++ compiles against (README "ap_types headers"); its dependencies are not needed.
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps hls4ml==1.3.0 \
    || echo "install-deps: hls4ml 1.3.0 not installed; the FPGA C-simulation tests will skip"
  cp "$req" "$stamp"
fi
