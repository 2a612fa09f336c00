"""Progress callbacks and cancellation of long calls: XyloSim.evolve, the audio front ends
(AFESimExternal / AFESimPDM evolve and stream_push, the Xylo Audio 2 AFESim) and the dev kits
(XyloSamna, XyloMonitor, AFESamna), all with ``progress=``."""

import os
import signal
import threading
import time

import numpy as np
import pytest

import celesta
from celesta.devices import virtual_hdk
from celesta.devices.xylo import syns61201, syns65302, xa2, xa3


def dense_spec(n_hidden, seed=3):
    """A 16-n-8 network with dense recurrent weights."""
    rng = np.random.default_rng(seed)
    return dict(
        weights_in=rng.integers(-60, 61, size=(16, n_hidden, 1)),
        weights_rec=rng.integers(-20, 21, size=(n_hidden, n_hidden, 1)),
        weights_out=rng.integers(-60, 61, size=(n_hidden, 8)),
        dash_mem=np.full(n_hidden, 4), dash_syn=np.full(n_hidden, 3), dash_syn_2=np.full(n_hidden, 3),
        threshold=np.full(n_hidden, 500), dash_mem_out=np.full(8, 4), dash_syn_out=np.full(8, 3),
        threshold_out=np.full(8, 300), aliases=[[] for _ in range(n_hidden)],
    )


def dense_sim(n_hidden=1000, seed=3):
    """Makes simulators of a dense network: slow enough per step to interrupt."""
    spec = dense_spec(n_hidden, seed)
    return lambda: xa2.XyloSim.from_specification(**spec)


def raster(steps, seed=1):
    rng = np.random.default_rng(seed)
    return ((rng.random((steps, 16)) < 0.1) * rng.integers(1, 4, size=(steps, 16))).astype(np.int32)


def interrupt_soon(run, x):
    """Calls run(x) with a SIGINT (Ctrl-C) arriving 0.2 s later; it must raise KeyboardInterrupt."""
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            run(x)
    finally:
        timer.cancel()


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
    interrupt_soon(sim, x)
    assert np.array_equal(sim(x[:50])[0], fresh(x[:50])[0]), "an interrupted run changes no state"


# ---- Audio front ends -------------------------------------------------------------------

def increasing(seen):
    """The (done, total) reports grow, share one total and end at it."""
    return (len(seen) >= 1 and all(a[0] < b[0] for a, b in zip(seen, seen[1:]))
            and len({t for _, t in seen}) == 1 and seen[-1][0] == seen[-1][1])


def boom(done, total):
    raise RuntimeError(f"stop at {done}")


def afe_input(pdm, seconds, seed=2):
    """External audio (|x| < 1 at 48828.125 Hz) or a PDM bitstream of that many seconds."""
    rng = np.random.default_rng(seed)
    n = int(seconds * 48828.125)
    if pdm:
        k = np.arange(n * 32)
        return np.where(rng.random(k.size) < 0.5 + 0.3 * np.sin(k / 300), 1.0, -1.0)
    return 0.3 * np.sin(np.arange(n) * 0.07) + 0.05 * rng.standard_normal(n)


@pytest.mark.parametrize("prefix", [True, False])
def test_afe_progress_reports_and_changes_nothing(prefix):
    afe = syns65302.AFESimExternal()
    x = afe_input(False, 0.5)
    seen = []
    raster, _, _ = afe(x, time_reversed_prefix=prefix, progress=lambda done, total: seen.append((done, total)))
    assert np.array_equal(raster, afe(x, time_reversed_prefix=prefix)[0])
    total = (4 if prefix else 1) * x.size  # the samples times the passes over them
    assert increasing(seen) and seen[-1] == (total, total) and len(seen) >= 4


def test_afe_cancel_and_callback_errors():
    afe = syns65302.AFESimExternal()
    x = afe_input(False, 0.5)
    with pytest.raises(celesta.CancelledError, match="cancelled"):
        afe(x, progress=lambda done, total: False)
    with pytest.raises(celesta.CancelledError):
        afe(x, progress=lambda done, total: done < total)  # even at the last report
    with pytest.raises(RuntimeError, match="stop at"):
        afe(x, progress=boom)
    with pytest.raises(TypeError, match="progress"):
        afe(x, progress=42)


@pytest.mark.parametrize("pdm", [False, True])
def test_stream_push_progress_and_cancel_leave_the_stream(pdm):
    make = syns65302.AFESimPDM if pdm else syns65302.AFESimExternal
    afe, fresh = make(), make()
    x = afe_input(pdm, 0.5)
    cut = 5000 * (32 if pdm else 1)
    seen = []
    head = afe.stream_push(x[:cut], progress=lambda done, total: seen.append((done, total)))[0]
    assert increasing(seen) and len(seen) == 2 and seen[0][0] == 4096
    with pytest.raises(celesta.CancelledError):
        afe.stream_push(x[cut:], flush=True, progress=lambda done, total: False)
    with pytest.raises(celesta.CancelledError):
        afe.stream_push(x[cut:], flush=True, progress=lambda done, total: done < total)
    with pytest.raises(RuntimeError, match="stop at"):
        afe.stream_push(x[cut:], flush=True, record=True, progress=boom)
    tail = afe.stream_push(x[cut:], flush=True)[0]
    want = fresh.stream_push(x, flush=True)[0]
    assert np.array_equal(np.concatenate([head, tail]), want), "cancelled pushes leave the stream as it was"


def test_audio2_progress_and_cancel_leave_the_state():
    a, b = syns61201.AFESim(fs=110000, seed=4), syns61201.AFESim(fs=110000, seed=4)
    x = 0.1 * np.sin(np.arange(5500) * 0.05)
    with pytest.raises(celesta.CancelledError):
        a(x, progress=lambda done, total: done < 3 * x.size)
    with pytest.raises(celesta.CancelledError):
        a(x, progress=lambda done, total: done < total)  # after the encoders ran
    with pytest.raises(RuntimeError, match="stop at"):
        a(x, progress=boom)
    seen = []
    out = a(x, progress=lambda done, total: seen.append((done, total)))[0]
    assert np.array_equal(out, b(x)[0]), "cancelled calls leave the membranes and the noise as they were"
    # A report after each of the 17 stages, and (issue 16) checks inside the stages too, with
    # the count of the stages done, so that a cancel is seen within a block of samples.
    assert [d for d, t in seen] == sorted(d for d, t in seen) and {t for d, t in seen} == {17 * x.size}
    assert [(k * x.size, 17 * x.size) for k in range(1, 18)] == [p for p in dict.fromkeys(seen) if p[0] > 0]
    assert np.array_equal(a(x)[0], b(x)[0])


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals need the main thread")
def test_ctrl_c_interrupts_a_long_front_end_run():
    a, b = syns61201.AFESim(fs=110000, seed=4), syns61201.AFESim(fs=110000, seed=4)
    x = 0.1 * np.sin(np.arange(2 * 110000) * 0.05)  # the model takes about a second per second of audio
    interrupt_soon(a, x)
    short = x[:5500]
    assert np.array_equal(a(short)[0], b(short)[0]), "an interrupted run changes no state"


# ---- Dev kits ---------------------------------------------------------------------------

def test_kit_progress_cancel_and_continue():
    config, _, _ = xa2.config_from_specification(**dense_spec(64))
    kit, sim = xa2.XyloSamna(virtual_hdk("xa2"), config), xa2.XyloSim(config)
    steps = 3 * 4096 + 5
    x = raster(steps)
    seen = []
    out = kit(x, progress=lambda done, total: seen.append((done, total)))[0]
    assert np.array_equal(out, sim(x)[0])
    assert seen == [(4096, steps), (8192, steps), (12288, steps), (steps, steps)]
    kit.reset_state()
    sim.reset_state()
    with pytest.raises(celesta.CancelledError, match="after 8192"):
        kit(x, progress=lambda done, total: done < 8192)
    # A kit cannot take steps back: it goes on from the 8192 steps it ran.
    sim(x[:8192])
    assert np.array_equal(kit(x[8192:])[0], sim(x[8192:])[0])
    with pytest.raises(RuntimeError, match="stop at 4096"):
        kit(x, progress=boom)


def test_monitor_and_afe_samna_progress():
    config, _, _ = xa3.config_from_specification(**dense_spec(64))
    audio = afe_input(False, 0.3)
    for kit in (xa3.XyloMonitor(virtual_hdk("xa3"), config), xa3.AFESamna(virtual_hdk("xa3"))):
        seen = []
        out, _, _ = kit(audio, progress=lambda done, total: seen.append((done, total)))
        assert increasing(seen) and seen[0] == (4883, audio.size) and seen[-1] == (audio.size, audio.size)
        assert out.shape[0] == audio.size // 50
        with pytest.raises(celesta.CancelledError, match="cancelled"):
            kit(audio, progress=lambda done, total: False)
        with pytest.raises(RuntimeError, match="stop at"):
            kit(audio, progress=boom)
