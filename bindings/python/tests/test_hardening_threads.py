"""Issue 16: objects shared by Python threads (defect 1) and the smaller Python defects (9).

The extension releases the GIL during long calls; every call on one object is serialised (by the
library's per-handle lock, and by the extension's per-object lock around multi-call methods), so
threads sharing an object get the same results as one thread running the same calls, and never
corrupt memory. Each stress test runs in a subprocess, so that a crash fails the test instead of
ending the run."""

import math
import subprocess
import sys
import textwrap

import pytest

import celesta
from celesta.devices.xylo import xa3

from test_xylo import load, spec_of


# A sanitizer run (scripts/sanitizers.sh) sets CELESTA_TEST_SLOWDOWN to how much slower its
# instrumented library is (ThreadSanitizer: every memory access and lock goes through its
# runtime); the children's time limit grows by that factor. A child that still runs out of time
# prints every thread's Python stack first (faulthandler), so a deadlock shows where it waits.
SLOWDOWN = float(__import__("os").environ.get("CELESTA_TEST_SLOWDOWN", "1") or 1)


def run_child(body: str, timeout: float = 240) -> str:
    timeout *= max(1.0, SLOWDOWN)
    code = textwrap.dedent(f"""
        import faulthandler, sys
        faulthandler.dump_traceback_later({timeout - 10:.0f}, exit=True, file=sys.stderr)
    """) + textwrap.dedent("""
        import threading, numpy as np
        from celesta.devices import virtual_hdk
        from celesta.devices.xylo import syns61201, syns65302, xa2, xa3
        THREADS = 8
        errors = []
        def hammer(fn, rounds):
            def work():
                try:
                    for _ in range(rounds):
                        fn()
                except BaseException as e:  # reported by the parent
                    errors.append(repr(e))
            ts = [threading.Thread(target=work) for _ in range(THREADS)]
            for t in ts: t.start()
            for t in ts: t.join()
    """) + textwrap.dedent(body) + "\nprint('errors', errors)\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                          cwd=str(__import__("pathlib").Path(__file__).parent))
    assert proc.returncode == 0, f"the child died ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


def test_afe_external_shared_by_threads_streams_every_chunk():
    # The reproducer (it aborted 5 of 5 runs with "double free or corruption").
    out = run_child("""
        afe = syns65302.AFESimExternal()
        chunk = 0.3 * np.sin(np.arange(5000) / 7.0)
        rows = []
        def push():
            rows.append(afe.stream_push(chunk)[0].shape[0])
        hammer(push, 100)
        assert len(rows) == THREADS * 100, len(rows)
        # Every chunk went through the stream exactly once: the rows add up to a single
        # thread's pushes of the same chunks.
        one = syns65302.AFESimExternal()
        total = sum(one.stream_push(chunk)[0].shape[0] for _ in range(THREADS * 100))
        assert sum(rows) == total, (sum(rows), total)
    """)
    assert "errors []" in out, out


def test_simulator_kit_and_monitor_shared_by_threads():
    out = run_child("""
        from test_xylo import load, spec_of
        config, ok, msg = xa3.config_from_specification(**spec_of(load("a3_random_medium_dense")["config"]))
        assert config is not None, msg
        x = (np.arange(40 * config.n_in).reshape(40, config.n_in) % 3).astype(np.int32)
        sim = xa3.XyloSim(config)
        hammer(lambda: sim(x), 30)
        kit = xa3.XyloSamna(virtual_hdk("xa3"), config)
        hammer(lambda: kit(x), 10)
        mon = xa3.XyloMonitor(virtual_hdk("xa3"), config)
        tone = 0.3 * np.sin(np.arange(50 * 20) / 5.0)
        hammer(lambda: mon(tone), 4)
        afe2 = syns61201.AFESim(fs=110000)
        hammer(lambda: afe2(0.1 * np.sin(np.arange(3000) / 9.0)), 4)
        # And progress callbacks (the GIL taken back inside a call) while other threads wait.
        hammer(lambda: sim.evolve(x, progress=lambda done, total: True), 10)
    """)
    assert "errors []" in out, out


@pytest.mark.parametrize("dt", [0, -1e-3, math.nan, math.inf])
def test_xylo_sim_refuses_a_dt_that_is_not_positive_and_finite(dt):
    doc = load("a3_random_medium_dense")
    config, _, _ = xa3.config_from_specification(**spec_of(doc["config"]))
    with pytest.raises(celesta.CelestaError, match="dt"):
        xa3.XyloSim.from_config(config, dt=dt)
    assert xa3.XyloSim.from_config(config, dt=2e-3).dt == 2e-3
