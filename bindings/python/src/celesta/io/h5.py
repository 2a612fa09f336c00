"""Event files in TALON's HDF5 layout (``talon.io.h5``), read and written by the Celesta
library through libhdf5 (gzip chunks compressed and decompressed by libdeflate on all cores;
h5py and TALON read the files Celesta writes, and Celesta reads theirs).

Writes are atomic: a file appears at its path complete, or not at all.
"""

from __future__ import annotations

import operator
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Generator, Optional, Tuple, Union

import numpy as np

from . import _lib
from .streaming import EVENT_DTYPE

__all__ = ["H5Config", "DEFAULT_H5_CONFIG", "COMPACT_H5_CONFIG", "EVENT_DTYPE", "read_h5", "write_h5",
           "H5EventReader", "H5EventWriter"]


@dataclass(frozen=True)
class H5Config:
    """Where the events are in a file: the group (``""`` for the root), the dataset names of the
    separate layout, and optionally a compound dataset to read instead."""

    events_group: str = "events"
    timestamp_key: str = "t"
    x_key: str = "x"
    y_key: str = "y"
    polarity_key: str = "p"
    compound_key: Optional[str] = None


DEFAULT_H5_CONFIG = H5Config()
COMPACT_H5_CONFIG = H5Config(compound_key="events", events_group="")


def _path(path) -> str:
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    p = os.fspath(path)
    return p.decode() if isinstance(p, bytes) else p


def _config(config) -> H5Config:
    if config is None:
        return DEFAULT_H5_CONFIG
    if not isinstance(config, H5Config):
        raise TypeError(f"config must be an H5Config or None, got {type(config).__name__}")
    return config


def _events(events) -> np.ndarray:
    if not isinstance(events, np.ndarray) or events.dtype.names is None:
        raise TypeError(f"events must be a structured np.ndarray with fields t, x, y, p (EVENT_DTYPE), got "
                        f"{type(events).__name__ if not isinstance(events, np.ndarray) else events.dtype}")
    missing = [f for f in ("t", "x", "y", "p") if f not in events.dtype.names]
    if missing:
        raise ValueError(f"events has no field {missing[0]!r} (fields: {events.dtype.names})")
    if events.ndim != 1:
        raise ValueError(f"events must be 1-D, got shape {events.shape}")
    return events


def _gzip_level(compression, compression_opts) -> int:
    if not compression:
        return -1
    if compression != "gzip":
        raise ValueError(f"compression must be 'gzip' or None, got {compression!r}")
    try:
        level = operator.index(compression_opts)
    except TypeError:
        raise TypeError(f"compression_opts must be an int, got {type(compression_opts).__name__}") from None
    if not 0 <= level <= 9:
        raise ValueError(f"compression_opts must be a gzip level 0-9, got {level}")
    return level


def write_h5(path: Union[str, Path], events: np.ndarray, config: Optional[H5Config] = None,
             sensor_size: Optional[Tuple[int, int]] = None, compression: Optional[str] = "gzip",
             compression_opts: int = 4) -> None:
    """Writes ``events`` (EVENT_DTYPE records) as datasets t, x, y, p in ``config.events_group``,
    chunks of min(n, 100000), gzip level ``compression_opts``; group attributes n_events,
    format, t_start/t_end (min/max t) and sensor_width/height. As TALON, ``compound_key`` is not
    used for writing."""
    p = _path(path)
    events = _events(events)
    level = _gzip_level(compression, compression_opts)
    _lib.write(p, events, _config(config), sensor_size, level if len(events) else -1)


def read_h5(path: Union[str, Path], config: Optional[H5Config] = None) -> np.ndarray:
    """Every event of the file as an EVENT_DTYPE array, from any layout TALON reads: a compound
    dataset ``config.compound_key``, separate datasets, or a compound dataset "events"."""
    with _lib.Reader(_path(path), _config(config)) as r:
        return r.read(0, r.n_events, EVENT_DTYPE)


class H5EventReader:
    """Chunked reading of an event file: ``n_events``, iteration in chunks of ``chunk_size``,
    ``read_all()`` and ``read_time_window(t_start, t_end)`` (binary search on sorted t)."""

    def __init__(self, path: Union[str, Path], chunk_size: int = 50_000, config: Optional[H5Config] = None):
        self.path = _path(path)
        try:
            self.chunk_size = operator.index(chunk_size)
        except TypeError:
            raise TypeError(f"chunk_size must be an int, got {type(chunk_size).__name__}") from None
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
        self.config = _config(config)
        self._n_events: Optional[int] = None

    @property
    def n_events(self) -> int:
        if self._n_events is None:
            with _lib.Reader(self.path, self.config) as r:
                self._n_events = r.n_events
        return self._n_events

    def __iter__(self) -> Generator[np.ndarray, None, None]:
        with _lib.Reader(self.path, self.config) as r:
            for start in range(0, r.n_events, self.chunk_size):
                yield r.read(start, min(self.chunk_size, r.n_events - start), EVENT_DTYPE)

    def read_all(self) -> np.ndarray:
        return read_h5(self.path, config=self.config)

    def read_time_window(self, t_start: int, t_end: int) -> np.ndarray:
        """The events with t_start <= t < t_end. Raises ParseError (a ValueError) when the
        timestamps around and inside the window are not ascending."""
        try:
            t0, t1 = operator.index(t_start), operator.index(t_end)
        except TypeError:
            raise TypeError(f"t_start and t_end must be ints (microseconds), got {type(t_start).__name__}, "
                            f"{type(t_end).__name__}") from None
        t0 = max(t0, 0)  # timestamps are unsigned: a negative start is the file's start
        if t0 >= t1:
            return np.array([], dtype=EVENT_DTYPE)
        with _lib.Reader(self.path, self.config) as r:
            a, b = r.window(min(t0, 2**64 - 1), min(t1, 2**64 - 1))
            return r.read(a, b - a, EVENT_DTYPE)


class H5EventWriter:
    """Streaming writer with TALON's buffering: events are buffered and flushed when the buffer
    is at least half full, on ``flush()`` and on ``close()`` / context exit. Datasets are
    resizable with chunks of min(buffer_capacity, 100000). The file appears at ``path`` when
    closed (atomically); a writer never given events writes no file, as TALON."""

    def __init__(self, path: Union[str, Path], config: Optional[H5Config] = None, buffer_capacity: int = 100_000,
                 sensor_size: Optional[Tuple[int, int]] = None, compression: Optional[str] = "gzip"):
        self.path = _path(path)
        self.config = _config(config)
        try:
            capacity = operator.index(buffer_capacity)
        except TypeError:
            raise TypeError(f"buffer_capacity must be an int, got {type(buffer_capacity).__name__}") from None
        if capacity < 1:
            raise ValueError(f"buffer_capacity must be a positive int, got {buffer_capacity!r}")
        self._level = _gzip_level(compression, 4)
        _lib.sensor_array(sensor_size)  # checked now
        self._sensor_size = sensor_size
        self._buffer = np.empty(capacity, dtype=EVENT_DTYPE)
        self._buf_size = 0
        self._buf_capacity = capacity
        self._total_written = 0
        self._writer: Optional[_lib.Writer] = None

    def _ensure_open(self) -> None:
        if self._writer is None:
            self._writer = _lib.Writer(self.path, self.config, self._sensor_size, min(self._buf_capacity, 100_000), self._level)

    def write(self, events: np.ndarray) -> None:
        events = _events(events)
        n = len(events)
        if n == 0:
            return
        self._ensure_open()
        while self._buf_size + n > self._buf_capacity:
            self._buf_capacity *= 2
        if self._buf_size + n >= self._buf_capacity // 2:
            # Flushed at once: the buffered events, then these, straight to the file.
            self.flush()
            self._writer.append(events)
            self._total_written += n
            return
        if self._buf_capacity > len(self._buffer):
            grown = np.empty(self._buf_capacity, dtype=EVENT_DTYPE)
            grown[:self._buf_size] = self._buffer[:self._buf_size]
            self._buffer = grown
        self._buffer[self._buf_size:self._buf_size + n] = events
        self._buf_size += n

    def flush(self) -> None:
        if self._buf_size == 0:
            return
        self._ensure_open()
        self._writer.append(self._buffer[:self._buf_size])
        self._total_written += self._buf_size
        self._buf_size = 0

    def close(self) -> None:
        if self._writer is None:
            return
        try:
            self.flush()
            self._writer.close()
        finally:
            self._writer.discard()
            self._writer = None

    def __del__(self):
        if getattr(self, "_writer", None) is not None:
            try:
                self.close()
            except Exception:
                pass

    def __enter__(self) -> "H5EventWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def n_events_written(self) -> int:
        return self._total_written

    @property
    def n_buffered(self) -> int:
        return self._buf_size
