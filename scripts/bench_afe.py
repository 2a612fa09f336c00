#!/usr/bin/env python3
"""Audio front-end benchmark of `make bench`: audio seconds processed per second of wall time
by the Xylo Audio 3 front end (AFESimExternal, 16 channels) on one core, offline with
Rockpool's time-reversed prefix, offline without it, and streaming in 10 ms chunks; plus the
PDM input path and the Xylo Audio 2 model for reference. Goal: >= 1000x real time for the
Xylo Audio 3 front end. With the time-reversed prefix every sample goes through the chain
twice (the reversed copy, then the signal), so that row also prints the rate of the audio that
went through the chain. Which loops ran (`afe.loops`: avx2 or sse2, see CELESTA_AFE_KERNELS)
is printed first. Figures are printed, never asserted."""

from __future__ import annotations

import time

import numpy as np

from celesta.devices.xylo import syns61201, syns65302

FS = 48828.125


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def report(label, seconds_of_audio, elapsed, passes=1):
    through = f"; {passes * seconds_of_audio / elapsed:.0f} x for the {passes * seconds_of_audio:.0f} s through the chain" if passes > 1 else ""
    print(f"{label:<44} {seconds_of_audio / elapsed:9.0f} x real time  ({elapsed * 1e3:8.1f} ms for {seconds_of_audio:.0f} s{through})")


def main():
    rng = np.random.default_rng(5)
    seconds = 10.0
    n = int(seconds * FS)
    t = np.arange(n) / FS
    audio = 0.3 * np.sin(2 * np.pi * 440 * t * (1 + t / seconds)) + 0.05 * rng.standard_normal(n)
    afe = syns65302.AFESimExternal()
    print(f"xa3 front-end loops: {afe.loops}")
    report("xa3 offline, time-reversed prefix (default)", seconds, best(lambda: afe(audio)), passes=2)
    report("xa3 offline, no prefix", seconds, best(lambda: afe(audio, time_reversed_prefix=False)))
    report("xa3 offline with record (all stages)", seconds, best(lambda: afe(audio, record=True)))

    chunk = int(FS * 0.01)

    def stream():
        afe.reset_state()
        for start in range(0, n, chunk):
            afe.stream_push(audio[start:start + chunk], flush=start + chunk >= n)

    report("xa3 streaming, 10 ms chunks", seconds, best(stream))

    def stream_large():
        afe.reset_state()
        afe.stream_push(audio, flush=True)

    report("xa3 streaming, one chunk", seconds, best(stream_large))

    pdm_seconds = 2.0
    bits = np.where(rng.random(int(pdm_seconds * FS) * 32) < 0.5 + 0.3 * np.sin(np.arange(int(pdm_seconds * FS) * 32) / 200), 1.0, -1.0)
    pdm = syns65302.AFESimPDM()
    report("xa3 PDM input (decimation + chain)", pdm_seconds, best(lambda: pdm(bits)))

    a2_seconds = 2.0
    fs2 = 110000
    x2 = 0.1 * np.sin(2 * np.pi * 440 * np.arange(int(a2_seconds * fs2)) / fs2)
    a2 = syns61201.AFESim(fs=fs2, add_noise=False, add_offset=False, add_mismatch=False)
    report("xa2 analog model (float, ideal)", a2_seconds, best(lambda: a2(x2), repeat=1))


if __name__ == "__main__":
    main()
