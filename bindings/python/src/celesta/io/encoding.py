"""Spike encoders with TALON's names and signatures (``talon.io.encoding``), computed by the
Celesta library.

``rate_encode`` is bit-exact with TALON (numpy's ``default_rng(seed)`` -> SeedSequence ->
PCG64 and ``binomial(1, p)``), ported to the library: numpy's generator is never called.
All encoders return float32 arrays of 0/1 spikes, step-major: ``(n_steps, *data.shape)``.
"""

from __future__ import annotations

import math
import operator
from typing import Optional

import numpy as np

from . import _lib
from .._irlib import compatible_default

__all__ = ["rate_encode", "latency_encode", "temporal_encode", "delta_encode"]


def _array(data, name: str) -> np.ndarray:
    if not isinstance(data, np.ndarray):
        raise TypeError(f"{name} must be np.ndarray, got {type(data).__name__}")
    return data


def _steps(n_steps) -> int:
    """TALON's `int n_steps`: ints and integral numbers; a positive count."""
    if isinstance(n_steps, (str, bytes)) or not hasattr(n_steps, "__int__"):
        raise TypeError(f"Argument 'n_steps' has incorrect type (expected int, got {type(n_steps).__name__})")
    try:
        value = operator.index(n_steps)
    except TypeError:
        f = float(n_steps)
        if math.isfinite(f) and compatible_default():
            f = float(int(f))  # TALON's Cython `int` truncates
        if not math.isfinite(f) or f != int(f):
            raise ValueError(f"n_steps must be a positive int, got {n_steps!r}") from None
        value = int(f)
    if value < 1:
        raise ValueError(f"n_steps must be a positive int, got {n_steps!r}")
    return value


def _real(value, name: str) -> float:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__float__"):
        raise TypeError(f"{name} must be a real number, not {type(value).__name__}")
    return float(value)


def _floats(data: np.ndarray) -> np.ndarray:
    """float32 and float64 data as they are (C order); other dtypes as float64 (numpy computes
    integer data in float64 too); float16 as float32."""
    if data.dtype == np.float32 or data.dtype == np.float64:
        return np.ascontiguousarray(data)
    if data.dtype == np.float16:
        return np.ascontiguousarray(data, dtype=np.float32)
    if data.dtype.kind not in "biuf":
        raise TypeError(f"data must hold numbers, got dtype {data.dtype}")
    return np.ascontiguousarray(data, dtype=np.float64)


def rate_encode(data: np.ndarray, n_steps: int, rate_scale: float = 1.0, seed: Optional[int] = None) -> np.ndarray:
    """Bernoulli spikes with p = clip(data * rate_scale, 0, 1): shape ``(n_steps, *data.shape)``.

    Bit-exact with TALON for the same ``seed``; ``seed=None`` draws fresh entropy.
    Raises TypeError (data not an ndarray), ValueError (n_steps < 1, NaN probabilities, negative seed).
    """
    data = _array(data, "data")
    steps = _steps(n_steps)
    scale = _real(rate_scale, "rate_scale")
    words = _lib.seed_words(seed)
    x = _floats(data)
    if x.dtype == np.float64 and data.dtype != np.float64:
        # Integer data: numpy multiplies and clips in float64 (done here exactly as numpy does).
        x = np.ascontiguousarray(np.clip(x * scale, 0.0, 1.0))
        scale = 1.0
    entropy = None if words is None else words.ctypes.data_as(_lib._U32P)
    try:
        return _lib.encode("celesta_ir_rate_encode", x, x.size * steps, (steps,) + data.shape, steps, scale,
                           entropy, 0 if words is None else len(words))
    except ValueError as e:
        if "probability" in str(e):
            raise ValueError(f"p < 0, p > 1 or p contains NaNs ({e})") from None
        raise


def latency_encode(data: np.ndarray, n_steps: int, tau: float = 5.0, threshold: float = 0.01) -> np.ndarray:
    """One spike per element x >= threshold, at step trunc(tau * log(1 / clip(x, threshold, 1)))
    (clipped to the last step): larger values spike earlier."""
    data = _array(data, "data")
    steps = _steps(n_steps)
    x = _floats(data)
    return _lib.encode("celesta_ir_latency_encode", x, x.size * steps, (steps,) + data.shape, steps,
                       _real(tau, "tau"), _real(threshold, "threshold"))


def temporal_encode(data: np.ndarray, n_steps: int, threshold: float = 0.01) -> np.ndarray:
    """One spike per element x >= threshold, at step trunc((1 - x) * n_steps) (clipped)."""
    data = _array(data, "data")
    steps = _steps(n_steps)
    x = _floats(data)
    return _lib.encode("celesta_ir_temporal_encode", x, x.size * steps, (steps,) + data.shape, steps,
                       _real(threshold, "threshold"))


def delta_encode(data_sequence: np.ndarray, threshold: float = 0.1, off_spikes: bool = True) -> np.ndarray:
    """Change spikes along axis 0: ``(T-1, 2, ...)`` of (rise > threshold, fall > threshold) with
    ``off_spikes``, else ``(T-1, ...)`` of |change| > threshold."""
    data = _array(data_sequence, "data_sequence")
    if data.ndim == 0:
        raise ValueError("data_sequence must have at least one dimension (time along axis 0)")
    x = _floats(data)
    frames = data.shape[0]
    rest = data.shape[1:]
    off = bool(off_spikes)
    shape = (max(frames - 1, 0), 2) + rest if off else (max(frames - 1, 0),) + rest
    if frames == 0:
        raise ValueError("data_sequence must hold at least one frame along axis 0")
    return _lib.encode("celesta_ir_delta_encode", x, int(np.prod(shape)), shape, _real(threshold, "threshold"), int(off))
