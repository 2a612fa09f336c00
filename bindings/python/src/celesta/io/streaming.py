"""Event records and in-memory event streams (TALON's ``talon.io.streaming``)."""

from __future__ import annotations

from typing import Generator, Tuple

import numpy as np

__all__ = ["EVENT_DTYPE", "BufferedEventReader", "EventBuffer", "generate_random_events"]

EVENT_DTYPE = np.dtype([("t", "<u8"), ("x", "<u2"), ("y", "<u2"), ("p", "u1")])
"""One event: timestamp t (microseconds), coordinates x, y, polarity p; packed, 13 bytes."""


class BufferedEventReader:
    """Reads a raw file of packed records (``dtype``, EVENT_DTYPE by default) in chunks."""

    def __init__(self, path, chunk_size: int = 100_000, dtype: np.dtype = EVENT_DTYPE):
        self.path = path
        self.chunk_size = chunk_size
        self.dtype = np.dtype(dtype)
        self._event_size = self.dtype.itemsize

    def __iter__(self) -> Generator[np.ndarray, None, None]:
        with open(self.path, "rb") as f:
            while True:
                raw = f.read(self._event_size * self.chunk_size)
                if not raw:
                    return
                whole = len(raw) // self._event_size * self._event_size
                if whole:
                    yield np.frombuffer(raw[:whole], dtype=self.dtype)

    def read_all(self) -> np.ndarray:
        with open(self.path, "rb") as f:
            raw = f.read()
        whole = len(raw) // self._event_size * self._event_size
        return np.frombuffer(raw[:whole], dtype=self.dtype).copy()


class EventBuffer:
    """A growable buffer of events (capacity doubles as needed)."""

    def __init__(self, capacity: int = 50_000):
        self._buffer = np.empty(capacity, dtype=EVENT_DTYPE)
        self._size = 0
        self._capacity = capacity

    def append(self, events: np.ndarray) -> None:
        n = len(events)
        if self._size + n > self._capacity:
            while self._size + n > self._capacity:
                self._capacity = max(1, self._capacity) * 2
            grown = np.empty(self._capacity, dtype=EVENT_DTYPE)
            grown[:self._size] = self._buffer[:self._size]
            self._buffer = grown
        self._buffer[self._size:self._size + n] = events
        self._size += n

    def flush(self) -> np.ndarray:
        out = self._buffer[:self._size].copy()
        self._size = 0
        return out

    def __len__(self) -> int:
        return self._size

    @property
    def data(self) -> np.ndarray:
        return self._buffer[:self._size]


def generate_random_events(n_events: int, sensor_size: Tuple[int, int] = (640, 480), duration_us: int = 1_000_000) -> np.ndarray:
    """``n_events`` random events, sorted by time, from numpy's global legacy generator (as
    TALON: ``np.random.seed(s)`` before the call reproduces TALON's events)."""
    events = np.empty(n_events, dtype=EVENT_DTYPE)
    events["t"] = np.sort(np.random.randint(0, duration_us, size=n_events, dtype=np.uint64))
    events["x"] = np.random.randint(0, sensor_size[0], size=n_events, dtype=np.uint16)
    events["y"] = np.random.randint(0, sensor_size[1], size=n_events, dtype=np.uint16)
    events["p"] = np.random.randint(0, 2, size=n_events, dtype=np.uint8)
    return events
