"""`celesta events info|convert|window` (the staged build/bin/celesta)."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "build" / "bin" / "celesta"
TALON_FILE = ROOT / "Tests" / "Fixtures" / "talon" / "events" / "events_writer.h5"
COMPOUND_FILE = ROOT / "Tests" / "Fixtures" / "talon" / "events" / "events_compound.h5"


def run(*args):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True)


def test_info_of_a_talon_file():
    r = run("events", "info", TALON_FILE, "--json", "--check-sorted")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["n_events"] == 1000 and info["layout"] == "separate" and info["format"] == "t1c_events_v1"
    assert (info["sensor_width"], info["sensor_height"], info["t_start"], info["t_end"]) == (128, 128, 16, 99934)
    assert info["gzip_level"] == 4 and info["chunk_length"] == 100000 and info["sorted"] is True
    text = run("events", "info", TALON_FILE).stdout
    assert "1000 events, layout separate" in text and "sensor: 128 x 128" in text


def test_window_and_convert(tmp_path):
    r = run("events", "window", TALON_FILE, "--start", 10000, "--end", 50000, "--json", "-o", tmp_path / "w.h5")
    assert r.returncode == 0, r.stderr
    w = json.loads(r.stdout)
    assert (w["n"], w["index_start"], w["index_end"], w["first_t"], w["last_t"]) == (373, 103, 476, 10118, 49411)
    info = json.loads(run("events", "info", tmp_path / "w.h5", "--json").stdout)
    assert info["n_events"] == 373 and info["t_start"] == 10118
    # The compound file (h5py) to TALON's layout, uncompressed.
    r = run("events", "convert", COMPOUND_FILE, tmp_path / "c.h5", "--uncompressed")
    assert r.returncode == 0, r.stderr
    info = json.loads(run("events", "info", tmp_path / "c.h5", "--json").stdout)
    assert info["layout"] == "separate" and info["n_events"] == 20 and info["gzip_level"] is None and info["t_end"] == 190


def test_errors_are_named():
    r = run("events", "info", "/nonexistent.h5")
    assert r.returncode != 0 and "no such file" in r.stderr
    r = run("events", "info", TALON_FILE, "--group", "nope")
    assert r.returncode != 0 and "nope" in r.stderr
    r = run("events", "window", TALON_FILE, "--start", 5, "--end", 1)
    assert r.returncode != 0 and "--start" in r.stderr
    r = run("events", "convert", TALON_FILE, "/nonexistent/dir/out.h5")
    assert r.returncode != 0 and "no such folder" in r.stderr


def test_ctrl_c_stops_a_long_convert_cleanly(tmp_path):
    celesta_io = pytest.importorskip("celesta.io")
    np.random.seed(0)
    big = tmp_path / "big.h5"
    celesta_io.write_h5(big, celesta_io.generate_random_events(8_000_000))
    out = tmp_path / "out.h5"
    p = subprocess.Popen([str(CLI), "events", "convert", str(big), str(out), "--level", "9"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(0.6)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    if p.returncode == 0:
        pytest.skip("the convert finished before Ctrl-C")
    assert p.returncode == 14, err
    assert "CANCELLED" in err
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["big.h5"]
