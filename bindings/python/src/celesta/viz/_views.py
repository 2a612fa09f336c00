"""The views of ``celesta.viz``: ``graph_to_dict`` and the three HTML pages, computed by the
library (``celesta_ir_viz_*``)."""

from __future__ import annotations

import ctypes
import json
import os
from collections.abc import Mapping
from pathlib import Path

from .. import _irlib
from ..ir import Graph, read

_lib = _irlib._lib
_P, _SZ, _STR = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p
for _name, _args in {
    "celesta_ir_viz_graph_json": [_STR, _SZ, ctypes.POINTER(_SZ), _P, ctypes.c_int],
    "celesta_ir_viz_export_html": [_STR, _P, _STR, ctypes.c_int],
    "celesta_ir_viz_export_partitioned": [_STR, _P, _STR, _STR, _SZ, ctypes.c_int],
    "celesta_ir_viz_export_schedule": [_STR, _P, _STR, _STR, _SZ, ctypes.c_int],
}.items():
    getattr(_lib, _name).argtypes = _args
    getattr(_lib, _name).restype = ctypes.c_int

_NO_PATTERNS = 0x100


def _graph(graph, talon_compatible) -> Graph:
    """The graph, or the graph read from a path (TALON accepts both)."""
    if isinstance(graph, Graph):
        return graph
    if isinstance(graph, (str, bytes, os.PathLike)):
        return read(os.fsdecode(graph), talon_compatible=talon_compatible)
    raise TypeError(f"graph must be a celesta.ir.Graph or a path to a graph file, not {type(graph).__name__}")


def _path(path, name: str) -> bytes:
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), not {type(path).__name__}")
    return os.fsencode(path)


def _title(title) -> bytes:
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, not {type(title).__name__}")
    return title.encode()


def graph_to_dict(graph, detect_patterns: bool = True, *, talon_compatible: bool | None = None) -> dict:
    """TALON's ``talon.viz.graph_to_dict``: the dict every view draws, with the keys
    ``version, nodes, edges, metadata, summary, groups, node_to_group``.

    ``graph`` is a :class:`celesta.ir.Graph` or the path of a graph file. Arrays are summarised
    (``"data": "<omitted>"`` next to their shape, dtype, size and min/max/mean/std); with
    ``talon_compatible=True`` their elements are embedded as base64, as TALON does.
    ``detect_patterns=False`` skips the RepConv/SPP/SPPF/skip-connection groups.
    """
    g = _graph(graph, talon_compatible)
    flags = _irlib.flags_for(talon_compatible) | (0 if detect_patterns else _NO_PATTERNS)
    handle = g._handle()
    return json.loads(_irlib.text_out(_lib.celesta_ir_viz_graph_json, handle.ptr, flags))


def export_html(graph, path, title: str = "celesta.viz", *, talon_compatible: bool | None = None) -> Path:
    """Writes the graph view to ``path`` as one self-contained HTML page (no network request)
    and returns the path (a :class:`pathlib.Path`). Nodes are coloured by type; hovering shows
    their shapes and array summaries; pattern groups are outlined. Missing parent folders are
    created, and the page is written atomically. ``talon_compatible=True`` embeds the arrays in
    full, as TALON does (a much larger page)."""
    g = _graph(graph, talon_compatible)
    target = Path(os.fsdecode(_path(path, "path")))
    handle = g._handle()  # (kept alive in a local until the call returns)
    _irlib.check(_lib.celesta_ir_viz_export_html(os.fsencode(target), handle.ptr, _title(title),
                                                 _irlib.flags_for(talon_compatible)))
    return target


def _assignments(partition) -> bytes | None:
    """The node-to-core mapping of ``partition`` as JSON text, or None."""
    if partition is None:
        return None
    mapping = partition
    if not isinstance(partition, Mapping):
        for attr in ("node_to_core", "assignments", "partition_metadata"):
            if hasattr(partition, attr):
                mapping = getattr(partition, attr)
                break
        else:
            raise TypeError("partition must be a mapping of node names to core ids, or a partition result with "
                            f"'assignments' or 'node_to_core', not {type(partition).__name__}")
    if isinstance(mapping, Mapping) and "assignments" in mapping and isinstance(mapping["assignments"], Mapping):
        mapping = mapping["assignments"]  # a partition_metadata dict
    if not isinstance(mapping, Mapping):
        raise TypeError(f"partition: the node-to-core assignments must be a mapping, not {type(mapping).__name__}")
    out = {}
    for name, core in mapping.items():
        if not isinstance(name, str):
            raise TypeError(f"partition: node names must be str, not {type(name).__name__}")
        if isinstance(core, bool) or not isinstance(core, int) and not hasattr(core, "__index__"):
            raise TypeError(f"partition: the core of node '{name}' must be an int, not {type(core).__name__}")
        out[name] = int(core)
    return json.dumps(out).encode()


def visualize_partitioned(graph, output_path, title: str = "Partitioned Graph", *, partition=None,
                          talon_compatible: bool | None = None):
    """TALON's ``visualize_partitioned``: writes the partitioned view to ``output_path`` and
    returns ``output_path``. Each core's nodes sit in a region outlined in the core's colour;
    nodes keep a colour per kind of primitive; cross-core edges are dashed.

    The cores come from ``partition`` when given (a mapping ``{node: core}``, a
    ``partition_metadata`` dict, or a partition result with ``node_to_core`` / ``assignments``),
    else from the graph's ``partition_metadata`` (as left by ``celesta.graph.partition``), then
    from the nodes' ``core_id``. A node other than Input/Output without a core raises
    ``ValueError`` naming it.
    """
    g = _graph(graph, talon_compatible)
    text = _assignments(partition)
    handle = g._handle()
    _irlib.check(_lib.celesta_ir_viz_export_partitioned(
        _path(output_path, "output_path"), handle.ptr, _title(title), text, len(text) if text else 0,
        _irlib.flags_for(talon_compatible)))
    return output_path


def _latencies(profile_result) -> bytes | None:
    if profile_result is None:
        return None
    per_node = profile_result if isinstance(profile_result, Mapping) else getattr(profile_result, "per_node_latency", None)
    if not isinstance(per_node, Mapping):
        raise TypeError("profile_result must be a profile result with 'per_node_latency' or a mapping of node names "
                        f"to latencies in microseconds, not {type(profile_result).__name__}")
    out = {}
    for name, value in per_node.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
            raise TypeError(f"profile_result: the latency of node '{name}' must be a number, not {type(value).__name__}")
        out[str(name)] = float(value)
    return json.dumps(out).encode()


def visualize_execution_schedule(graph, output_path, title: str = "Execution Schedule", profile_result=None):
    """TALON's ``visualize_execution_schedule``: writes a per-core timeline to ``output_path``
    and returns ``output_path``. The order of work per core comes from the graph's
    ``execution_schedule``, else its partition, else every node runs on core 0 in topological
    order. With ``profile_result`` (a profile with ``per_node_latency``, or a mapping of node
    names to microseconds) each node lasts its latency; without it, one step. Cross-core data
    dependencies are drawn as arrows.
    """
    g = _graph(graph, None)
    text = _latencies(profile_result)
    handle = g._handle()
    _irlib.check(_lib.celesta_ir_viz_export_schedule(
        _path(output_path, "output_path"), handle.ptr, _title(title), text, len(text) if text else 0, 0))
    return output_path
