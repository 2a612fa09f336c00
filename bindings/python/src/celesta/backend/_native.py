"""ctypes access to the backend functions of libcelesta (``celesta_backend_*``)."""

from __future__ import annotations

import base64
import ctypes
import json

import numpy as np

from .. import _irlib
from .._irlib import _lib, check, text_out
from . import _progress

_P = ctypes.c_void_p
_SZ = ctypes.c_size_t
_STR = ctypes.c_char_p
for _name, _args in {
    "celesta_backend_list_json": [_STR, _SZ, ctypes.POINTER(_SZ)],
    "celesta_backend_validate_json": [_STR, _SZ, ctypes.POINTER(_SZ), _STR, _P],
    "celesta_backend_simulate": [ctypes.POINTER(_P), _STR, _P, _STR, _SZ, ctypes.POINTER(_irlib.Array), _SZ],
    "celesta_backend_result_json": [_STR, _SZ, ctypes.POINTER(_SZ), _P],
    "celesta_backend_profile": [ctypes.POINTER(_P), _STR, _P, _STR, _SZ, ctypes.POINTER(_irlib.Array), _SZ],
    "celesta_backend_run": [ctypes.POINTER(_P), _STR, _P, _STR, _SZ, ctypes.POINTER(_irlib.Array), _SZ],
    "celesta_backend_energy_presets_json": [_STR, _SZ, ctypes.POINTER(_SZ)],
    "celesta_backend_compile": [ctypes.POINTER(_P), _STR, _P, _STR, _SZ],
    "celesta_backend_validate_flags_json": [_STR, _SZ, ctypes.POINTER(_SZ), _STR, _P, ctypes.c_int],
    "celesta_backend_result_write": [_P, _STR, ctypes.c_int, ctypes.c_int],
    "celesta_backend_build_bitstream": [ctypes.POINTER(_P), _P, _STR, _SZ, ctypes.c_int],
    "celesta_backend_result_read": [ctypes.POINTER(_P), _STR, _SZ, ctypes.c_int],
}.items():
    getattr(_lib, _name).argtypes = _args
    getattr(_lib, _name).restype = ctypes.c_int
_lib.celesta_backend_result_free.argtypes = [_P]
_lib.celesta_backend_result_free.restype = None
# The calls with a progress callback (_progress.py), by the name of the call without.
_WITH_PROGRESS = {}
for _name in ("celesta_backend_simulate", "celesta_backend_profile", "celesta_backend_run"):
    _fn = getattr(_lib, _name + "_progress")
    _fn.argtypes = getattr(_lib, _name).argtypes + [_progress.PROGRESS_FN, _P]
    _fn.restype = ctypes.c_int
    _WITH_PROGRESS[_name] = _fn


def backends() -> list:
    """The library's backends with their capabilities (registration order)."""
    return json.loads(text_out(_lib.celesta_backend_list_json))


def validate(name: str, graph, talon_compatible: bool = False) -> dict:
    """The backend's checks of ``graph`` (``talon_compatible``: the reference tool's, where the
    backend has them)."""
    handle = graph._handle()
    return json.loads(text_out(_lib.celesta_backend_validate_flags_json, name.encode(), handle.ptr, 1 if talon_compatible else 0))


def compile(name: str, graph, options: dict) -> dict:
    """The library's compile of ``graph`` on backend ``name`` (celesta_backend_compile): the
    descriptor as Python values (arrays as numpy, tuples as tuples)."""
    handle = graph._handle()   # kept alive for the call
    text = json.dumps(options).encode()
    return _decoded(lambda out: _lib.celesta_backend_compile(out, name.encode(), handle.ptr, text, len(text)))


# celesta_backend_build_bitstream() flags
WRITE_TO_DISK = 2
OVERWRITE = 4


def build_bitstream(graph, options: dict, flags: int) -> dict:
    """The fpga backend's build_bitstream of ``graph`` (celesta_backend_build_bitstream): TALON's
    dict as Python values (the descriptor's arrays as numpy). ``flags``: 1 TALON-compatible,
    WRITE_TO_DISK, OVERWRITE."""
    handle = graph._handle()   # kept alive for the call
    text = json.dumps(options).encode()
    return _decoded(lambda out: _lib.celesta_backend_build_bitstream(out, handle.ptr, text, len(text), flags))


def _decoded(call) -> dict:
    """Runs ``call(out)`` (a function giving a celesta_backend_result_t), returns its JSON
    decoded (arrays as numpy, tuples as tuples) and frees the result."""
    out = _P()
    check(call(ctypes.byref(out)))
    try:
        return _irlib.decode(json.loads(text_out(_lib.celesta_backend_result_json, out.value)), [])
    finally:
        _lib.celesta_backend_result_free(out.value)


def read_descriptor(data: bytes, binary: bool) -> dict:
    """A descriptor file's bytes read by the library (celesta_backend_result_read): TALON's
    to_json text, or the binary; the descriptor as Python values (arrays as numpy)."""
    out = _P()
    check(_lib.celesta_backend_result_read(ctypes.byref(out), data, len(data), 1 if binary else 0))
    try:
        return _irlib.decode(json.loads(text_out(_lib.celesta_backend_result_json, out.value)), [])
    finally:
        _lib.celesta_backend_result_free(out.value)


def decode_array(doc):
    if doc is None:
        return None
    values = np.frombuffer(base64.b64decode(doc["b64"]), "<f4").astype(np.float32)
    return values.reshape(doc["shape"])


def _call(fn, name: str, graph, inputs: dict | None, options: dict, bare=None, progress=None) -> dict:
    """Calls one of the (out, name, graph, options_json, arrays) functions: ``inputs`` maps
    Input names to arrays (None: zeros of the declared shapes), ``bare`` is one array for the
    graph's single Input. The call runs with progress reports (``progress(done, total)``, or
    None) and Ctrl-C checks (see _progress.py). Returns the result JSON."""
    reports = _progress.Progress(progress)
    handle = graph._handle()
    enc = _irlib.Encoder()
    if inputs is not None:
        refs = {}
        for key, value in inputs.items():
            enc.arrays.append(np.ascontiguousarray(value))
            refs[key] = len(enc.arrays) - 1
        options["inputs"] = refs
    if bare is not None:
        enc.arrays.append(np.ascontiguousarray(bare))
        options["input"] = len(enc.arrays) - 1
    arrays, n = enc.c_arrays()
    text = json.dumps(options).encode()
    out = _P()
    with reports:
        status = _WITH_PROGRESS[fn.__name__](ctypes.byref(out), name.encode(), handle.ptr, text, len(text), arrays, n, reports.c, None)
    try:
        reports.check(status)
        return json.loads(text_out(_lib.celesta_backend_result_json, out.value))
    finally:
        _lib.celesta_backend_result_free(out.value)


def simulate(graph, inputs: dict | None, progress=None, **options) -> dict:
    """Runs ``graph`` on the library's cpu simulator; ``inputs`` maps Input names to arrays
    (None: zeros of the declared shapes). Returns the result JSON with arrays decoded."""
    doc = _call(_lib.celesta_backend_simulate, "cpu", graph, inputs, options, progress=progress)
    doc["outputs"] = {k: decode_array(v) for k, v in doc["outputs"].items()}
    doc["node_states"] = [{k: decode_array(v) for k, v in step.items()} for step in doc["node_states"]]
    return doc


def profile(name: str, graph, inputs: dict | None, progress=None, **options) -> dict:
    """The library's profile of ``graph`` on backend ``name`` (celesta_backend_profile)."""
    return _call(_lib.celesta_backend_profile, name, graph, inputs, {k: v for k, v in options.items() if v is not None},
                 progress=progress)


def run(name: str, graph, inputs: dict | None, bare=None, progress=None, **options) -> dict:
    """The library's ``run`` on backend ``name`` (celesta_backend_run), arrays decoded."""
    doc = _call(_lib.celesta_backend_run, name, graph, inputs, {k: v for k, v in options.items() if v is not None}, bare,
                progress=progress)
    doc["outputs"] = {k: decode_array(v) for k, v in doc["outputs"].items()}
    return doc


def energy_presets() -> dict:
    """The library's energy presets (pJ per operation), in TALON's order."""
    return json.loads(text_out(_lib.celesta_backend_energy_presets_json))
