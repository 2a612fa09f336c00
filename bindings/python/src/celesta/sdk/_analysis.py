"""TALON's SDK analyses on Celesta's engine: ``analyze_graph``, ``summarize``, ``profile_graph``,
``format_profile``, ``lint_graph``, fingerprints, ``estimate_energy`` and the graph transforms.

Every call takes TALON's arguments, plus a keyword-only ``talon_compatible=`` (default: the
``with celesta.talon_compatible():`` block, else Celesta's corrected behaviour; README, "Where
Celesta differs from TALON"). Results are dataclasses with TALON's field names."""

from __future__ import annotations

import ctypes
import datetime
import enum
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from .. import _irlib
from .. import ir as _ir
from .._errors import UnsupportedError

_lib = _irlib._lib
_P = ctypes.c_void_p
_SZ = ctypes.c_size_t
_BUF = [ctypes.c_char_p, _SZ, ctypes.POINTER(_SZ)]
for _name, _args in {
    "celesta_ir_analyze_json": _BUF + [_P, ctypes.c_int],
    "celesta_ir_summarize": _BUF + [_P, ctypes.c_int, ctypes.c_int],
    "celesta_ir_profile_json": _BUF + [_P, ctypes.c_int],
    "celesta_ir_format_profile": _BUF + [ctypes.c_char_p, _SZ],
    "celesta_ir_lint_json": _BUF + [_P, ctypes.c_int, ctypes.c_int],
    "celesta_ir_fingerprint": _BUF + [_P, ctypes.c_int, ctypes.c_int],
    "celesta_ir_energy_json": _BUF + [_P, ctypes.c_double, ctypes.c_int64, ctypes.c_char_p, _SZ],
    "celesta_ir_energy_table_json": _BUF,
    "celesta_ir_quantize_weights": [ctypes.POINTER(_P), _P, ctypes.c_int, ctypes.c_int, ctypes.c_int],
    "celesta_ir_convert_to_spiking": [ctypes.POINTER(_P), _P, ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int],
    "celesta_ir_merge": [ctypes.POINTER(_P), ctypes.POINTER(_P), _SZ, ctypes.c_int, ctypes.c_int],
    "celesta_ir_prune_disconnected": [ctypes.POINTER(_P), _P],
    "celesta_ir_format_quantity": _BUF + [ctypes.c_int64, ctypes.c_int],
}.items():
    getattr(_lib, _name).argtypes = _args
    getattr(_lib, _name).restype = ctypes.c_int


# --- argument checks (TALON's exception types, messages naming the argument) ---------------

def _graph(graph, name="graph", paths=True) -> "_ir.Graph":
    """The Graph of ``graph`` (read from a path where TALON accepts one)."""
    if isinstance(graph, _ir.Graph):
        return graph
    if paths and isinstance(graph, (str, bytes, os.PathLike)):
        return _ir.read(os.fsdecode(graph))
    kinds = "a celesta.ir.Graph or a path to a .t1c file" if paths else "a celesta.ir.Graph"
    raise TypeError(f"{name} must be {kinds}, got {type(graph).__name__}")


def _bool(value, name) -> bool:
    if isinstance(value, bool) or (hasattr(value, "dtype") and getattr(value, "dtype").kind == "b"):
        return bool(value)
    raise TypeError(f"{name} must be a bool, got {type(value).__name__}")


def _int(value, name) -> int:
    if isinstance(value, (bool, float)) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return int(value.__index__())


def _number(value, name) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    return float(value)


def _flags(talon_compatible) -> int:
    return _irlib.flags_for(talon_compatible)


def _text(fn, *args, guess: int = 1 << 16) -> str:
    return _irlib.text_out(fn, *args, guess=guess)


def _call_json(fn, handle, *args, guess: int = 1 << 16):
    """The JSON result of a size-query call on a graph (one call when `guess` is enough)."""
    return json.loads(_text(fn, handle.ptr, *args, guess=guess))


# --- results ------------------------------------------------------------------------------

@dataclass
class LayerStats:
    """Statistics of one node."""
    name: str
    node_type: str
    params: int = 0
    bytes: int = 0
    input_shape: tuple = ()
    output_shape: tuple = ()
    flops: int = 0
    config: dict = field(default_factory=dict)


@dataclass
class GraphStats:
    """Statistics of a graph (``analyze_graph``). ``depth``/``width`` are None when cyclic."""
    total_params: int = 0
    total_bytes: int = 0
    total_flops: int = 0
    node_count: int = 0
    edge_count: int = 0
    depth: Optional[int] = 0
    width: Optional[int] = 0
    is_dag: bool = True
    type_counts: dict = field(default_factory=dict)
    layers: list = field(default_factory=list)
    input_shapes: list = field(default_factory=list)
    output_shapes: list = field(default_factory=list)
    memory_breakdown: dict = field(default_factory=dict)
    lif_count: int = 0
    affine_count: int = 0
    conv_count: int = 0


@dataclass
class HardwareProfile:
    """Memory and compute estimates (``profile_graph``)."""
    weight_memory: int = 0
    activation_memory: int = 0
    state_memory: int = 0
    total_memory: int = 0
    mac_ops: int = 0
    spike_ops: int = 0
    total_ops: int = 0
    conv_layers: int = 0
    fc_layers: int = 0
    lif_layers: int = 0
    pooling_layers: int = 0
    upsample_layers: int = 0
    uses_spiking_affine: bool = False
    uses_skip: bool = False
    uses_sepconv: bool = False
    weight_dtype: str = "float32"
    estimated_quantized_memory: int = 0
    largest_layer: str = ""
    largest_layer_memory: int = 0
    warnings: list = field(default_factory=list)
    recommendations: list = field(default_factory=list)


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass
class LintIssue:
    severity: Severity
    code: str
    message: str
    node: Optional[str] = None
    suggestion: Optional[str] = None


class LintResult:
    """The findings of ``lint_graph`` in check order; ``errors``, ``warnings`` and ``infos`` are
    the issues of each severity."""

    def __init__(self, issues: Optional[list] = None):
        self.issues: list = list(issues or [])

    def _of(self, severity):
        return [i for i in self.issues if i.severity == severity]

    @property
    def errors(self) -> list:
        return self._of(Severity.ERROR)

    @property
    def warnings(self) -> list:
        return self._of(Severity.WARNING)

    @property
    def infos(self) -> list:
        return self._of(Severity.INFO)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {"total_issues": len(self.issues), "errors": len(self.errors), "warnings": len(self.warnings),
                "infos": len(self.infos), "is_valid": self.is_valid,
                "issues": [{"severity": i.severity.value, "code": i.code, "message": i.message, "node": i.node,
                            "suggestion": i.suggestion} for i in self.issues]}

    def __repr__(self):
        return f"LintResult({len(self.errors)} errors, {len(self.warnings)} warnings, {len(self.infos)} infos)"


@dataclass
class EnergyEstimate:
    """Inference energy in microjoules (``estimate_energy``)."""
    total_uj: float = 0.0
    mac_energy_uj: float = 0.0
    spike_energy_uj: float = 0.0
    memory_energy_uj: float = 0.0
    per_layer: dict = field(default_factory=dict)
    mac_count: int = 0
    spike_count: int = 0
    memory_accesses: int = 0


@dataclass
class ConversionResult:
    """One file of ``batch_convert``."""
    success: bool
    source: str
    destination: str = ""
    error: str = ""
    stats: dict = field(default_factory=dict)


def _tuples(v):
    return tuple(_tuples(x) for x in v) if isinstance(v, list) else v


# --- analysis -----------------------------------------------------------------------------

_LAYER_FIELDS = tuple(LayerStats.__dataclass_fields__)


def _layers(items) -> list:
    """The LayerStats of the library's layer objects. Each JSON object holds exactly the
    fields, in their order: it becomes the instance's __dict__ (what __init__ would make),
    shapes and lists made tuples (one LayerStats() call per layer of a graph of thousands cost
    more than the analysis)."""
    if not items or tuple(items[0]) != _LAYER_FIELDS:
        return [LayerStats(l["name"], l["node_type"], l["params"], l["bytes"], tuple(l["input_shape"]),
                           tuple(l["output_shape"]), l["flops"], {k: _tuples(v) for k, v in l["config"].items()})
                for l in items]
    new = object.__new__
    out = []
    append = out.append
    for l in items:
        l["input_shape"] = tuple(l["input_shape"])
        l["output_shape"] = tuple(l["output_shape"])
        config = l["config"]
        for k, v in config.items():
            if type(v) is list:
                config[k] = _tuples(v)
        layer = new(LayerStats)
        layer.__dict__ = l
        append(layer)
    return out


def _stats(doc) -> GraphStats:
    layers = _layers(doc["layers"]) if "layers" in doc else []
    return GraphStats(doc["total_params"], doc["total_bytes"], doc["total_flops"], doc["node_count"], doc["edge_count"],
                      doc["depth"], doc["width"], doc["is_dag"], doc["type_counts"], layers,
                      [tuple(s) for s in doc["input_shapes"]], [tuple(s) for s in doc["output_shapes"]],
                      doc["memory_breakdown"], doc["lif_count"], doc["affine_count"], doc["conv_count"])


# celesta_ir_analyze_json(): leave `layers` out (CELESTA_IR_WITHOUT_LAYERS).
_WITHOUT_LAYERS = 8


def _layers_of(handle, flags: int, count: int) -> list:
    """The LayerStats of the library's copy `handle` (analysed again: the copy never changes)."""
    return _layers(_call_json(_lib.celesta_ir_analyze_json, handle, flags, guess=4096 + 320 * count)["layers"])


class _LazyLayers:
    """``GraphStats.layers``: a plain list, except that ``analyze_graph`` leaves it to be made
    on first read (from the library's copy of the graph it analysed, kept until then): most
    callers read the totals, and a LayerStats per node of a graph of thousands cost more than
    the whole analysis. Reading, comparing, printing, copying or pickling the statistics makes
    it; the values are those an eager list would hold."""

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        d = obj.__dict__
        if "layers" in d:
            return d["layers"]
        pending = d.get("_layers_from")
        # (setdefault: of two threads making it at once, both get the first one's list)
        layers = d.setdefault("layers", _layers_of(*pending) if pending is not None else [])
        d.pop("_layers_from", None)
        return layers

    def __set__(self, obj, value):
        obj.__dict__.pop("_layers_from", None)
        obj.__dict__["layers"] = value


GraphStats.layers = _LazyLayers()


def _graph_stats_state(self):
    self.layers  # (made now: the copy of the graph it comes from stays here)
    return self.__dict__


GraphStats.__getstate__ = _graph_stats_state


def analyze_graph(graph, *, talon_compatible: Optional[bool] = None) -> GraphStats:
    """Parameters, bytes, FLOPs, depth/width and per-layer statistics of ``graph`` (a Graph or
    a ``.t1c`` path). Celesta counts the parameters of every primitive; TALON's mode leaves
    Conv1d, IF, BatchNorm, PReLU and LayerNorm at 0. (``layers`` is made on first read.)"""
    g = _graph(graph)
    # (The analysis reads no array element: shapes and dtypes only.)
    handle, flags = g._shared_handle(values=False), _flags(talon_compatible)
    stats = _stats(_call_json(_lib.celesta_ir_analyze_json, handle, flags | _WITHOUT_LAYERS))
    if stats.node_count:
        d = stats.__dict__
        del d["layers"]
        d["_layers_from"] = (handle, flags, stats.node_count)
    return stats


def summarize(graph, verbose: bool = False, *, talon_compatible: Optional[bool] = None) -> str:
    """TALON's text summary of a graph (``verbose`` adds the per-layer breakdown)."""
    h = _graph(graph)._shared_handle()
    return _text(_lib.celesta_ir_summarize, h.ptr, int(_bool(verbose, "verbose")), _flags(talon_compatible))


def format_bytes(b) -> str:
    """``512 B``, ``1.5 KB``, ``2.0 MB``, ``1.25 GB`` (binary units)."""
    return _text(_lib.celesta_ir_format_quantity, _int(b, "b"), 0)


def format_number(n) -> str:
    """``999``, ``12,345``, ``123.5K``, ``1.23M``."""
    return _text(_lib.celesta_ir_format_quantity, _int(n, "n"), 1)


_PROFILE_FIELDS = tuple(HardwareProfile.__dataclass_fields__)


def profile_graph(graph, *, talon_compatible: Optional[bool] = None) -> HardwareProfile:
    """Memory/compute estimates, warnings and recommendations. Celesta profiles cyclic graphs;
    TALON's mode raises TALON's TypeError on them."""
    g = _graph(graph)
    try:
        # (The profile reads no array element: shapes and dtypes only.)
        doc = _call_json(_lib.celesta_ir_profile_json, g._shared_handle(values=False), _flags(talon_compatible))
    except UnsupportedError as e:
        raise TypeError(str(e)) from None
    return HardwareProfile(**doc)


def format_profile(profile) -> str:
    """TALON's text of a HardwareProfile."""
    if not isinstance(profile, HardwareProfile):
        raise TypeError(f"profile must be a HardwareProfile, got {type(profile).__name__}")
    text = json.dumps({k: getattr(profile, k) for k in _PROFILE_FIELDS}).encode()
    return _text(_lib.celesta_ir_format_profile, text, len(text))


def lint_graph(graph, strict: bool = False, *, talon_compatible: Optional[bool] = None) -> LintResult:
    """Every rule of TALON's linter, in its order (``strict`` turns warnings into errors).
    Celesta also checks the Skip aliases add/concat/identity."""
    g = _graph(graph, paths=False)
    # (Lint reads shapes, and the elements of a few small arrays only: ir._LINT_VALUE_KEYS.)
    doc = _call_json(_lib.celesta_ir_lint_json, g._shared_handle(reads="lint"), int(_bool(strict, "strict")), _flags(talon_compatible))
    return LintResult([LintIssue(Severity(i["severity"]), i["code"], i["message"], i["node"], i["suggestion"]) for i in doc["issues"]])


# --- fingerprints -------------------------------------------------------------------------

def fingerprint_graph(graph, include_weights: bool = True, include_metadata: bool = False) -> str:
    """TALON's SHA-256 fingerprint (hex) of structure (and weights, and metadata)."""
    h = _graph(graph, paths=False)._shared_handle()
    return _text(_lib.celesta_ir_fingerprint, h.ptr, int(_bool(include_weights, "include_weights")),
                 int(_bool(include_metadata, "include_metadata")))


def fingerprint_graph_dual(graph, include_metadata: bool = False) -> tuple:
    """(structure-only, full) fingerprints."""
    g = _graph(graph, paths=False)
    h = g._handle()
    meta = int(_bool(include_metadata, "include_metadata"))
    return (_text(_lib.celesta_ir_fingerprint, h.ptr, 0, 0), _text(_lib.celesta_ir_fingerprint, h.ptr, 1, meta))


def verify_fingerprint(graph, expected_hash, include_weights: bool = True) -> bool:
    """True when the graph's fingerprint equals ``expected_hash``."""
    if not isinstance(expected_hash, str):
        raise TypeError(f"expected_hash must be a str, got {type(expected_hash).__name__}")
    return fingerprint_graph(graph, include_weights=include_weights) == expected_hash


def _versions() -> dict:
    from .. import __version__
    return {"celesta": __version__}


def stamp_graph(graph, notes: Optional[str] = None, git_commit: Optional[str] = None, training_run_id: Optional[str] = None,
                calibration_config: Optional[dict] = None, quantization_config: Optional[dict] = None, *,
                talon_compatible: Optional[bool] = None) -> "_ir.Graph":
    """A new graph whose metadata gains ``provenance`` (versions, UTC timestamp, both
    fingerprints and the given entries). Celesta's copy keeps ``allow_cycles`` and the graph
    settings; TALON's mode drops them as TALON does."""
    g = _graph(graph, paths=False)
    for name, value, kind in (("notes", notes, str), ("git_commit", git_commit, str), ("training_run_id", training_run_id, str),
                              ("calibration_config", calibration_config, dict), ("quantization_config", quantization_config, dict)):
        if value is not None and not isinstance(value, kind):
            raise TypeError(f"{name} must be a {kind.__name__} or None, got {type(value).__name__}")
    structure, full = fingerprint_graph_dual(g)
    provenance = {"sdk_versions": _versions(),
                  "timestamp": datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None).isoformat() + "Z",
                  "fingerprint_structure": structure, "fingerprint_full": full}
    for name, value in (("notes", notes), ("git_commit", git_commit), ("training_run_id", training_run_id),
                        ("calibration_config", calibration_config), ("quantization_config", quantization_config)):
        if value:
            provenance[name] = value
    out = _ir.Graph(nodes=g.nodes, edges=g.edges, metadata={**g.metadata, "provenance": provenance})
    if not _irlib.flags_for(talon_compatible):
        out.allow_cycles = g.allow_cycles
        for k in _ir.Graph._SETTINGS:
            setattr(out, k, getattr(g, k, None))
    return out


def get_stamp(graph) -> Optional[dict]:
    """The ``provenance`` entry of the graph's metadata, or None."""
    g = _graph(graph, paths=False)
    return g.metadata.get("provenance")


# --- transforms ---------------------------------------------------------------------------

def _new_graph(fn, *args) -> "_ir.Graph":
    out = _P()
    _irlib.check(fn(ctypes.byref(out), *args))
    return _ir.Graph._from_handle(_irlib.Handle(out.value))


def quantize_weights(graph, bits: int = 8, per_channel: bool = True, *, talon_compatible: Optional[bool] = None) -> "_ir.Graph":
    """A new graph with symmetric per-channel (or per-tensor) quantized weights. Celesta stores
    the integers (int8 up to 8 bits) with float32 scales in each node's ``hardware_hints``
    (``<array>_scale``) and keeps ``allow_cycles``; TALON's mode stores dequantized float32 values
    and drops ``allow_cycles``/``cyclic_config`` as TALON does."""
    g = _graph(graph)
    bits = _int(bits, "bits")
    if not 2 <= bits <= 32:
        raise ValueError(f"bits must be in [2, 32], got {bits}")
    h = g._handle()
    return _new_graph(_lib.celesta_ir_quantize_weights, h.ptr, bits, int(_bool(per_channel, "per_channel")),
                      _flags(talon_compatible))


def dequantized(node, name: str = "weight"):
    """The float values of an array that ``quantize_weights`` stored as integers (the integers
    times their ``hardware_hints`` scale); other arrays as they are."""
    import numpy as np
    a = getattr(node, name)
    hints = getattr(node, "hardware_hints", None) or {}
    scale = hints.get(f"{name}_scale")
    if a is None or scale is None or a.dtype.kind == "f":
        return a
    scale = np.asarray(scale)
    if scale.ndim == 1:
        scale = scale.reshape((-1,) + (1,) * (a.ndim - 1))
    return (a.astype(scale.dtype) * scale).astype(scale.dtype)


def convert_to_spiking(graph, weight_bits: int = 8, accumulator_bits: int = 16, spike_mode: str = "binary", *,
                       talon_compatible: Optional[bool] = None) -> "_ir.Graph":
    """A new graph whose Affine nodes are SpikingAffine with these settings."""
    g = _graph(graph)
    wb, ab = _int(weight_bits, "weight_bits"), _int(accumulator_bits, "accumulator_bits")
    if not isinstance(spike_mode, str):
        raise TypeError(f"spike_mode must be a str, got {type(spike_mode).__name__}")
    h = g._handle()
    return _new_graph(_lib.celesta_ir_convert_to_spiking, h.ptr, wb, ab, spike_mode.encode(), _flags(talon_compatible))


def merge_graphs(*graphs, prefix: bool = True, talon_compatible: Optional[bool] = None) -> "_ir.Graph":
    """The graphs side by side (names prefixed ``g<i>_``); metadata ``{"merged_from": n}``."""
    handles = [_graph(g, name=f"graphs[{i}]")._handle() for i, g in enumerate(graphs)]
    table = (_P * max(len(handles), 1))(*[h.ptr for h in handles])
    return _new_graph(_lib.celesta_ir_merge, table, len(handles), int(_bool(prefix, "prefix")), _flags(talon_compatible))


def prune_disconnected(graph) -> "_ir.Graph":
    """The graph without the nodes on no Input-to-Output path (metadata ``pruned_nodes``); the
    same graph when there are none."""
    g = _graph(graph)
    h = g._handle()
    out = _new_graph(_lib.celesta_ir_prune_disconnected, h.ptr)
    return g if len(out.nodes) == len(g.nodes) else out


def batch_convert(sources, dest_dir, processor: Optional[Callable] = None, overwrite: bool = False) -> list:
    """Reads each source graph, applies ``processor`` (when given) and writes it to
    ``dest_dir`` under its own name (atomically); one ConversionResult per source."""
    if isinstance(sources, (str, bytes, os.PathLike)):
        raise TypeError("sources must be a list of paths, got a single path")
    if processor is not None and not callable(processor):
        raise TypeError(f"processor must be callable or None, got {type(processor).__name__}")
    overwrite = _bool(overwrite, "overwrite")
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for source in sources:
        source = Path(source)
        dest = dest_dir / source.name
        result = ConversionResult(success=False, source=str(source))
        if dest.exists() and not overwrite:
            result.error = "Destination exists (use overwrite=True)"
            results.append(result)
            continue
        try:
            g = _ir.read(str(source))
            if processor is not None:
                g = processor(g)
            _ir.write(str(dest), g)
            result.success = True
            result.destination = str(dest)
            result.stats = {"nodes": len(g.nodes), "edges": len(g.edges)}
        except Exception as e:  # (reported per file, as TALON does)
            result.error = str(e)
        results.append(result)
    return results


# --- energy -------------------------------------------------------------------------------

ENERGY_TABLE: dict = json.loads(_irlib.text_out(_lib.celesta_ir_energy_table_json))


def estimate_energy(graph, spike_rate: float = 0.1, timesteps: int = 1, energy_table: Optional[dict] = None) -> EnergyEstimate:
    """TALON's MAC cost model: MACs, SRAM reads (one per 4 parameter bytes) and
    ``neurons * spike_rate * timesteps`` spikes per LIF layer; ``energy_table`` overrides the
    pJ costs of ``ENERGY_TABLE`` per key."""
    g = _graph(graph, paths=False)
    rate = _number(spike_rate, "spike_rate")
    if not math.isfinite(rate):
        raise ValueError(f"spike_rate must be finite, got {rate}")
    steps = _int(timesteps, "timesteps")
    if steps < 0:
        raise ValueError(f"timesteps must be >= 0, got {steps}")
    table = b""
    if energy_table:
        if not isinstance(energy_table, dict):
            raise TypeError(f"energy_table must be a dict or None, got {type(energy_table).__name__}")
        for k, v in energy_table.items():
            if k not in ENERGY_TABLE:
                raise ValueError(f"energy_table has an unknown key {k!r}; the keys are {sorted(ENERGY_TABLE)}")
            _number(v, f"energy_table[{k!r}]")
        table = json.dumps({k: float(v) for k, v in energy_table.items()}).encode()
    h = g._handle()
    doc = json.loads(_text(_lib.celesta_ir_energy_json, h.ptr, rate, steps, table or None, len(table)))
    return EnergyEstimate(**doc)
