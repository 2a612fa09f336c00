"""celesta.hls: spiking networks as HLS C++ projects, with hls4ml's SNN semantics.

hls4ml-style calls::

    model = celesta.hls.convert(graph_or_nir_or_t1c, output_dir="prj", readout={"decision_rule": "argmax_spike_count", "window_size": 10})
    model = celesta.hls.from_layers(layers, hls_config, output_dir="prj")
    model.write(); model.compile()
    y = model.predict(x)            # the compiled C simulation (g++), stateful across calls
    y, tr = model.trace(x)          # fresh state, every layer's values of every step
    y = model.simulate(x)           # Celesta's bit-exact fixed-point simulator, no compiler
    y, tr = model.simulate(x, trace=True)
    ref = model.simulate(x, reference="float")   # float64 model: the quantization loss
    r = celesta.hls.window_accuracy(model, windows, labels)   # float vs fixed accuracy, the gap

Shapes: x is [T][n_in] (one row per time step) or, for simulate, [batch][T][n_in]
(independent sequences); outputs [T][n_out] ([batch][T][n_out]). A trace is
{layer: {key: array [T][n]}} with the keys out, v_pre, v_post, counts, membrane.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import tempfile

import numpy as np

from .. import _irlib

from .accuracy import AccuracyGap, RateCodedTask, rate_coded_task, window_accuracy

__all__ = ["AccuracyGap", "HLSModel", "RateCodedTask", "convert", "from_layers", "rate_coded_task", "window_accuracy"]

_lib = _irlib._lib
_P = ctypes.c_void_p
_SZ = ctypes.c_size_t
_STR = ctypes.c_char_p
_D = ctypes.POINTER(ctypes.c_double)
for _name, _args in {
    "celesta_hls_model_from_layers": [ctypes.POINTER(_P), _STR, _SZ, _STR, _SZ],
    "celesta_hls_model_from_graph": [ctypes.POINTER(_P), _P, _STR, _SZ],
    "celesta_hls_model_info": [_STR, _SZ, ctypes.POINTER(_SZ), _P],
    "celesta_hls_write": [_P, _STR, _STR, ctypes.c_int],
    "celesta_hls_compile": [_STR, _STR, ctypes.c_int],
    "celesta_hls_simulate": [_D, _SZ, _P, _D, _SZ, _SZ, _SZ, ctypes.c_int],
    "celesta_hls_simulate_f32": [_D, _SZ, _P, ctypes.POINTER(ctypes.c_float), _SZ, _SZ, _SZ, ctypes.c_int],
    "celesta_hls_last_trace": [_STR, _SZ, ctypes.POINTER(_SZ), _P],
}.items():
    getattr(_lib, _name).argtypes = _args
    getattr(_lib, _name).restype = ctypes.c_int
_lib.celesta_hls_model_free.argtypes = [_P]
_lib.celesta_hls_model_free.restype = None

_OVERWRITE = 1
_SHARED_LIBRARY = 2
_OPTIMIZE = 4
_KEEP_STATE, _FLOAT, _TRACE, _RESET = 1, 2, 4, 8


def _trace_from_json(text: str) -> dict:
    doc = json.loads(text)
    order = doc.pop("__order__", list(doc))
    return {name: {k: np.asarray(v, dtype=np.float64) for k, v in doc[name].items()} for name in order}


def _default_ap_types() -> str | None:
    """The ap_types folder of an installed hls4ml wheel in this interpreter (not imported)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("hls4ml")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        path = os.path.join(base, "templates", "vivado", "ap_types")
        if os.path.isfile(os.path.join(path, "ap_fixed.h")):
            return path
    return None


class HLSModel:
    """A network as an HLS project: write(), compile(), predict(), trace(), simulate()."""

    def __init__(self, ptr: int, output_dir: str, ap_types: str | None):
        self._ptr = ptr
        self.output_dir = os.path.abspath(output_dir)
        self.ap_types = ap_types or _default_ap_types()
        self._csim = None
        self._csim_path = None
        info = json.loads(_irlib.text_out(_lib.celesta_hls_model_info, self._ptr))
        self.config = info
        self.project_name = info["project_name"]
        self.n_in = info["input"]["n"]
        self.n_out = info["output_width"]
        self.warnings = list(info["warnings"])

    def __del__(self):
        if getattr(self, "_ptr", None):
            _lib.celesta_hls_model_free(self._ptr)
            self._ptr = None

    def __repr__(self):
        layers = " -> ".join(f"{l['name']}({l['class_name']})" for l in self.config["layers"])
        return f"<celesta.hls.HLSModel {self.config['io_type']} {self.n_in} in: {layers}>"

    @property
    def layers(self) -> list:
        """The layers with their resolved types (list of dicts)."""
        return self.config["layers"]

    def write(self, overwrite: bool = False) -> list:
        """Writes the project to output_dir (refused when the folder is not empty, unless
        overwrite=True; written atomically). Returns the files written."""
        ap = self.ap_types.encode() if self.ap_types else None
        _irlib.check(_lib.celesta_hls_write(self._ptr, self.output_dir.encode(), ap, _OVERWRITE if overwrite else 0))
        out = []
        for root, _, files in os.walk(self.output_dir):
            out += [os.path.relpath(os.path.join(root, f), self.output_dir) for f in files]
        return sorted(out)

    def compile(self, optimize: bool = False) -> None:
        """Writes the project (replacing output_dir) and compiles its C simulation with g++;
        predict() and trace() then run it. The state starts from zero. optimize=True compiles
        at -O2 (slower to build, faster for long runs); the default -O0 builds fastest. The
        numbers are the same either way."""
        self.write(overwrite=True)
        ap = self.ap_types.encode() if self.ap_types else None
        flags = _SHARED_LIBRARY | (_OPTIMIZE if optimize else 0)
        _irlib.check(_lib.celesta_hls_compile(self.output_dir.encode(), ap, flags))
        self._load()

    def _load(self):
        # A fresh copy of the library: a new load, hence zero state (as hls4ml's reload).
        src = os.path.join(self.output_dir, "firmware", f"{self.project_name}.so")
        fd, path = tempfile.mkstemp(suffix=".so", prefix="celesta-csim-")
        os.close(fd)
        shutil.copyfile(src, path)
        lib = ctypes.CDLL(path)
        os.unlink(path)
        fn = getattr(lib, f"{self.project_name}_run")
        fn.argtypes = [_D, _D, ctypes.c_uint]
        fn.restype = None
        tr = getattr(lib, f"{self.project_name}_trace_to")
        tr.argtypes = [_STR]
        tr.restype = ctypes.c_int
        self._csim = (lib, fn, tr)

    def _rows(self, x) -> np.ndarray:
        a = np.ascontiguousarray(np.asarray(x, dtype=np.float32), dtype=np.float64)
        if a.ndim == 1:
            a = a.reshape(1, -1)
        if a.ndim != 2 or a.shape[1] != self.n_in:
            raise ValueError(f"x must have shape [T][{self.n_in}], got {list(np.shape(x))}")
        return a

    def predict(self, x) -> np.ndarray:
        """Runs the compiled C simulation, one call of the top function per row of x. The state
        carries on across calls (as hls4ml's predict); compile() or trace() restart it."""
        if self._csim is None:
            raise RuntimeError("predict() needs compile() first")
        a = self._rows(x)
        out = np.zeros((a.shape[0], self.n_out), dtype=np.float64)
        self._csim[1](a.ctypes.data_as(_D), out.ctypes.data_as(_D), a.shape[0])
        return out

    def trace(self, x):
        """Reloads the C simulation (zero state), runs x and returns (output, trace)."""
        if self._csim is None:
            raise RuntimeError("trace() needs compile() first")
        self._load()
        fd, path = tempfile.mkstemp(suffix=".txt", prefix="celesta-trace-")
        os.close(fd)
        try:
            if self._csim[2](path.encode()) != 0:
                raise RuntimeError("the C simulation was built without tracing")
            y = self.predict(x)
            self._csim[2](None)
            tr: dict = {}
            with open(path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) < 2 or parts[0] == "step":
                        continue
                    tr.setdefault(parts[0], {}).setdefault(parts[1], []).append([float(v) for v in parts[2:]])
        finally:
            os.unlink(path)
        return y, {n: {k: np.asarray(v) for k, v in d.items()} for n, d in tr.items()}

    def simulate(self, x, trace: bool = False, *, reference: str = "fixed", keep_state: bool = False):
        """Celesta's bit-exact fixed-point simulator (reference="float": the float64 model).
        x: [T][n_in] or [batch][T][n_in] (independent sequences, each from zero state, run in
        parallel). keep_state=True continues from the previous keep_state call instead.
        Returns [T][n_out] (or [batch][T][n_out]); with trace=True (one sequence)
        (output, trace)."""
        if reference not in ("fixed", "float"):
            raise ValueError(f"reference must be 'fixed' or 'float', not {reference!r}")
        # float32 values (the simulator's input semantics): no copy of a contiguous float32
        # array; the engine converts each sequence's rows in the thread that runs it
        a = np.ascontiguousarray(x, dtype=np.float32)
        single = a.ndim <= 2
        if a.ndim == 1:
            a = a.reshape(1, -1)
        if a.ndim == 2:
            a = a.reshape(1, *a.shape)
        if a.ndim != 3 or a.shape[2] != self.n_in:
            raise ValueError(f"x must have shape [T][{self.n_in}] or [batch][T][{self.n_in}], got {list(np.shape(x))}")
        b, t = a.shape[0], a.shape[1]
        if trace and b != 1:
            raise ValueError("trace=True needs a single sequence [T][n_in]")
        flags = (_KEEP_STATE if keep_state else 0) | (_FLOAT if reference == "float" else 0) | (_TRACE if trace else 0)
        out = np.zeros((b, t, self.n_out), dtype=np.float64)
        _irlib.check(_lib.celesta_hls_simulate_f32(out.ctypes.data_as(_D), out.size, self._ptr,
                                                   a.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), a.size, b, t, flags))
        y = out[0] if single else out
        if trace:
            return y, _trace_from_json(_irlib.text_out(_lib.celesta_hls_last_trace, self._ptr))
        return y


def from_layers(layers: list, hls_config: dict | None = None, *, output_dir: str = "hls_project",
                ap_types: str | None = None) -> HLSModel:
    """A model from hls4ml's vocabulary: layer dicts (class_name Input / Dense / IFNeuron /
    LIFNeuron / SNNReadout with n, n_in, n_out, weight [n_in][n_out], bias, reset_mechanism,
    threshold / beta ({mode, value}, a number or a list), window_size, n_classes,
    class_threshold, output_mode, decision_rule, state_reset_policy) and an hls4ml config dict
    (IOType, HLSConfig with Model / LayerType / LayerName Precision, ReuseFactor, Strategy)."""
    text = json.dumps(layers, default=_jsonable).encode()
    cfg = json.dumps(hls_config or {}, default=_jsonable).encode()
    out = _P()
    _irlib.check(_lib.celesta_hls_model_from_layers(ctypes.byref(out), text, len(text), cfg, len(cfg)))
    return HLSModel(out.value, output_dir, ap_types)


def _jsonable(v):
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(f"cannot convert {type(v).__name__} to JSON")


def convert(source, *, output_dir: str = "hls_project", project_name: str = "myproject", io_type: str = "io_stream",
            part: str = "xcvu13p-flga2577-2-e", clock_period: float = 5, default_precision: str = "ap_fixed<16,6>",
            reuse_factor: int = 1, strategy: str = "Latency", hls_config: dict | None = None,
            readout: dict | None = None, reset_mechanism: str = "subtract", ap_types: str | None = None) -> HLSModel:
    """A model from a celesta.ir.Graph, a NIR file or a TALON .t1c file: Affine /
    SpikingAffine -> Dense, LIF -> LIF (beta = 1 - 1/tau), IF -> IF. readout: a dict of
    SNNReadout fields to append (decision_rule, window_size, output_mode, class_threshold,
    beta, state_reset_policy). hls_config (an hls4ml config dict) overrides the other
    settings."""
    from .. import ir as _ir

    graph = source
    if isinstance(source, (str, os.PathLike)):
        graph = _ir.read(source)
    config = {"ProjectName": project_name, "IOType": io_type, "Part": part, "ClockPeriod": clock_period,
              "HLSConfig": {"Model": {"Precision": {"default": default_precision}, "ReuseFactor": reuse_factor,
                                      "Strategy": strategy}}}
    if hls_config:
        config.update({k: v for k, v in hls_config.items() if k != "HLSConfig"})
        for k, v in (hls_config.get("HLSConfig") or {}).items():
            config["HLSConfig"][k] = v
    options = {"hls_config": config, "readout": readout, "reset_mechanism": reset_mechanism}
    text = json.dumps(options, default=_jsonable).encode()
    out = _P()
    handle = graph._handle()
    _irlib.check(_lib.celesta_hls_model_from_graph(ctypes.byref(out), handle.ptr, text, len(text)))
    return HLSModel(out.value, output_dir, ap_types)
