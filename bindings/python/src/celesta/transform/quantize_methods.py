"""Rockpool's Xylo quantizers (``rockpool.transform.quantize_methods``, 3.1.0), bit-exact:

    spec = celesta.devices.xylo.syns61201.mapper(graph)
    spec.update(global_quantize(**spec))             # or channel_quantize(**spec)
    config, is_valid, message = syns61201.config_from_specification(**spec)

Both return a dict of int64 numpy arrays: ``weights_in`` ``[n_in][n_ien][n_syn]`` and
``weights_rec`` ``[n_hidden][n_hidden][n_syn]`` (always 3-D, as Rockpool returns them),
``weights_out`` ``[n_oen][n_out]``, ``threshold``, ``threshold_out``, ``dash_mem``,
``dash_mem_out``, ``dash_syn``, ``dash_syn_2``, ``dash_syn_out``, ``bias``, ``bias_out``.
Nothing is clipped (as in Rockpool: fuzzy scaling can give weights outside int8, which the
configuration then rejects). Unlike Rockpool's ``channel_quantize``, the caller's arrays are
never modified. Bad values raise the ``celesta.CelestaError`` subclass naming the field.
"""

from __future__ import annotations

import numpy as np

from .. import _spec_arrays

__all__ = ["global_quantize", "channel_quantize"]

_HIDDEN = ("dash_mem", "dash_syn", "dash_syn_2", "threshold", "bias")
_OUTPUT = ("dash_mem_out", "dash_syn_out", "threshold_out", "bias_out")


def _float_array(value, name: str) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64)  # a copy: the caller's array is never touched
    except (TypeError, ValueError):
        raise TypeError(f"'{name}' must be numeric") from None
    if not np.all(np.isfinite(arr)):
        from .._errors import OutOfRangeError
        idx = int(np.flatnonzero(~np.isfinite(arr.reshape(-1)))[0])
        raise OutOfRangeError(f"'{name}[{idx}]' (flat index) is {arr.reshape(-1)[idx]}; values must be finite")
    return arr


def _spec_handle(weights_in, weights_out, weights_rec, vectors: dict, dt, shifts: dict):
    """A specification handle from the float arrays (passed to the library as binary arrays)
    and its dimensions."""
    w_in = _float_array(weights_in, "weights_in")
    w_out = _float_array(weights_out, "weights_out")
    if w_in.ndim == 2:
        w_in = w_in[:, :, None]
    if w_in.ndim != 3:
        raise ValueError(f"'weights_in' must be 2-D or 3-D, got {w_in.ndim}-D")
    if w_out.ndim != 2:
        raise ValueError(f"'weights_out' must be 2-D, got {w_out.ndim}-D")
    n_in, n_ien, n_syn = w_in.shape
    n_oen, n_out = w_out.shape
    if weights_rec is not None:
        w_rec = _float_array(weights_rec, "weights_rec")
        if w_rec.ndim == 2:
            w_rec = w_rec[:, :, None]
        if w_rec.ndim != 3 or w_rec.shape[0] != w_rec.shape[1]:
            raise ValueError(f"'weights_rec' must be [n_hidden][n_hidden] or [n_hidden][n_hidden][n_syn], "
                             f"got shape {w_rec.shape}")
        n_hidden = w_rec.shape[0]
    else:
        given = [np.size(vectors[k]) for k in _HIDDEN if vectors.get(k) is not None]
        n_hidden = given[0] if given else max(n_ien, n_oen)
        w_rec = np.zeros((n_hidden, n_hidden, n_syn))
    arrays = {"weights_in": w_in, "weights_rec": w_rec, "weights_out": w_out}
    for keys in (_HIDDEN, _OUTPUT):
        for key in keys:
            value = vectors.get(key)
            arrays[key] = None if value is None else _float_array(value, key).reshape(-1)
    arrays = {k: (None if v is None else np.ascontiguousarray(v)) for k, v in arrays.items()}
    shift = [0 if shifts.get(k) is None else int(shifts[k]) for k in ("weight_shift_in", "weight_shift_rec", "weight_shift_out")]
    dims = _spec_arrays.Dims((None, n_in, n_hidden, n_out, n_syn, n_ien, n_oen, *shift, 3,
                              1e-3 if dt is None else float(dt)))
    return _spec_arrays.create(dims, arrays), dims


def _quantize(method: int, weights_in, weights_out, weights_rec, vectors, bits_per_weight, bits_per_threshold,
              kwargs) -> dict:
    for name, bits in (("bits_per_weight", bits_per_weight), ("bits_per_threshold", bits_per_threshold)):
        if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)):
            raise TypeError(f"'{name}' must be an int, not {type(bits).__name__}")
        if not -(2**31) <= bits < 2**31:
            from .._errors import OutOfRangeError
            raise OutOfRangeError(f"argument '{name}' is {bits}; it must be in 2...32")
    if weights_in is None or weights_out is None:
        raise TypeError("the quantizers need at least 'weights_in' and 'weights_out'")
    shifts = {k: kwargs.get(k) for k in ("weight_shift_in", "weight_shift_rec", "weight_shift_out")}
    handle, dims = _spec_handle(weights_in, weights_out, weights_rec, vectors, kwargs.get("dt"), shifts)
    return _spec_arrays.quantize(handle, dims, method, int(bits_per_weight), int(bits_per_threshold))


def global_quantize(weights_in, weights_out, weights_rec=None, dash_mem=None, dash_mem_out=None, dash_syn=None,
                    dash_syn_2=None, dash_syn_out=None, threshold=None, threshold_out=None, bias=None,
                    bias_out=None, fuzzy_scaling: bool = False, bits_per_weight: int = 8,
                    bits_per_threshold: int = 16, *_, **kwargs) -> dict:
    """Rockpool's ``global_quantize``: one scale for the hidden layer (``max |weights_in|,
    |weights_rec|, |bias|``) and one for the output layer; with ``fuzzy_scaling`` the scales
    come from ``|mean| + 2 std`` of the non-zero weights. Thresholds beyond
    ``bits_per_threshold`` trigger Rockpool's rescaling guard. Other keys of a mapper dict
    (``aliases``, ``dt``, ``mapped_graph``, ...) are accepted and ignored."""
    vectors = dict(dash_mem=dash_mem, dash_mem_out=dash_mem_out, dash_syn=dash_syn, dash_syn_2=dash_syn_2,
                   dash_syn_out=dash_syn_out, threshold=threshold, threshold_out=threshold_out, bias=bias,
                   bias_out=bias_out)
    return _quantize(1 if fuzzy_scaling else 0, weights_in, weights_out, weights_rec, vectors, bits_per_weight,
                     bits_per_threshold, kwargs)


def channel_quantize(weights_in, weights_out, weights_rec=None, dash_mem=None, dash_mem_out=None, dash_syn=None,
                     dash_syn_2=None, dash_syn_out=None, threshold=None, threshold_out=None, bias=None,
                     bias_out=None, bits_per_weight: int = 8, bits_per_threshold: int = 16, *_, **kwargs) -> dict:
    """Rockpool's ``channel_quantize``: one scale per target neuron (its incoming weights and
    threshold; the bias too with two synapses, and for output neurons). The caller's ``bias``
    and ``bias_out`` arrays are left as they are (Rockpool scales them in place)."""
    vectors = dict(dash_mem=dash_mem, dash_mem_out=dash_mem_out, dash_syn=dash_syn, dash_syn_2=dash_syn_2,
                   dash_syn_out=dash_syn_out, threshold=threshold, threshold_out=threshold_out, bias=bias,
                   bias_out=bias_out)
    return _quantize(2, weights_in, weights_out, weights_rec, vectors, bits_per_weight, bits_per_threshold, kwargs)
