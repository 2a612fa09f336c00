"""Issue 16: `celesta hdk ... --virtual CHIP` honours the fault plans of the virtual dev kit:
CELESTA_HDK_FAULTS (and `--virtual 'CHIP?faults=KIND@N'`) drive the kit through the real USB
transport over an in-memory bus whose N-th transfer fails. Every failure is a clear message
and the exit code of its status; a failed run leaves --output as it was."""

from test_cli import case_files, run

DEVICE, TIMEOUT, INVALID_ARGUMENT = 12, 13, 2


def test_the_environment_variable_reaches_the_cli(tmp_path, monkeypatch):
    _, config, npy, _ = case_files(tmp_path, "a2_random_small")
    out = tmp_path / "out.npy"
    out.write_bytes(b"kept")
    args = ("hdk", "run", "--virtual", "xa2", "--config", str(config), "--input", str(npy), "--output", str(out))
    monkeypatch.setenv("CELESTA_HDK_FAULTS", "unplug@1")
    r = run(*args)
    assert r.returncode == DEVICE and "gone" in r.stderr, r.stderr
    assert out.read_bytes() == b"kept", "a failed run leaves the output as it was"
    monkeypatch.setenv("CELESTA_HDK_FAULTS", "unplug@100000")  # a plan whose fault never comes
    r = run(*args)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() != b"kept"
    monkeypatch.delenv("CELESTA_HDK_FAULTS")
    assert run(*args).returncode == 0


def test_stalls_and_bad_plans(tmp_path, monkeypatch):
    _, config, npy, _ = case_files(tmp_path, "a2_random_small")
    monkeypatch.setenv("CELESTA_HDK_FAULTS", "stall@1")
    r = run("hdk", "run", "--virtual", "xa2", "--timeout-ms", "200", "--config", str(config), "--input", str(npy))
    assert r.returncode == TIMEOUT and "time" in r.stderr, r.stderr
    monkeypatch.setenv("CELESTA_HDK_FAULTS", "explode@1")
    r = run("hdk", "power", "--virtual", "xa2", "--config", str(config), "--input", str(npy))
    assert r.returncode == INVALID_ARGUMENT and "explode" in r.stderr, r.stderr
    monkeypatch.delenv("CELESTA_HDK_FAULTS")
    r = run("hdk", "run", "--virtual", "xa2?faults=corrupt@1", "--config", str(config), "--input", str(npy))
    assert r.returncode in (DEVICE, TIMEOUT) and r.stderr.strip(), r.stderr
