"""ctypes access to the encoder (``celesta_ir_*_encode``) and event-file (``celesta_events_*``)
functions of libcelesta."""

from __future__ import annotations

import ctypes
import operator

import numpy as np

from .._irlib import Array, _lib, check
from .._errors import NotFoundError

_P = ctypes.c_void_p
_SZ = ctypes.c_size_t
_STR = ctypes.c_char_p
_U64 = ctypes.c_uint64


class Events(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("t", _P), ("t_stride", _SZ), ("x", _P), ("x_stride", _SZ),
                ("y", _P), ("y_stride", _SZ), ("p", _P), ("p_stride", _SZ)]


class Config(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("events_group", _STR), ("timestamp_key", _STR), ("x_key", _STR),
                ("y_key", _STR), ("polarity_key", _STR), ("compound_key", _STR)]


class Info(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("layout", ctypes.c_int), ("n_events", _U64), ("format", ctypes.c_char * 64),
                ("has_sensor_size", ctypes.c_int), ("sensor_width", ctypes.c_int64), ("sensor_height", ctypes.c_int64),
                ("has_time_range", ctypes.c_int), ("t_start", ctypes.c_int64), ("t_end", ctypes.c_int64),
                ("gzip_level", ctypes.c_int), ("chunk_length", _U64)]


_U32P = ctypes.POINTER(ctypes.c_uint32)
_F32P = ctypes.POINTER(ctypes.c_float)
for _name, _args in {
    "celesta_ir_rate_encode": [_F32P, _SZ, ctypes.POINTER(_SZ), ctypes.POINTER(Array), _SZ, ctypes.c_double, _U32P, _SZ],
    "celesta_ir_latency_encode": [_F32P, _SZ, ctypes.POINTER(_SZ), ctypes.POINTER(Array), _SZ, ctypes.c_double, ctypes.c_double],
    "celesta_ir_temporal_encode": [_F32P, _SZ, ctypes.POINTER(_SZ), ctypes.POINTER(Array), _SZ, ctypes.c_double],
    "celesta_ir_delta_encode": [_F32P, _SZ, ctypes.POINTER(_SZ), ctypes.POINTER(Array), ctypes.c_double, ctypes.c_int],
    "celesta_ir_pcg64_random_raw": [ctypes.POINTER(_U64), _SZ, _U32P, _SZ],
    "celesta_events_write": [_STR, ctypes.POINTER(Events), _SZ, ctypes.POINTER(Config), ctypes.POINTER(ctypes.c_int64), ctypes.c_int],
    "celesta_events_writer_create": [ctypes.POINTER(_P), _STR, ctypes.POINTER(Config), ctypes.POINTER(ctypes.c_int64), _SZ, ctypes.c_int],
    "celesta_events_writer_append": [_P, ctypes.POINTER(Events), _SZ],
    "celesta_events_writer_close": [_P],
    "celesta_events_reader_open": [ctypes.POINTER(_P), _STR, ctypes.POINTER(Config)],
    "celesta_events_reader_info": [ctypes.POINTER(Info), _P],
    "celesta_events_reader_read": [ctypes.POINTER(Events), _P, _U64, _U64],
    "celesta_events_reader_window": [ctypes.POINTER(_U64), ctypes.POINTER(_U64), _P, _U64, _U64],
}.items():
    getattr(_lib, _name).argtypes = _args
    getattr(_lib, _name).restype = ctypes.c_int
for _name in ("celesta_events_writer_free", "celesta_events_reader_free"):
    getattr(_lib, _name).argtypes = [_P]
    getattr(_lib, _name).restype = None

LAYOUTS = {0: "separate", 1: "compound", 2: "compound_fallback"}


class EventKeyError(NotFoundError, KeyError):
    """A group or dataset of an event file is missing (h5py raises KeyError there)."""

    def __str__(self):  # KeyError would quote the message
        return self.message


def checked(status: int) -> None:
    """check(), with a missing group/dataset raised as a KeyError (TALON's type) too."""
    try:
        check(status)
    except NotFoundError as e:
        raise EventKeyError(e.message) from None


# --- encoders ---------------------------------------------------------------------------------

def array_struct(a: np.ndarray):
    """An Array struct over the C-contiguous float32/float64 array `a` (kept alive by the caller)."""
    shape = (ctypes.c_int64 * max(1, a.ndim))(*a.shape)
    s = Array(ctypes.sizeof(Array), a.dtype.name.encode(), a.ctypes.data, a.ndim, shape)
    return s, shape


def seed_words(seed) -> np.ndarray | None:
    """numpy's SeedSequence entropy words of a non-negative integer seed (None: fresh entropy)."""
    if seed is None:
        return None
    if isinstance(seed, (float, str, bytes)):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
    try:
        value = operator.index(seed)
    except TypeError:
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}") from None
    if value < 0:
        raise ValueError(f"seed must be a non-negative integer, got {value}")
    words = []
    while True:
        words.append(value & 0xFFFFFFFF)
        value >>= 32
        if value == 0:
            break
    return np.array(words, dtype=np.uint32)


def encode(fn, data: np.ndarray, n_out: int, out_shape: tuple, *args) -> np.ndarray:
    out = np.empty(out_shape, dtype=np.float32)
    s, _shape = array_struct(data)
    need = _SZ(0)
    checked(getattr(_lib, fn)(out.ctypes.data_as(_F32P), out.size, ctypes.byref(need), ctypes.byref(s), *args))
    return out


def pcg64_random_raw(seed, count: int) -> np.ndarray:
    """The first `count` raw outputs of numpy's PCG64 seeded as default_rng(seed)."""
    words = seed_words(seed)
    out = np.empty(count, dtype=np.uint64)
    checked(_lib.celesta_ir_pcg64_random_raw(out.ctypes.data_as(ctypes.POINTER(_U64)), count,
                                             words.ctypes.data_as(_U32P), len(words)))
    return out


# --- event files ------------------------------------------------------------------------------

def config_struct(config) -> Config:
    def b(v):
        return None if v is None else str(v).encode()
    return Config(ctypes.sizeof(Config), b(config.events_group), b(config.timestamp_key), b(config.x_key), b(config.y_key),
                  b(config.polarity_key), b(config.compound_key))


def columns_of(events: np.ndarray):
    """An Events struct over the fields of a structured array (converted copies where a field's
    type differs from EVENT_DTYPE's), and the arrays it points into (to keep alive)."""
    keep = []
    ptrs = []
    for name, dtype in (("t", np.uint64), ("x", np.uint16), ("y", np.uint16), ("p", np.uint8)):
        col = events[name]
        if col.dtype != dtype or col.ndim != 1:
            col = np.ascontiguousarray(col.astype(dtype).reshape(-1))
        keep.append(col)
        ptrs += [col.ctypes.data, col.strides[0] if len(col) else np.dtype(dtype).itemsize]
    return Events(ctypes.sizeof(Events), *ptrs), keep


def sensor_array(sensor_size):
    if sensor_size is None:
        return None
    try:
        w, h = sensor_size
        w, h = operator.index(w), operator.index(h)
    except (TypeError, ValueError):
        raise TypeError(f"sensor_size must be a (width, height) tuple of ints, got {sensor_size!r}") from None
    return (ctypes.c_int64 * 2)(w, h)


class Reader:
    """An open event file (celesta_events_reader_*)."""

    def __init__(self, path: str, config):
        self.handle = _P()
        cfg = config_struct(config)
        checked(_lib.celesta_events_reader_open(ctypes.byref(self.handle), path.encode(), ctypes.byref(cfg)))
        info = Info()
        info.struct_size = ctypes.sizeof(Info)
        checked(_lib.celesta_events_reader_info(ctypes.byref(info), self.handle))
        self.info = info
        self.n_events = int(info.n_events)
        self.layout = LAYOUTS[info.layout]

    def read(self, start: int, count: int, dtype) -> np.ndarray:
        out = np.empty(count, dtype=dtype)
        if count:
            cols, _keep = columns_of(out)
            checked(_lib.celesta_events_reader_read(ctypes.byref(cols), self.handle, start, count))
        return out

    def window(self, t_start: int, t_end: int) -> tuple[int, int]:
        a, b = _U64(0), _U64(0)
        checked(_lib.celesta_events_reader_window(ctypes.byref(a), ctypes.byref(b), self.handle, t_start, t_end))
        return int(a.value), int(b.value)

    def close(self) -> None:
        if self.handle:
            _lib.celesta_events_reader_free(self.handle)
            self.handle = _P()

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write(path: str, events: np.ndarray, config, sensor_size, gzip_level: int) -> None:
    cols, _keep = columns_of(events)
    cfg = config_struct(config)
    checked(_lib.celesta_events_write(path.encode(), ctypes.byref(cols), len(events), ctypes.byref(cfg),
                                      sensor_array(sensor_size), gzip_level))


class Writer:
    """A streaming writer (celesta_events_writer_*)."""

    def __init__(self, path: str, config, sensor_size, chunk_length: int, gzip_level: int):
        self.handle = _P()
        cfg = config_struct(config)
        checked(_lib.celesta_events_writer_create(ctypes.byref(self.handle), path.encode(), ctypes.byref(cfg),
                                                  sensor_array(sensor_size), chunk_length, gzip_level))

    def append(self, events: np.ndarray) -> None:
        if len(events):
            cols, _keep = columns_of(events)
            checked(_lib.celesta_events_writer_append(self.handle, ctypes.byref(cols), len(events)))

    def close(self) -> None:
        if self.handle:
            try:
                checked(_lib.celesta_events_writer_close(self.handle))
            finally:
                _lib.celesta_events_writer_free(self.handle)
                self.handle = _P()

    def discard(self) -> None:
        if self.handle:
            _lib.celesta_events_writer_free(self.handle)
            self.handle = _P()

    def __del__(self):
        self.discard()
