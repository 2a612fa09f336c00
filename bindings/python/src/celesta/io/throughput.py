"""Event pipeline throughput (TALON's ``talon.io.throughput``): ingest, RGB frames, event-count
frames and optionally rate encoding, on synthetic events."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from .streaming import EVENT_DTYPE, generate_random_events

__all__ = ["ThroughputResult", "benchmark_throughput", "EVENT_DTYPE", "generate_random_events"]


@dataclass
class ThroughputResult:
    """Measured rates of one benchmark_throughput() run."""

    events_per_sec: float = 0.0
    rgb_fps: float = 0.0
    event_fps: float = 0.0
    encoding_fps: float = 0.0
    encoding_skipped: bool = False
    encoding_skip_reason: Optional[str] = None
    total_events: int = 0
    duration_sec: float = 0.0
    sensor_size: Tuple[int, int] = (640, 480)
    accumulation_us: int = 33_333

    def summary(self) -> str:
        lines = [
            "Event throughput",
            f"  Events processed:    {self.total_events:,}",
            f"  Wall-clock time:     {self.duration_sec:.3f} s",
            f"  Events/sec:          {self.events_per_sec:,.0f}",
            f"  RGB frames/sec:      {self.rgb_fps:,.1f}",
            f"  Event frames/sec:    {self.event_fps:,.1f}",
        ]
        if self.encoding_skipped:
            lines.append(f"  Encoding FPS:        N/A (skipped: {self.encoding_skip_reason or 'unknown reason'})")
        elif self.encoding_fps > 0:
            lines.append(f"  Encoding FPS:        {self.encoding_fps:,.1f}")
        lines += [f"  Sensor:              {self.sensor_size[0]}x{self.sensor_size[1]}",
                  f"  Accumulation window: {self.accumulation_us} us"]
        return "\n".join(lines)


def _counts(window: np.ndarray, width: int, height: int, on: Optional[bool]) -> np.ndarray:
    """Events per pixel (of one polarity when `on` is given), as a (height, width) array."""
    x = window["x"].astype(np.intp)
    y = window["y"].astype(np.intp)
    keep = (x < width) & (y < height)
    if on is not None:
        keep &= (window["p"] == 1) if on else (window["p"] != 1)
    return np.bincount(y[keep] * width + x[keep], minlength=width * height).reshape(height, width)


def _rgb_frame(window: np.ndarray, width: int, height: int) -> np.ndarray:
    """ON events in blue, OFF events in red, scaled so the busiest pixel is 255 (uint8)."""
    frame = np.zeros((height, width, 3), dtype=np.float32)
    if len(window):
        frame[:, :, 2] = _counts(window, width, height, True)
        frame[:, :, 0] = _counts(window, width, height, False)
        peak = frame.max()
        if peak > 0:
            frame *= 255.0 / peak
    return frame.astype(np.uint8)


def benchmark_throughput(n_events: int = 5_000_000, sensor_size: Tuple[int, int] = (640, 480), accumulation_us: int = 33_333,
                         include_encoding: bool = False, chunk_size: int = 100_000) -> ThroughputResult:
    """Generates ``n_events`` events (1 per microsecond) and measures ingest (events/s), RGB
    frames/s and event-count frames/s over windows of ``accumulation_us``, and with
    ``include_encoding`` rate-encoded images/s (100 images of the sensor size, 10 steps)."""
    for name, value in (("n_events", n_events), ("accumulation_us", accumulation_us), ("chunk_size", chunk_size)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if value < 1:
            raise ValueError(f"{name} must be a positive int, got {value}")
    width, height = sensor_size
    events = generate_random_events(n_events, sensor_size=sensor_size, duration_us=n_events)

    t0 = time.perf_counter()
    for offset in range(0, n_events, chunk_size):
        _ = events[offset:offset + chunk_size]
    raw = time.perf_counter() - t0

    timestamps = events["t"]
    t_min, t_max = int(timestamps[0]), int(timestamps[-1])
    edges = np.searchsorted(timestamps, np.arange(t_min, t_max + accumulation_us, accumulation_us), side="left")

    t1 = time.perf_counter()
    for i in range(len(edges) - 1):
        _rgb_frame(events[edges[i]:edges[i + 1]], width, height)
    rgb = time.perf_counter() - t1

    t2 = time.perf_counter()
    for i in range(len(edges) - 1):
        window = events[edges[i]:edges[i + 1]]
        if len(window):
            _counts(window, width, height, None).astype(np.int32)
        else:
            np.zeros((height, width), dtype=np.int32)
    frames = time.perf_counter() - t2

    encoding_fps = 0.0
    if include_encoding:
        from .encoding import rate_encode
        image = np.random.rand(height, width).astype(np.float32)
        t3 = time.perf_counter()
        for _ in range(100):
            rate_encode(image, n_steps=10)
        encoding_fps = 100 / max(time.perf_counter() - t3, 1e-9)

    n_frames = len(edges) - 1
    return ThroughputResult(
        events_per_sec=n_events / max(raw, 1e-9), rgb_fps=n_frames / max(rgb, 1e-9), event_fps=n_frames / max(frames, 1e-9),
        encoding_fps=encoding_fps, encoding_skipped=False, encoding_skip_reason=None, total_events=n_events,
        duration_sec=raw + rgb + frames, sensor_size=(width, height), accumulation_us=accumulation_us)
