"""Hardware mapping (TALON's ``talon.graph``) over the library's ``celesta_ir_graph_partition``,
``_allocate_json``, ``_place_json``, ``_route`` and ``celesta_ir_hardware_spec_*``."""

from __future__ import annotations

import ctypes
import json
import weakref
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as _np

from .. import _irlib
from .._errors import LimitExceededError
from .._celesta import apply_core_runs as _apply_core_runs, snapshot_watch as _snapshot_watch, watch_check as _watch_check
from .. import ir as _ir
from ..ir import Graph

_lib = _irlib._lib
_P = ctypes.c_void_p
_SZ = ctypes.c_size_t
_STR = ctypes.c_char_p
for _name, _args in {
    "celesta_ir_hardware_spec_json": [_STR, _SZ, ctypes.POINTER(_SZ), _STR],
    "celesta_ir_hardware_spec_validate": [_STR, _SZ],
    "celesta_ir_graph_partition": [_P, _STR, _SZ, _STR, ctypes.c_int],
    "celesta_ir_graph_partition_metadata_json": [_STR, _SZ, ctypes.POINTER(_SZ), _P],
    "celesta_ir_graph_partition_json": [_STR, _SZ, ctypes.POINTER(_SZ), _P, _STR, _SZ, _STR, ctypes.c_int],
    "celesta_ir_graph_allocate_json": [_STR, _SZ, ctypes.POINTER(_SZ), _P, _STR, _SZ, ctypes.c_int],
    "celesta_ir_graph_place_json": [_STR, _SZ, ctypes.POINTER(_SZ), _P, _STR, _SZ],
    "celesta_ir_graph_route": [_P, _STR, _SZ, ctypes.c_int],
}.items():
    getattr(_lib, _name).argtypes = _args
    getattr(_lib, _name).restype = ctypes.c_int


class HardwareLimitError(LimitExceededError, ValueError):
    """The graph does not fit the hardware (Celesta's partitioning says what overflows where).
    A ``ValueError``, as TALON's "Graph requires more than N cores"."""


def _check(status: int) -> None:
    try:
        _irlib.check(status)
    except LimitExceededError as e:
        raise HardwareLimitError(str(e)) from None


_INT_FIELDS = ("max_neurons_per_core", "max_synapses_per_core", "sram_bytes_per_core", "max_fan_in", "max_fan_out",
               "max_feedback_delay", "num_cores")


@dataclass
class HardwareSpec:
    """TALON's ``HardwareSpec``: per-core capacities, the feedback-delay limit and an optional
    ``(rows, cols)`` mesh of cores."""

    max_neurons_per_core: int = 256
    max_synapses_per_core: int = 65536
    sram_bytes_per_core: int = 65536
    max_fan_in: int = 256
    max_fan_out: int = 256
    max_feedback_delay: int = 1
    supported_precisions: List[str] = field(default_factory=lambda: ["fp32", "int16", "int8", "int4"])
    core_mesh_topology: Optional[Tuple[int, int]] = None
    num_cores: int = 64

    def _json(self) -> bytes:
        doc = {}
        for name in _INT_FIELDS:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"HardwareSpec.{name} must be an int, not {type(v).__name__}")
            doc[name] = int(v)
        p = self.supported_precisions
        if not isinstance(p, (list, tuple)) or not all(isinstance(x, str) for x in p):
            raise TypeError("HardwareSpec.supported_precisions must be a list of str")
        doc["supported_precisions"] = list(p)
        mesh = self.core_mesh_topology
        if mesh is not None:
            if (not isinstance(mesh, (tuple, list)) or len(mesh) != 2
                    or not all(isinstance(x, int) and not isinstance(x, bool) for x in mesh)):
                raise TypeError(f"HardwareSpec.core_mesh_topology must be None or a (rows, cols) tuple of ints, not {mesh!r}")
            mesh = [int(mesh[0]), int(mesh[1])]
        doc["core_mesh_topology"] = mesh
        return json.dumps(doc).encode()

    def validate(self) -> None:
        """TALON's checks, in TALON's order: ``ValueError`` naming the field."""
        text = self._json()
        _check(_lib.celesta_ir_hardware_spec_validate(text, len(text)))

    @classmethod
    def _preset(cls, name: str) -> "HardwareSpec":
        doc = json.loads(_irlib.text_out(_lib.celesta_ir_hardware_spec_json, name.encode()))
        if doc["core_mesh_topology"] is not None:
            doc["core_mesh_topology"] = tuple(doc["core_mesh_topology"])
        return cls(**doc)

    @classmethod
    def zynq_7020(cls) -> "HardwareSpec":
        """Zynq-7020: 16 cores on a 4x4 mesh, 128 neurons and 32 KiB a core."""
        return cls._preset("zynq_7020")

    @classmethod
    def zynq_us_plus(cls) -> "HardwareSpec":
        """Zynq UltraScale+: 32 cores on an 8x4 mesh, 512 neurons and 96 KiB a core."""
        return cls._preset("zynq_us_plus")

    @classmethod
    def zcu102(cls) -> "HardwareSpec":
        """The ZCU102 board (= ``zynq_us_plus()``)."""
        return cls._preset("zcu102")

    @classmethod
    def t1c_asic_target(cls) -> "HardwareSpec":
        """The T1C ASIC target: 256 cores on a 16x16 mesh, 1024 neurons and 256 KiB a core."""
        return cls._preset("t1c_asic_target")


@dataclass
class PartitionResult:
    assignments: Dict[str, int] = field(default_factory=dict)
    num_cores_used: int = 0
    cross_core_edges: List[Tuple[str, str]] = field(default_factory=list)
    feedback_edges: List[Tuple[str, str]] = field(default_factory=list)
    metrics: Dict[str, Any] = field(default_factory=dict)


@dataclass
class CoreBudget:
    core_id: int = 0
    neuron_count: int = 0
    weight_bytes: int = 0
    state_bytes: int = 0
    routing_bytes: int = 0
    total_bytes: int = 0
    utilization: float = 0.0


@dataclass
class ResourceMap:
    budgets: Dict[int, CoreBudget] = field(default_factory=dict)
    total_weight_bytes: int = 0
    total_state_bytes: int = 0
    peak_core_utilization: float = 0.0
    fits_hardware: bool = True
    violations: List[int] = field(default_factory=list)
    #: Celesta's: for each core over its SRAM, ``(core, total_bytes, [(node, bytes), ...])``,
    #: largest node first: what overflows where.
    overflow: List[Tuple[int, int, List[Tuple[str, int]]]] = field(default_factory=list)


@dataclass
class PlacementResult:
    logical_to_physical: Dict[int, Tuple[int, int]] = field(default_factory=dict)
    total_hop_distance: int = 0
    improvement: float = 0.0


@dataclass
class RoutingTable:
    forward_routes: Dict[Tuple[int, int], List[int]] = field(default_factory=dict)
    feedback_routes: Dict[Tuple[int, int], List[int]] = field(default_factory=dict)
    edge_to_route: Dict[Tuple[str, str], Tuple[int, int]] = field(default_factory=dict)
    total_hops: int = 0
    max_hops: int = 0


def _args(graph, hw_spec, where: str):
    if not isinstance(graph, Graph):
        raise TypeError(f"{where}() argument 'graph' must be a celesta.ir.Graph, not {type(graph).__name__}")
    if not isinstance(hw_spec, HardwareSpec):
        raise TypeError(f"{where}() argument 'hw_spec' must be a celesta.graph.HardwareSpec, not {type(hw_spec).__name__}")
    return hw_spec._json()


def _pairs(items) -> list:
    return [tuple(p) for p in items]


def _metadata(handle) -> dict:
    doc = json.loads(_irlib.text_out(_lib.celesta_ir_graph_partition_metadata_json, handle.ptr))
    if doc is None:
        return doc
    for key in ("cross_core_edges", "feedback_edges"):
        if key in doc:
            doc[key] = _pairs(doc[key])
    return doc


# celesta_ir_graph_partition_json(): the assignments as node positions and cores (CELESTA_IR_CORE_LIST), as runs
# (CELESTA_IR_CORE_RUNS).
_CORE_LIST = 16
_CORE_RUNS = 32


def _partition_text(graph, hw_spec, algorithm, talon_compatible, where) -> str:
    """The library's partition of the graph (celesta_ir_graph_partition_json with the
    assignments as runs of node positions and of cores), the graph unchanged."""
    spec = _args(graph, hw_spec, where)
    if not isinstance(algorithm, str):
        raise TypeError(f"{where}() argument 'algorithm' must be a str, not {type(algorithm).__name__}")
    flags = _irlib.flags_for(talon_compatible)
    # TALON's algorithms read the graph's structure only (node names, order and primitives,
    # edges); Celesta's the nodes' neurons and bytes too (shapes, dtypes, precision); none reads
    # an array element.
    handle = graph._shared_handle(values=False, reads="structure" if flags & 1 else "shapes")
    try:
        return _irlib.text_out(_lib.celesta_ir_graph_partition_json, handle.ptr, spec, len(spec), algorithm.encode(),
                               flags | _CORE_LIST | _CORE_RUNS, guess=4096)
    except LimitExceededError as e:
        raise HardwareLimitError(str(e)) from None


def _expand(runs, step):
    """The items of flat (first, count) runs (each item the one before plus `step`)."""
    out = []
    for k in range(0, len(runs), 2):
        a, n = runs[k], runs[k + 1]
        out.extend(range(a, a + n) if step else [a] * n)
    return out


def _metadata_of(doc, assignments) -> dict:
    out = {"assignments": assignments}
    out.update(doc)
    for key in ("cross_core_edges", "feedback_edges"):
        out[key] = _pairs(out[key])
    return out


def _run_partition(graph, hw_spec, algorithm, talon_compatible, where):
    """The partition_metadata of a partition of the graph (the graph left unchanged)."""
    doc = json.loads(_partition_text(graph, hw_spec, algorithm, talon_compatible, where))
    order, cores = _expand(doc.pop("order_runs"), 1), _expand(doc.pop("core_runs"), 0)
    names = list(graph.nodes)
    return _metadata_of(doc, {names[k]: c for k, c in zip(order, cores)})


# Graph -> what partition() last wrote into it: (the library's text it came from, the graph's
# nodes dict, the partition_metadata object, a watch of that object, a watch of the nodes dict and
# of the __dict__ of every node given a core). While all of it holds, the graph already holds the
# partition of that text: a call that gets the same text has nothing to write.
_APPLIED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _already_applied(graph, text) -> bool:
    last = _APPLIED.get(graph)
    if last is None or last[0] != text:
        return False
    d = graph.__dict__
    return (d.get("nodes") is last[1] and d.get("partition_metadata") is last[2] and _watch_check(last[3], 1)
            and _watch_check(last[4], 0))


def partition(graph: Graph, hw_spec: HardwareSpec, algorithm: str = "greedy", *,
              talon_compatible: bool | None = None) -> Graph:
    """TALON's ``partition``: assigns every node a core (``node.core_id``) and sets
    ``graph.partition_metadata``; returns the same graph. ``algorithm`` is ``"greedy"``,
    ``"edgemap"`` or ``"spectral"``.

    Celesta's greedy and edgemap count neurons rather than nodes, never split a recurrent loop
    over cores and balance neurons and memory; a graph that cannot fit raises
    ``HardwareLimitError`` (a ``ValueError``) saying what overflows where. Spectral's
    eigen-solver always converges. ``talon_compatible=True`` gives TALON's exact results."""
    text = _partition_text(graph, hw_spec, algorithm, talon_compatible, "partition")
    if _already_applied(graph, text):
        return graph
    _APPLIED.pop(graph, None)
    nodes = graph.nodes
    if type(nodes) is not dict:
        nodes = dict(nodes)
    doc = json.loads(text)
    # The assignments come as runs of node positions (in the library's copy, which holds the
    # nodes in the order of graph.nodes) and of cores: the dict of them is made in C with the
    # node names, setting each node's core_id on the way (where it differs).
    assignments, cores_watch = _apply_core_runs(nodes, doc.pop("order_runs"), doc.pop("core_runs"), "core_id")
    meta = _metadata_of(doc, assignments)
    # (Metadata equal to what the graph holds is kept as it is: the library's copy kept for the
    # graph stays current.)
    try:
        same = graph.partition_metadata == meta
    except Exception:  # (a value of the user's that does not compare)
        same = False
    if same is not True:
        graph.partition_metadata = meta
    held = graph.__dict__.get("partition_metadata")
    if _ir._WATCH and cores_watch is not None and type(held) is dict and nodes is graph.__dict__.get("nodes"):
        taken = _snapshot_watch(held, {}, _np.ndarray, _ir._ITEMSIZES, held)
        if taken is not None:
            _APPLIED[graph] = (text, nodes, held, taken[1], cores_watch)
    return graph


def _result(meta) -> PartitionResult:
    return PartitionResult(assignments=meta["assignments"], num_cores_used=meta["num_cores_used"],
                           cross_core_edges=meta["cross_core_edges"], feedback_edges=meta["feedback_edges"],
                           metrics=meta["metrics"])


def partition_greedy(graph: Graph, hw_spec: HardwareSpec, *, talon_compatible: bool | None = None) -> PartitionResult:
    """Greedy partitioning without touching the graph."""
    return _result(_run_partition(graph, hw_spec, "greedy", talon_compatible, "partition_greedy"))


def partition_edgemap(graph: Graph, hw_spec: HardwareSpec, *, talon_compatible: bool | None = None) -> PartitionResult:
    """Greedy, refined by moving nodes to neighbouring cores that cut fewer edges."""
    return _result(_run_partition(graph, hw_spec, "edgemap", talon_compatible, "partition_edgemap"))


def partition_spectral(graph: Graph, hw_spec: HardwareSpec, *, talon_compatible: bool | None = None) -> PartitionResult:
    """Recursive spectral bisection (Fiedler vector, split at the median)."""
    return _result(_run_partition(graph, hw_spec, "spectral", talon_compatible, "partition_spectral"))


def _check_core_ids(graph) -> None:
    for name, node in graph.nodes.items():
        core = getattr(node, "core_id", None)
        if core is not None and (isinstance(core, bool) or not isinstance(core, int)):
            raise TypeError(f"core_id of node '{name}' must be an int, not {type(core).__name__}")


def allocate(graph: Graph, hw_spec: HardwareSpec, *, talon_compatible: bool | None = None) -> ResourceMap:
    """TALON's ``allocate``: weight, state and routing bytes per core against the SRAM;
    ``overflow`` (Celesta's) lists the nodes that fill each core that does not fit.
    ``neuron_count`` counts the neurons of a core's nodes, as partitioning does (synapses and
    I/O hold none); ``talon_compatible=True`` counts its compute nodes, as TALON does."""
    spec = _args(graph, hw_spec, "allocate")
    _check_core_ids(graph)
    handle = graph._shared_handle(values=False)
    doc = json.loads(_irlib.text_out(_lib.celesta_ir_graph_allocate_json, handle.ptr, spec, len(spec),
                                     _irlib.flags_for(talon_compatible)))
    budgets = {int(k): CoreBudget(**v) for k, v in doc["budgets"].items()}
    return ResourceMap(budgets=budgets, total_weight_bytes=doc["total_weight_bytes"],
                       total_state_bytes=doc["total_state_bytes"], peak_core_utilization=doc["peak_core_utilization"],
                       fits_hardware=doc["fits_hardware"], violations=doc["violations"],
                       overflow=[(o["core"], o["total_bytes"], [tuple(n) for n in o["nodes"]]) for o in doc["overflow"]])


def place(graph: Graph, hw_spec: HardwareSpec) -> PlacementResult:
    """TALON's ``place``: logical cores onto mesh cells, heaviest-communicating pairs adjacent."""
    spec = _args(graph, hw_spec, "place")
    handle = graph._shared_handle(values=False)
    doc = json.loads(_irlib.text_out(_lib.celesta_ir_graph_place_json, handle.ptr, spec, len(spec)))
    return PlacementResult(logical_to_physical={int(k): tuple(v) for k, v in doc["logical_to_physical"].items()},
                           total_hop_distance=doc["total_hop_distance"], improvement=doc["improvement"])


def route(graph: Graph, hw_spec: HardwareSpec, *, talon_compatible: bool | None = None) -> Graph:
    """TALON's ``route``: a path of cores per ordered pair of cores that an edge crosses, in
    ``graph.partition_metadata["routing"]``; returns the same graph. Celesta's paths are shortest
    routes over the mesh; TALON's (``talon_compatible=True``) are always the direct ``[a, b]``."""
    spec = _args(graph, hw_spec, "route")
    _check_core_ids(graph)
    handle = graph._shared_handle(values=False).copy()  # (the call changes the copy it is given)
    _check(_lib.celesta_ir_graph_route(handle.ptr, spec, len(spec), _irlib.flags_for(talon_compatible)))
    meta = _metadata(handle)
    if graph.partition_metadata is None:
        graph.partition_metadata = {}
    graph.partition_metadata["routing"] = meta["routing"]
    return graph


