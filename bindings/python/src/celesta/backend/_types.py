"""The result and configuration types of ``celesta.backend`` (TALON's names and fields)."""

from __future__ import annotations

import json
import os
import struct
import tempfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class CompileConfig:
    """TALON's ``CompileConfig``: how ``compile`` lays the graph out."""
    execution_mode: str | None = None
    max_iterations: int = 100
    convergence_threshold: float = 1e-6
    target_precision: str = "int8"
    optimize_for: str = "latency"


@dataclass
class ValidationResult:
    """Whether a backend takes a graph. Celesta adds ``errors``: each names the node and the reason."""
    is_valid: bool
    unsupported_nodes: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)


@dataclass
class BackendCapabilities:
    supported_primitives: list
    supported_precisions: list
    supports_cyclic: bool
    max_graph_size: int
    primitive_constraints: dict = field(default_factory=dict)


@dataclass
class BackendConstraints:
    """TALON's ``get_constraints()`` (a ``talon.graph.HardwareSpec``): the per-core limits."""
    max_neurons_per_core: int
    max_synapses_per_core: int
    sram_bytes_per_core: int
    max_fan_in: int
    max_fan_out: int
    max_feedback_delay: int
    supported_precisions: list
    core_mesh_topology: Any = None
    num_cores: int = 1


@dataclass
class NeuronConfig:
    node_name: str
    node_type: str
    core_id: int
    precision: str
    parameters: dict = field(default_factory=dict)


def _plain(v):
    """A value as JSON: arrays as {shape, dtype, data}, numpy scalars as numbers."""
    if isinstance(v, np.ndarray):
        return {"shape": list(v.shape), "dtype": str(v.dtype), "data": v.tolist()}
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _atomic_write(path, data: bytes) -> None:
    """Writes to a temporary name beside `path`, then renames: a failed write leaves `path` as it was."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".celesta-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@dataclass
class HardwareDescriptor:
    """What ``compile`` produces (TALON's ``HardwareDescriptor``). ``to_binary`` writes the
    weights too (TALON's writes none, README §21.10)."""
    neuron_configs: dict = field(default_factory=dict)
    weight_tables: dict = field(default_factory=dict)
    routing_tables: dict = field(default_factory=dict)
    execution_schedule: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"version": "1.0", "metadata": _plain(self.metadata),
                "neuron_configs": {str(c): [{"node_name": n.node_name, "node_type": n.node_type, "core_id": n.core_id,
                                             "precision": n.precision, "parameters": _plain(n.parameters)} for n in lst]
                                   for c, lst in self.neuron_configs.items()},
                "weight_tables": {str(c): {k: _plain(v) for k, v in t.items()} for c, t in self.weight_tables.items()},
                "routing_tables": _plain(self.routing_tables),
                "execution_schedule": {str(c): v for c, v in self.execution_schedule.items()}}

    def to_json(self, path) -> None:
        _atomic_write(path, json.dumps(self.to_dict(), indent=2).encode())

    @classmethod
    def from_json(cls, path) -> "HardwareDescriptor":
        """Reads what ``to_json`` wrote, through the library (celesta_backend_result_read):
        every field back, arrays as numpy arrays of their dtype. A damaged file raises
        ``celesta.ParseError`` (a ValueError) naming the file and where it breaks."""
        return cls._from_doc(_read(path, binary=False))

    @classmethod
    def _from_doc(cls, doc: dict) -> "HardwareDescriptor":
        """A descriptor from the library's result (core ids back to ints)."""
        configs = {int(c): [NeuronConfig(n["node_name"], n["node_type"], n["core_id"], n["precision"], n["parameters"]) for n in lst]
                   for c, lst in doc["neuron_configs"].items()}
        d = cls(neuron_configs=configs, weight_tables={int(c): t for c, t in doc["weight_tables"].items()},
                routing_tables=doc["routing_tables"], execution_schedule={int(c): v for c, v in doc["execution_schedule"].items()},
                metadata=doc["metadata"])
        if "binary_neuron_config_count" in doc:
            # Read from a binary, which counts the configurations without holding them:
            # to_binary writes the count again while neuron_configs stays empty.
            d._binary_config_count = doc["binary_neuron_config_count"]
        return d

    def to_binary(self, path, *, talon_compatible: bool | None = None) -> None:
        """"T1CB", u16 version, u32 metadata-JSON length, the metadata JSON, u32 number of neuron
        configs, then (unlike TALON) u32 number of weight records and each record: u32 key length,
        key ("<core>/<node>.<field>"), u8 dtype-name length, dtype name, u8 ndim, u32 dims,
        u64 byte count, the raw little-endian C-order bytes. TALON-compatible: TALON's file,
        which ends after the count (no weights)."""
        from .._irlib import compatible_default
        meta = json.dumps(_plain(self.metadata)).encode()
        count = sum(len(v) for v in self.neuron_configs.values())
        if not self.neuron_configs:
            count = getattr(self, "_binary_config_count", 0)
        out = [b"T1CB", struct.pack("<H", 1), struct.pack("<I", len(meta)), meta, struct.pack("<I", count)]
        if compatible_default() if talon_compatible is None else talon_compatible:
            _atomic_write(path, b"".join(out))
            return
        records = []
        for core, table in self.weight_tables.items():
            for key, value in table.items():
                a = np.ascontiguousarray(value)
                a = a.astype(a.dtype.newbyteorder("<")) if a.dtype.byteorder == ">" else a
                k = f"{core}/{key}".encode()
                dt = a.dtype.name.encode()
                raw = a.tobytes()
                records.append(struct.pack("<I", len(k)) + k + struct.pack("<B", len(dt)) + dt + struct.pack("<B", a.ndim)
                               + b"".join(struct.pack("<I", s) for s in a.shape) + struct.pack("<Q", len(raw)) + raw)
        out.append(struct.pack("<I", len(records)))
        out += records
        _atomic_write(path, b"".join(out))

    @classmethod
    def from_binary(cls, path) -> "HardwareDescriptor":
        """Reads what ``to_binary`` wrote, through the library (celesta_backend_result_read):
        the metadata and the weight tables (TALON's binary has none). The neuron configs are
        not in the file, only their number: ``neuron_configs`` is empty and ``to_binary``
        writes the same count again, so the file comes back byte for byte. A damaged file
        raises ``celesta.ParseError`` (a ValueError) naming the file and where it breaks."""
        return cls._from_doc(_read(path, binary=True))


def _read(path, binary: bool) -> dict:
    from . import _native
    with open(path, "rb") as f:
        data = f.read()
    try:
        return _native.read_descriptor(data, binary)
    except ValueError as e:
        raise type(e)(f"{os.fspath(path)}: damaged descriptor file ({e})") from None


@dataclass
class SimulationResult:
    """TALON's ``SimulationResult``; Celesta adds ``batch`` (None when unbatched)."""
    outputs: dict = field(default_factory=dict)
    outputs_valid: bool = True
    timesteps_run: int = 0
    node_states: list = field(default_factory=list)
    spike_counts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    batch: int | None = None


@dataclass
class ProfileResult:
    """TALON's ``ProfileResult``. Energies are estimates (``energy_is_estimate``): from
    per-operation costs, or a chip's power model (``energy_source``). Celesta adds where each
    figure comes from and, on the Xylo chips, the models' own figures (``cycles_per_step``,
    ``clock_hz``, ``power_watts`` per rail, ``power_total_watts``, ``run_seconds``) and
    ``model_notes``."""
    total_latency_us: float = 0.0
    per_node_latency: dict = field(default_factory=dict)
    energy_estimate_uj: float = 0.0
    mac_energy_uj: float = 0.0
    spike_energy_uj: float = 0.0
    sram_energy_uj: float = 0.0
    per_layer_energy_uj: dict = field(default_factory=dict)
    peak_memory_bytes: int = 0
    weight_memory_bytes: int = 0
    state_memory_bytes: int = 0
    total_sram_accesses: int = 0
    spike_counts: dict = field(default_factory=dict)
    mac_ops: int = 0
    neuron_utilization: dict = field(default_factory=dict)
    per_core_latency: dict = field(default_factory=dict)
    per_core_energy: dict = field(default_factory=dict)
    energy_preset: str = "neuromorphic_int8"
    energy_is_estimate: bool = True
    latency_source: str = "measured"
    energy_source: str = "per-operation costs"
    cycles_per_step: float | None = None
    clock_hz: float | None = None
    power_watts: dict = field(default_factory=dict)
    power_total_watts: float | None = None
    run_seconds: float | None = None
    # The assumptions of a model with no reference behind it (Xylo v1's derived cycle and
    # power models), and why a figure is unavailable; empty otherwise.
    model_notes: list = field(default_factory=list)


@dataclass
class RunResult:
    outputs: dict = field(default_factory=dict)
    spike_counts: dict = field(default_factory=dict)
    timesteps_run: int = 0
    total_latency_us: float = 0.0
    energy_estimate_uj: float = 0.0
    mac_ops: int = 0
    peak_memory_bytes: int = 0
    per_node_latency: dict = field(default_factory=dict)
    profile: ProfileResult | None = None
    errors: list = field(default_factory=list)
    energy_is_estimate: bool = True
