"""Specifications cross into and out of the library as binary arrays: the mapper dict and the
quantizer output equal the library's JSON forms of the same objects, value for value."""

import json

import numpy as np
import pytest

import celesta
from celesta import _celesta, _spec_arrays
from celesta.devices.xylo import syns61201, syns65302
from celesta.nn import LIF, Linear, Residual, Sequential
from celesta.transform.quantize_methods import channel_quantize, global_quantize

KEYS = ("weights_in", "weights_rec", "weights_out", "dash_mem", "dash_syn", "dash_syn_2", "threshold", "bias",
        "dash_mem_out", "dash_syn_out", "threshold_out", "bias_out")


def network(seed, two_synapses=False):
    rng = np.random.default_rng(seed)
    n_syn = 2 if two_synapses else 1
    return Sequential(
        Linear((4, 12 * n_syn), weight=rng.normal(0, 0.5, (4, 12 * n_syn))),
        LIF((12 * n_syn, 12), tau_mem=rng.uniform(0.01, 0.05, 12), tau_syn=rng.uniform(0.005, 0.02, 12 * n_syn),
            threshold=rng.uniform(0.5, 1.5, 12), bias=rng.normal(0, 0.1, 12), has_rec=True,
            w_rec=rng.normal(0, 0.2, (12, 12 * n_syn)) * (rng.random((12, 12 * n_syn)) < 0.5)),
        Residual(Linear((12, 12), weight=rng.normal(0, 0.3, (12, 12))), LIF(12)),
        Linear((12, 3), weight=rng.normal(0, 0.5, (12, 3))),
        LIF(3),
    )


@pytest.mark.parametrize("chip,name,two", [(syns61201, "syns61201", False), (syns61201, "syns61201", True),
                                           (syns65302, "syns65302", True)])
def test_mapper_dict_equals_the_json_form(chip, name, two):
    graph = network(3, two).as_graph()
    spec = chip.mapper(graph)
    handle = _celesta.xylo_map(graph._handle, name, 0, 0, False)
    raw = json.loads(_celesta.spec_to_json(handle))
    for key in KEYS:
        np.testing.assert_array_equal(np.asarray(spec[key]).reshape(-1), np.asarray(raw[key]).reshape(-1), key)
    assert spec["aliases"] == raw["aliases"] and any(spec["aliases"])
    assert spec["dt"] == raw["dt"]
    assert spec["weights_in"].ndim == (2 if chip is syns61201 and not two else 3)


@pytest.mark.parametrize("method", [0, 1, 2])
def test_quantizer_output_equals_the_json_form(method):
    spec = syns61201.mapper(network(5).as_graph())
    q = (global_quantize(**spec) if method == 0 else global_quantize(**spec, fuzzy_scaling=True) if method == 1
         else channel_quantize(**spec))
    handle = _celesta.xylo_map(network(5).as_graph()._handle, "syns61201", 0, 0, False)
    raw = json.loads(_celesta.spec_quantize_json(handle, method, 8, 16))
    for key in KEYS:
        assert q[key].dtype == np.int64
        np.testing.assert_array_equal(q[key].reshape(-1), np.asarray(raw[key], dtype=np.int64).reshape(-1), key)
    # 12 neurons in the first LIF and 12 in the residual block.
    assert q["weights_in"].shape == (4, 24, 1) and q["weights_rec"].shape == (24, 24, 1)


def test_read_back_what_was_created():
    rng = np.random.default_rng(9)
    dims = _spec_arrays.Dims(("xa3", 2, 5, 3, 2, 5, 5, 1, 2, 3, 3, 2e-3))
    arrays = {k: rng.normal(size=shape) for k, shape in dims.shapes.items()}
    arrays["aliases"] = np.array([4, -1, -1, -1, -1], dtype=np.int32)
    handle = _spec_arrays.create(dims, arrays)
    back_dims, back = _spec_arrays.read(handle)
    assert back_dims == ("syns65302",) + tuple(dims[1:])
    for key, value in arrays.items():
        np.testing.assert_array_equal(back[key], value, key)


def test_bad_arrays_raise_named_errors():
    dims = _spec_arrays.Dims((None, 2, 3, 1, 1, 3, 3, 0, 0, 0, 3, 1e-3))
    arrays = {k: np.zeros(shape) for k, shape in dims.shapes.items()}
    arrays["threshold"] = np.zeros(2)
    with pytest.raises(celesta.CelestaError, match="threshold"):
        _spec_arrays.create(dims, arrays)
    arrays["threshold"] = np.array([0.0, np.nan, 0.0])
    with pytest.raises(celesta.CelestaError, match=r"threshold\[1\]"):
        _spec_arrays.create(dims, arrays)
    with pytest.raises(celesta.CelestaError, match="no-such-chip|not found|unknown"):
        _spec_arrays.create(_spec_arrays.Dims(("no-such-chip",) + tuple(dims[1:])), arrays)
    with pytest.raises(TypeError):
        _celesta.spec_create((None, 1), {})
    with pytest.raises(ValueError, match="negative length"):
        _celesta.spec_read(_spec_arrays.create(dims, {k: np.zeros(s) for k, s in dims.shapes.items()}),
                           {"weights_in": (0, -1)})
