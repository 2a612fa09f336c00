"""Passing numpy arrays to the C library without copies where the layout allows."""

from __future__ import annotations

import numpy as np


def int32_buffer(values, name: str) -> np.ndarray:
    """``values`` as a C-contiguous int32 array (no copy when it already is one).

    Integers outside int32 and non-integral floats are refused with ``ValueError`` naming the
    argument, so nothing is silently wrapped on the way to the library.
    """
    arr = np.asarray(values)
    if arr.dtype == np.int32 and arr.flags.c_contiguous:
        return arr
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int32)
    elif arr.dtype.kind in "iu":
        if arr.size and (arr.min() < -(2**31) or arr.max() > 2**31 - 1):
            raise ValueError(f"'{name}' has values outside int32")
    elif arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"'{name}' has non-finite values")
        if np.any(arr != np.round(arr)):
            raise ValueError(f"'{name}' has non-integer values; quantize it first")
        if arr.size and (arr.min() < -(2**31) or arr.max() > 2**31 - 1):
            raise ValueError(f"'{name}' has values outside int32")
    elif arr.dtype == object and arr.size == 0:
        pass
    else:
        raise TypeError(f"'{name}' must be numeric, not {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.int32)


def address(arr: np.ndarray) -> tuple:
    """``(address, length in values)`` of a C-contiguous array, for the extension."""
    return (arr.ctypes.data, arr.size)


def event_raster(values, name: str = "input") -> np.ndarray:
    """An input raster of event counts as Rockpool reads one: floats are cast as Rockpool's
    ``astype(int)`` casts them (truncated toward zero: 2.7 -> 2, 0.4 -> 0), booleans count 0/1;
    NaN and infinities are refused. The counts then go to ``int32_buffer`` (the library refuses
    counts outside 0..255, naming the step and channel)."""
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"'{name}' has non-finite values")
        if arr.size and (arr.min() <= -(2.0**31) - 1 or arr.max() >= 2.0**31):
            raise ValueError(f"'{name}' has values outside int32")
        arr = np.trunc(arr).astype(np.int32)
    return int32_buffer(arr, name)
