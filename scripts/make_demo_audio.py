#!/usr/bin/env python3
"""Writes examples/audio/kws_default.wav, the bundled sound of the demo's monitor step.

Eight keywords of 150 ms each, keyword w a pair of tones at the frequencies that drive the Xylo
Audio 3 front end's channels 2w and 2w+1 most selectively (found by scanning tones through the
bit-exact front end), so that the bundled keyword-spotting network (channel pair 2k/2k+1 ->
class k) detects keyword w in window w. 48 kHz, 16-bit PCM, mono. Deterministic.
"""

from pathlib import Path
import wave

import numpy as np

from celesta.devices.xylo import xa3

FS_AFE = 48828.125
FS = 48000
WORD = 0.150  # seconds per keyword


def best_frequencies() -> list:
    freqs = np.geomspace(40, 20000, 160)
    t = np.arange(int(0.1 * FS_AFE)) / FS_AFE
    response = []
    for f in freqs:
        raster = xa3.AFESimExternal(time_reversed_prefix=False)(0.3 * np.sin(2 * np.pi * f * t))[0]
        total = raster[20:].sum(axis=0).astype(float)  # after the first 20 ms
        response.append(total / max(total.sum(), 1))
    response = np.array(response)  # [frequency, channel]: share of the spikes
    return [float(freqs[np.argmax(response[:, c])]) for c in range(16)]


def main():
    f = best_frequencies()
    t = np.arange(int(WORD * FS)) / FS
    words = [0.25 * np.sin(2 * np.pi * f[2 * w] * t) + 0.25 * np.sin(2 * np.pi * f[2 * w + 1] * t) for w in range(8)]
    audio = np.concatenate(words)
    out = Path(__file__).resolve().parents[1] / "examples" / "audio" / "kws_default.wav"
    out.parent.mkdir(exist_ok=True)
    tmp = out.with_suffix(".wav.tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(FS)
        w.writeframes((audio * 32767).astype("<i2").tobytes())
    tmp.replace(out)
    print(f"wrote {out}: 8 keywords x {WORD * 1000:.0f} ms; tone pairs (Hz): "
          + ", ".join(f"{f[2 * w]:.0f}+{f[2 * w + 1]:.0f}" for w in range(8)))


if __name__ == "__main__":
    main()
