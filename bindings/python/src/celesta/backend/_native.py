"""ctypes access to the backend functions of libcelesta (``celesta_backend_*``)."""

from __future__ import annotations

import base64
import ctypes
import json

import numpy as np

from .. import _irlib
from .._irlib import _lib, check, text_out

_P = ctypes.c_void_p
_SZ = ctypes.c_size_t
_STR = ctypes.c_char_p
for _name, _args in {
    "celesta_backend_list_json": [_STR, _SZ, ctypes.POINTER(_SZ)],
    "celesta_backend_validate_json": [_STR, _SZ, ctypes.POINTER(_SZ), _STR, _P],
    "celesta_backend_simulate": [ctypes.POINTER(_P), _STR, _P, _STR, _SZ, ctypes.POINTER(_irlib.Array), _SZ],
    "celesta_backend_result_json": [_STR, _SZ, ctypes.POINTER(_SZ), _P],
}.items():
    getattr(_lib, _name).argtypes = _args
    getattr(_lib, _name).restype = ctypes.c_int
_lib.celesta_backend_result_free.argtypes = [_P]
_lib.celesta_backend_result_free.restype = None


def backends() -> list:
    """The library's backends with their capabilities (registration order)."""
    return json.loads(text_out(_lib.celesta_backend_list_json))


def validate(name: str, graph) -> dict:
    handle = graph._handle()
    return json.loads(text_out(_lib.celesta_backend_validate_json, name.encode(), handle.ptr))


def decode_array(doc):
    if doc is None:
        return None
    values = np.frombuffer(base64.b64decode(doc["b64"]), "<f4").astype(np.float32)
    return values.reshape(doc["shape"])


def simulate(graph, inputs: dict | None, **options) -> dict:
    """Runs ``graph`` on the library's cpu simulator; ``inputs`` maps Input names to arrays
    (None: zeros of the declared shapes). Returns the result JSON with arrays decoded."""
    handle = graph._handle()
    enc = _irlib.Encoder()
    if inputs is not None:
        refs = {}
        for name, value in inputs.items():
            enc.arrays.append(np.ascontiguousarray(value))
            refs[name] = len(enc.arrays) - 1
        options["inputs"] = refs
    arrays, n = enc.c_arrays()
    text = json.dumps(options).encode()
    out = _P()
    check(_lib.celesta_backend_simulate(ctypes.byref(out), b"cpu", handle.ptr, text, len(text), arrays, n))
    try:
        doc = json.loads(text_out(_lib.celesta_backend_result_json, out.value))
    finally:
        _lib.celesta_backend_result_free(out.value)
    doc["outputs"] = {k: decode_array(v) for k, v in doc["outputs"].items()}
    doc["node_states"] = [{k: decode_array(v) for k, v in step.items()} for step in doc["node_states"]]
    return doc
