"""Specifications between numpy and the library as binary arrays: the extension fills numpy
buffers (or reads them) through ``celesta_xylo_spec_read`` / ``celesta_xylo_spec_create`` /
``celesta_xylo_spec_quantize_read``, so no array passes through JSON text."""

from __future__ import annotations

import numpy as np

from . import _celesta
from ._buffers import address

HIDDEN_KEYS = ("dash_mem", "dash_syn", "dash_syn_2", "threshold", "bias")
OUTPUT_KEYS = ("dash_mem_out", "dash_syn_out", "threshold_out", "bias_out")
WEIGHT_KEYS = ("weights_in", "weights_rec", "weights_out")


class Dims(tuple):
    """What ``_celesta.spec_dims`` returns and ``_celesta.spec_create`` takes: ``(chip,
    n_in, n_hidden, n_out, n_syn, n_ien, n_oen, weight_shift_in, weight_shift_rec,
    weight_shift_out, weights_ndim, dt)``."""

    @property
    def shapes(self) -> dict:
        """The shape of every array of a specification with these dimensions."""
        _, n_in, n_hidden, n_out, n_syn, n_ien, n_oen = self[:7]
        shapes = {"weights_in": (n_in, n_ien, n_syn), "weights_rec": (n_hidden, n_hidden, n_syn),
                  "weights_out": (n_oen, n_out)}
        shapes.update({k: (n_hidden,) for k in HIDDEN_KEYS})
        shapes.update({k: (n_out,) for k in OUTPUT_KEYS})
        return shapes


def _empty(dims: Dims, aliases: bool) -> dict:
    arrays = {k: np.empty(shape, dtype=np.float64) for k, shape in dims.shapes.items()}
    if aliases:
        arrays["aliases"] = np.empty(dims[2], dtype=np.int32)
    return arrays


def _addresses(arrays: dict) -> dict:
    return {k: (None if v is None else address(v)) for k, v in arrays.items()}


def read(handle) -> tuple:
    """``(dims, arrays)`` of a specification handle: float64 arrays in their shapes and the
    int32 ``aliases`` (target or -1 per hidden neuron)."""
    dims = Dims(_celesta.spec_dims(handle))
    arrays = _empty(dims, aliases=True)
    _celesta.spec_read(handle, _addresses(arrays))
    return dims, arrays


def create(dims: Dims, arrays: dict):
    """A specification handle from C-contiguous float64 arrays (missing vectors are zeros)."""
    return _celesta.spec_create(tuple(dims), _addresses(arrays))


def quantize(handle, dims: Dims, method: int, weight_bits: int, threshold_bits: int) -> dict:
    """The quantizer's integer arrays (int64, in the specification's shapes)."""
    out = _empty(dims, aliases=False)
    _celesta.spec_quantize_read(handle, method, weight_bits, threshold_bits, _addresses(out))
    return {k: v.astype(np.int64) for k, v in out.items()}
