"""Issue 16 through the `celesta` command: outputs never replace what is not a regular file
(defect 4), bounded work from a small file (5), Ctrl-C in the Xylo Audio 2 front end (7), file
errors and bad samples named in words, .npy headers checked (9), and hostile numbers in a spec
(2)."""

import json
import os
import signal
import stat
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(os.environ.get("CELESTA_CLI", ROOT / "build" / "bin" / "celesta"))
NETWORK = ROOT / "examples" / "networks" / "kws_default.json"
DEMO_INPUT = ROOT / "examples" / "networks" / "kws_default_input.npy"

sys.path.insert(0, str(Path(__file__).parent))
from test_cli_afe import float_wav, write_wav  # noqa: E402


def run(*args, timeout=120):
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, timeout=timeout)


def mapped_spec(tmp_path):
    spec = tmp_path / "spec.json"
    r = run("xylo", "map", NETWORK, "--chip", "xa2", "--output", spec)
    assert r.returncode == 0, r.stderr
    return spec


# ---- defect 4: what an output may replace ----

def test_output_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.json"
    link.symlink_to("real.json")  # relative, as users make them
    spec = mapped_spec(tmp_path)
    r = run("xylo", "quantize", spec, "--output", link)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == "real.json"
    assert json.loads(target.read_text())["chip"]  # the target holds the new config
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # and keeps its permissions


def test_output_to_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "new.json")
    r = run("xylo", "map", NETWORK, "--chip", "xa2", "--output", link)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and (tmp_path / "new.json").is_file()


def test_output_refuses_a_fifo_and_leaves_it(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    r = run("xylo", "map", NETWORK, "--chip", "xa2", "--output", fifo)
    assert r.returncode != 0 and "FIFO" in r.stderr and "not a regular file" in r.stderr, r.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.json"]  # no temporary left


def device_node(tmp_path):
    """A character device (the null device's numbers) made in tmp_path: never the system's
    /dev/null, which a faulty build would replace. Needs root (skipped otherwise)."""
    dev = tmp_path / "device"
    try:
        os.mknod(dev, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return dev


def test_output_never_replaces_a_device(tmp_path):
    dev = device_node(tmp_path)
    before = os.lstat(dev)
    r = run("xylo", "map", NETWORK, "--chip", "xa2", "--output", dev)
    assert r.returncode != 0 and "character device" in r.stderr, r.stderr
    after = os.lstat(dev)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_output_refuses_a_symlink_to_a_device(tmp_path):
    dev = device_node(tmp_path)
    link = tmp_path / "out.json"
    link.symlink_to(dev)
    r = run("xylo", "map", NETWORK, "--chip", "xa2", "--output", link)
    assert r.returncode != 0 and "character device" in r.stderr, r.stderr
    assert link.is_symlink() and stat.S_ISCHR(os.lstat(dev).st_mode)


# ---- defect 9: file errors in words ----

def test_missing_file_error_names_the_cause(tmp_path):
    r = run("xylo", "quantize", tmp_path / "nope.json")
    assert r.returncode != 0
    assert "no such file" in r.stderr and "CocoaError" not in r.stderr and "rawValue" not in r.stderr, r.stderr


def test_npy_header_without_its_closing_brace_is_refused(tmp_path):
    spec = mapped_spec(tmp_path)
    config = tmp_path / "config.json"
    assert run("xylo", "quantize", spec, "--output", config).returncode == 0
    good = DEMO_INPUT.read_bytes()
    n = int.from_bytes(good[8:10], "little")
    header = good[10:10 + n].decode("latin1")
    bad_header = header.replace("}", " ")
    bad = tmp_path / "bad.npy"
    bad.write_bytes(good[:10] + bad_header.encode("latin1") + good[10 + n:])
    r = run("xylo", "sim", "--config", config, "--input", bad, "--output", tmp_path / "out.npy")
    assert r.returncode != 0 and "dictionary" in r.stderr, r.stderr
    assert not (tmp_path / "out.npy").exists()


def test_wav_of_infinite_samples_is_named_inf_not_nan(tmp_path):
    wav = tmp_path / "inf.wav"
    float_wav(wav, [0.0, np.inf, 0.1, 0.2] * 100, 16000)
    for chip in ("xa3", "xa2"):
        r = run("afe", wav, "--chip", chip, "--quiet")
        assert r.returncode != 0 and "inf" in r.stderr and "nan" not in r.stderr, (chip, r.stderr)


# ---- defect 2: hostile numbers in a spec ----

@pytest.mark.parametrize("alias", ["1e400", "1e19", "2.5", "-3"])
def test_quantize_refuses_an_alias_that_is_not_a_neuron_index(tmp_path, alias):
    spec = mapped_spec(tmp_path)
    obj = json.loads(spec.read_text())
    aliases = "[[" + alias + "]" + ", []" * (len(obj["dash_mem"]) - 1) + "]"
    obj["aliases"] = "@@"  # replaced textually: 1e400 is not a Python float
    spec.write_text(json.dumps(obj).replace('"@@"', aliases))
    r = run("xylo", "quantize", spec, "--output", tmp_path / "c.json")
    assert r.returncode != 0 and r.returncode < 128, r
    assert "aliases" in r.stderr, r.stderr


# ---- defect 5: bounded work ----

def test_wav_declaring_1_hz_is_refused_quickly_and_the_limit_can_be_raised(tmp_path):
    wav = tmp_path / "slow.wav"
    write_wav(wav, np.zeros(12000), 1)  # 24 KB that claims 3.3 hours of audio
    for chip in ("xa3", "xa2"):
        t0 = time.monotonic()
        r = run("afe", wav, "--chip", chip, "--output", tmp_path / "r.npy", "--quiet", timeout=60)
        assert r.returncode != 0 and "limit" in r.stderr and "--max-resample-ratio" in r.stderr, r.stderr
        assert time.monotonic() - t0 < 20
        assert not (tmp_path / "r.npy").exists()
    # A user who means it raises the bounds (a small file here, so that it stays quick).
    short = tmp_path / "short.wav"
    write_wav(short, 0.1 * np.sin(np.arange(40) / 3.0), 200)
    r = run("afe", short, "--chip", "xa3", "--quiet")
    assert r.returncode != 0 and "ratio" in r.stderr
    r = run("afe", short, "--chip", "xa3", "--quiet", "--max-resample-ratio", "1000", "--json")
    assert r.returncode == 0, r.stderr
    r = run("afe", short, "--chip", "xa3", "--quiet", "--max-resample-ratio", "1000", "--max-samples", "100")
    assert r.returncode != 0 and "--max-samples" in r.stderr


# ---- defect 7: Ctrl-C in the Xylo Audio 2 front end ----

def _cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a running process (all its threads), from /proc."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.parametrize("cpu_at_signal", [0.45, 1.5])  # in the microphone/LNA stage; in the filters
def test_ctrl_c_stops_the_audio2_front_end_promptly(tmp_path, cpu_at_signal):
    wav = tmp_path / "long.wav"
    rate = 110000
    write_wav(wav, 0.2 * np.sin(np.arange(rate * 20) * 0.05), rate)  # 20 s of audio
    err = open(tmp_path / "stderr.txt", "w")
    proc = subprocess.Popen([str(CLI), "afe", str(wav), "--chip", "xa2", "--quiet", "--output", str(tmp_path / "r.npy")],
                            stdout=subprocess.DEVNULL, stderr=err)
    # Work is measured in CPU time, which a loaded host does not stretch: the signal comes after
    # `cpu_at_signal` s of the run's CPU, and the work done after it must stay small,
    # since the front end checks for cancellation every few ms of work. Wall time only guards
    # against a hang.
    t_start = time.monotonic()
    while proc.poll() is None and _cpu_seconds(proc.pid) < cpu_at_signal and time.monotonic() - t_start < 120:
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    cpu_before = _cpu_seconds(proc.pid)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    while True:  # reaped here, not by Popen, to read the child's own resource usage
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - t0 > 30:
            proc.kill()
            os.wait4(proc.pid, 0)
            pytest.fail("Ctrl-C did not stop the front end within 30 s")
        time.sleep(0.01)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err.close()
    cpu_after_signal = usage.ru_utime + usage.ru_stime - cpu_before
    assert proc.returncode != 0, open(tmp_path / "stderr.txt").read()
    assert cpu_after_signal < 0.5, f"Ctrl-C took {cpu_after_signal:.2f} s of CPU (wall {time.monotonic() - t0:.2f} s)"
    assert not (tmp_path / "r.npy").exists()
