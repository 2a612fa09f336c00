"""Tests of the `celesta` command (the staged build/bin/celesta), run by `make test`."""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "build" / "bin" / "celesta"
VERSION = subprocess.run(["make", "-s", "-C", str(ROOT), "print-version"], capture_output=True,
                         text=True, check=True).stdout.strip()


def run(*args):
    return subprocess.run([str(CLI), *args], capture_output=True, text=True)


def test_version():
    r = run("--version")
    assert r.returncode == 0
    assert r.stdout.startswith(f"celesta {VERSION} (libusb 1.")


def test_chips_table_lists_every_chip_and_limit():
    r = run("chips")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["id", "syns61201", "syns65302", "syns61300"]
    rows = {line.split()[0]: line.split()[1:] for line in lines}
    assert rows["max_hidden_neurons"] == ["1000", "992", "1000"]
    assert rows["max_output_neurons"] == ["8", "32", "8"]
    assert rows["bias_bits"] == ["16", "16", "0"]


def test_chips_json_and_single_chip():
    r = run("chips", "--json")
    assert r.returncode == 0
    chips = json.loads(r.stdout)
    assert [c["id"] for c in chips] == ["syns61201", "syns65302", "syns61300"]
    one = json.loads(run("chips", "xa3", "--json").stdout)
    assert one == [chips[1]]


def test_unknown_chip_exit_code_follows_status_code():
    r = run("chips", "xa9")
    assert r.returncode == 3, "CELESTA_ERR_NOT_FOUND is -3"
    assert r.stdout == ""
    assert r.stderr.startswith("celesta: error: CELESTA_ERR_NOT_FOUND: chip 'xa9' is unknown")


def test_usage_error():
    r = run("chips", "--no-such-flag")
    assert r.returncode == 64
    assert "--no-such-flag" in r.stderr
