"""Progress callbacks and cancellation of long simulations (XyloSim.evolve(progress=...))."""

import os
import signal
import threading
import time

import numpy as np
import pytest

import celesta
from celesta.devices.xylo import xa2


def dense_sim(n_hidden=1000, seed=3):
    """A 16-n-8 network with dense recurrent weights: slow enough per step to interrupt."""
    rng = np.random.default_rng(seed)
    spec = dict(
        weights_in=rng.integers(-60, 61, size=(16, n_hidden, 1)),
        weights_rec=rng.integers(-20, 21, size=(n_hidden, n_hidden, 1)),
        weights_out=rng.integers(-60, 61, size=(n_hidden, 8)),
        dash_mem=np.full(n_hidden, 4), dash_syn=np.full(n_hidden, 3), dash_syn_2=np.full(n_hidden, 3),
        threshold=np.full(n_hidden, 500), dash_mem_out=np.full(8, 4), dash_syn_out=np.full(8, 3),
        threshold_out=np.full(8, 300), aliases=[[] for _ in range(n_hidden)],
    )
    return lambda: xa2.XyloSim.from_specification(**spec)


def raster(steps, seed=1):
    rng = np.random.default_rng(seed)
    return ((rng.random((steps, 16)) < 0.1) * rng.integers(1, 4, size=(steps, 16))).astype(np.int32)


def test_progress_reports_and_changes_nothing():
    make = dense_sim(200)
    x = raster(3000)
    seen = []
    out, _, _ = make()(x, progress=lambda done, total: seen.append((done, total)))
    assert np.array_equal(out, make()(x)[0])
    assert len(seen) >= 2 and seen[-1] == (3000, 3000)
    assert all(a[0] < b[0] for a, b in zip(seen, seen[1:])) and {t for _, t in seen} == {3000}


def test_cancel_raises_and_leaves_the_state():
    make = dense_sim(200)
    x = raster(3000)
    sim, fresh = make(), make()
    with pytest.raises(celesta.CancelledError, match="cancelled"):
        sim(x, progress=lambda done, total: False)
    assert np.array_equal(sim(x[:100])[0], fresh(x[:100])[0]), "a cancelled run changes no state"


def test_callback_exceptions_propagate_and_leave_the_state():
    make = dense_sim(200)
    x = raster(3000)
    sim, fresh = make(), make()

    def boom(done, total):
        raise RuntimeError(f"stop at {done}")

    with pytest.raises(RuntimeError, match="stop at"):
        sim(x, progress=boom)
    assert np.array_equal(sim(x[:100])[0], fresh(x[:100])[0])
    with pytest.raises(TypeError, match="progress"):
        sim(x, progress=42)


def test_batch_progress_counts_every_element_and_cancels_all():
    make = dense_sim(200)
    x = raster(3000)
    batch = np.stack([x, x[::-1], x])
    seen = []
    lock = threading.Lock()

    def record(done, total):
        with lock:
            seen.append((done, total))

    out, _, _ = make()(batch, progress=record)
    assert np.array_equal(out[1], make()(x[::-1])[0])
    assert max(d for d, _ in seen) == 9000 and {t for _, t in seen} == {9000}
    with pytest.raises(celesta.CancelledError):
        make()(batch, progress=lambda done, total: done < 2000)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals need the main thread")
def test_ctrl_c_interrupts_a_long_run():
    make = dense_sim()
    sim, fresh = make(), make()
    probe = raster(2000)
    t0 = time.perf_counter()
    sim(probe)
    rate = 2000 / (time.perf_counter() - t0)
    sim.reset_state()
    x = raster(int(min(max(rate * 2.0, 20_000), 2_000_000)))  # about two seconds of simulation
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            sim(x)
    finally:
        timer.cancel()
    assert np.array_equal(sim(x[:50])[0], fresh(x[:50])[0]), "an interrupted run changes no state"
