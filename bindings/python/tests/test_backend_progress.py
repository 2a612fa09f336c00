"""Progress reports, cancellation and Ctrl-C of ``celesta.backend``'s long calls: the cpu
simulator's ``simulate`` (unbatched, batched over worker threads, TALON's mode), ``profile``
and ``run``, and a Xylo chip's ``profile`` and ``simulate``, all with ``progress=``."""

import os
import signal
import threading
import time

import numpy as np
import pytest

import celesta
from celesta import backend, ir

from test_backend_xylo import talon_graph

WIDTH, HIDDEN = 64, 1024


def heavy():
    """in[64] -> Affine 1024x64 -> LIF -> out: about 65k multiply-adds a step when the input
    changes every step."""
    rng = np.random.default_rng(7)
    h = HIDDEN
    return ir.Graph({"in": ir.Input(np.array([WIDTH])),
                     "fc": ir.Affine(weight=(0.3 * rng.standard_normal((h, WIDTH))).astype(np.float32), bias=np.zeros(h, np.float32)),
                     "lif": ir.LIF(tau=np.full(h, 4, np.float32), r=np.ones(h, np.float32), v_leak=np.zeros(h, np.float32),
                                   v_threshold=np.full(h, 0.5, np.float32)),
                     "out": ir.Output(np.array([h]))},
                    [("in", "fc"), ("fc", "lif"), ("lif", "out")])


def steps_input(steps, batch=None, seed=11):
    shape = ((batch,) if batch else ()) + (steps, WIDTH)
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


class Log:
    """Records (done, total) and the threads of the reports; returns False from call `stop_at`."""

    def __init__(self, stop_at=0):
        self.calls, self.threads, self.stop_at = [], set(), stop_at

    def __call__(self, done, total):
        self.calls.append((done, total))
        self.threads.add(threading.get_ident())
        return not (self.stop_at and len(self.calls) >= self.stop_at)

    def ordered(self, total):
        dones = [d for d, _ in self.calls]
        return (bool(self.calls) and {t for _, t in self.calls} == {total} and all(a < b for a, b in zip(dones, dones[1:]))
                and dones[-1] == total and self.threads == {threading.get_ident()})


CPU = backend.get_backend("cpu")


def test_simulate_reports_grow_to_the_end_and_change_nothing():
    g, x = heavy(), steps_input(3000)
    log = Log()
    sim = CPU.simulate(g, {"in": x}, n_steps=3000, progress=log)
    plain = CPU.simulate(g, {"in": x}, n_steps=3000)
    assert np.array_equal(sim.outputs["out"], plain.outputs["out"]) and sim.spike_counts == plain.spike_counts
    assert sim.spike_counts["lif"] > 0
    assert log.ordered(3000) and len(log.calls) >= 2, log.calls


def test_the_callback_cancels_or_fails_the_run():
    g, x = heavy(), steps_input(20000)
    log = Log(stop_at=1)
    with pytest.raises(celesta.CancelledError, match="cancelled after"):
        CPU.simulate(g, {"in": x}, n_steps=20000, progress=log)
    assert len(log.calls) == 1 and 0 < log.calls[0][0] < 20000

    def boom(done, total):
        raise RuntimeError(f"stop at {done}")

    with pytest.raises(RuntimeError, match="stop at"):
        CPU.simulate(g, {"in": x}, n_steps=20000, progress=boom)
    with pytest.raises(TypeError, match="progress"):
        CPU.simulate(g, {"in": x}, n_steps=20000, progress=42)
    # Nothing was left behind: a run after the cancels gives the fresh result.
    short = steps_input(50)
    assert np.array_equal(CPU.simulate(g, {"in": short}, n_steps=50).outputs["out"],
                          CPU.simulate(g, {"in": short}, n_steps=50, progress=Log()).outputs["out"])


def test_a_batch_reports_all_its_samples_on_the_calling_thread():
    g, x = heavy(), steps_input(800, batch=6)
    log = Log()
    sim = CPU.simulate(g, {"in": x}, n_steps=800, threads=2, progress=log)
    assert sim.batch == 6 and np.array_equal(sim.outputs["out"], CPU.simulate(g, {"in": x}, n_steps=800, threads=2).outputs["out"])
    assert log.ordered(6 * 800), log.calls
    stop = Log(stop_at=1)
    with pytest.raises(celesta.CancelledError, match="of 24000 steps"):
        CPU.simulate(g, {"in": steps_input(6000, batch=4)}, n_steps=6000, threads=2, progress=stop)
    assert len(stop.calls) == 1


def test_talon_mode_reports_and_cancels():
    g = heavy()
    x = steps_input(1)[0]
    log = Log()
    sim = CPU.simulate(g, {"in": x}, n_steps=1500, talon_compatible=True, progress=log)
    assert sim.timesteps_run == 1500 and log.ordered(1500)
    with pytest.raises(celesta.CancelledError):
        CPU.simulate(g, {"in": x}, n_steps=200000, talon_compatible=True, progress=Log(stop_at=1))


def test_run_and_profile_report_over_their_runs():
    g, x = heavy(), steps_input(2000)
    log = Log()
    r = backend.run(g, {"in": x}, timesteps=2000, progress=log)
    assert r.errors == [] and r.profile is not None
    assert log.ordered(4000) and any(d == 2000 for d, _ in log.calls), log.calls  # the simulation, then the profile's run
    with pytest.raises(celesta.CancelledError):
        backend.run(g, {"in": x}, timesteps=2000, progress=Log(stop_at=1))
    log = Log()
    p = CPU.profile(g, {"in": x}, n_steps=2000, progress=log)
    assert p.latency_source == "measured" and log.ordered(2000)


def test_a_xylo_chip_reports_its_steps():
    g = talon_graph()
    x = np.random.default_rng(5).integers(0, 4, size=(50000, 3))
    log = Log()
    p = backend.get_backend("xylo-a3").profile(g, {"input": x}, dt=1.0, progress=log)
    assert p.latency_source == "cycle model" and log.ordered(50000), log.calls[-3:]
    with pytest.raises(celesta.CancelledError):
        backend.get_backend("xylo-a3").profile(g, {"input": x}, dt=1.0, progress=Log(stop_at=1))
    log = Log()
    sim = backend.get_backend("xylo-a2").simulate(g, {"input": x}, dt=1.0, progress=log)
    assert sim.timesteps_run == 50000 and log.calls[-1] == (50000, 50000)


def busy_graph():
    """A constant input that keeps a dense 1024x1024 layer busy every step: in -> LIF (spiking
    half the time) -> Affine -> LIF -> out."""
    rng = np.random.default_rng(3)
    h = 1024
    lif = lambda: ir.LIF(tau=np.full(h, 2, np.float32), r=np.ones(h, np.float32), v_leak=np.zeros(h, np.float32),
                         v_threshold=np.full(h, 0.2, np.float32))
    return ir.Graph({"in": ir.Input(np.array([h])), "lif0": lif(),
                     "fc": ir.Affine(weight=(0.05 * rng.standard_normal((h, h))).astype(np.float32), bias=np.zeros(h, np.float32)),
                     "lif": lif(), "out": ir.Output(np.array([h]))},
                    [("in", "lif0"), ("lif0", "fc"), ("fc", "lif"), ("lif", "out")])


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals need the main thread")
@pytest.mark.parametrize("call", ["simulate", "run"])
def test_ctrl_c_interrupts_a_long_run(call):
    g = busy_graph()
    x = np.random.default_rng(1).uniform(0.2, 0.6, 1024).astype(np.float32)
    CPU.simulate(g, {"in": x}, n_steps=300)  # warm-up: the probe below times steps only
    t0 = time.perf_counter()
    CPU.simulate(g, {"in": x}, n_steps=3000)
    rate = 3000 / (time.perf_counter() - t0)
    steps = int(min(max(rate * 4.0, 20000), 100_000_000))  # about four seconds
    run = (lambda: CPU.simulate(g, {"in": x}, n_steps=steps)) if call == "simulate" else (
        lambda: backend.run(g, {"in": x}, timesteps=steps))
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            run()
    finally:
        timer.cancel()
    assert time.perf_counter() - t0 < 2.5, "stopped at the next report, not at the end"
    # The library is fine afterwards.
    assert CPU.simulate(g, {"in": x}, n_steps=20).timesteps_run == 20
