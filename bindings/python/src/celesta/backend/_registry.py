"""The backend registry (TALON's ``talon.backend`` names) and the built-in backends."""

from __future__ import annotations

import math

import numpy as np

from .. import _irlib
from . import _native
from ._types import BackendCapabilities, BackendConstraints, CompileConfig, HardwareDescriptor, NeuronConfig, ValidationResult

# TALON 0.0.3's cpu list (what TALON claims; its simulator computes only Affine and LIF).
TALON_CPU_PRIMITIVES = ["Affine", "SpikingAffine", "Conv2d", "SepConv2d", "MaxPool2d", "AvgPool2d", "Flatten", "LIF", "ReLU",
                        "Sigmoid", "Tanh", "Softmax", "GELU", "ELU", "PReLU", "BatchNorm1d", "BatchNorm2d", "LayerNorm",
                        "Dropout", "HybridRegion", "Skip", "Upsample"]
FPGA_PRIMITIVES = ["Affine", "AvgPool2d", "BatchNorm2d", "Conv1d", "Conv2d", "Flatten", "LIF", "MaxPool2d", "ReLU", "Sigmoid"]
_IO = ("Input", "Output")


def _compatible(talon_compatible) -> bool:
    return _irlib.compatible_default() if talon_compatible is None else bool(talon_compatible)


def _type(node) -> str:
    return type(node).__name__


class Backend:
    """Base class of a backend: subclass it, set ``name``, implement ``get_capabilities`` and
    ``validate`` (and ``compile``, ``simulate``, ``profile`` where the target has them), and
    pass the class or an instance to ``register_backend``."""
    name: str = ""

    def get_capabilities(self) -> BackendCapabilities:
        raise NotImplementedError

    def validate(self, graph) -> ValidationResult:
        raise NotImplementedError

    def compile(self, graph, config: CompileConfig | None = None):
        raise NotImplementedError(f"Backend '{self.name}' does not compile")


def _talon_edges(graph, v: ValidationResult, warn: bool) -> None:
    for s, t in graph.edges:
        for end in (s, t):
            if end not in graph.nodes:
                v.is_valid = False
                v.unsupported_nodes.append(end)
                if warn:
                    v.warnings.append(f"Edge references missing node: {end}")


def _talon_params(node) -> dict:
    """TALON's ``node.to_dict()`` without ``type``: the fields TALON leaves out while they hold
    their default (``eps``, ``momentum``, ``dim``...) are left out."""
    params = node.to_dict()
    params.pop("type", None)
    for f in type(node)._descriptor.get("fields", []):
        if f.get("omitted_when_default") and f["name"] in params:
            v = params[f["name"]]
            if not isinstance(v, np.ndarray) and v == f["default"]:
                del params[f["name"]]
    return params


def _execution_order(graph) -> list:
    order = graph.topological_order()
    return list(graph.nodes) if order is None else order


def _compile_descriptor(graph, config: CompileConfig | None, backend: str) -> HardwareDescriptor:
    """TALON's cpu ``compile`` (README §13): neuron configs and weight tables per core, the
    schedule in execution order."""
    config = config or CompileConfig()
    is_dag = graph.is_dag
    mode = config.execution_mode or ("dag" if is_dag else "cyclic")
    configs: dict = {}
    tables: dict = {}
    for name, node in graph.nodes.items():
        if _type(node) in _IO:
            continue
        core = getattr(node, "core_id", None) or 0
        params = _talon_params(node)
        precision = getattr(node, "precision", None) or config.target_precision
        configs.setdefault(core, []).append(NeuronConfig(name, _type(node), core, precision, params))
        for key, value in params.items():
            if isinstance(value, np.ndarray) and value.ndim >= 1:
                tables.setdefault(core, {})[f"{name}.{key}"] = value
    schedule: dict = {}
    for name in _execution_order(graph):
        node = graph.nodes.get(name)
        if node is None or _type(node) in _IO:
            continue
        core = getattr(node, "core_id", None) or 0
        schedule.setdefault(core, [[]])[0].append(name)
    meta = {"backend": backend, "execution_mode": mode, "optimize_for": config.optimize_for,
            "num_nodes": len(graph.nodes), "num_edges": len(graph.edges)}
    return HardwareDescriptor(neuron_configs=configs, weight_tables=tables, routing_tables={}, execution_schedule=schedule,
                              metadata=meta)


class CPUBackend(Backend):
    """The CPU simulator: every primitive of the IR computed (``talon_compatible=True``: TALON's
    simulator exactly, which computes only Affine and LIF)."""
    name = "cpu"

    def get_capabilities(self, *, talon_compatible: bool | None = None) -> BackendCapabilities:
        constraints = {"Conv2d": {"max_kernel_size": 64, "max_channels": 65536}, "Affine": {"max_params": 100000000},
                       "LIF": {"max_neurons": 1000000}}
        if _compatible(talon_compatible):
            prims = list(TALON_CPU_PRIMITIVES)
        else:
            prims = next(b for b in _native.backends() if b["name"] == "cpu")["supported_primitives"]
        return BackendCapabilities(prims, ["fp32", "fp16", "int16", "int8", "int4"], True, 1000000, constraints)

    def get_constraints(self) -> BackendConstraints:
        return BackendConstraints(10000, 10000000, 1000000000, 10000, 10000, 1, ["fp32", "int16", "int8", "int4"], None, 1)

    def validate(self, graph, *, talon_compatible: bool | None = None) -> ValidationResult:
        if _compatible(talon_compatible):
            v = ValidationResult(True, [], [])
            if not graph.nodes:
                v.is_valid = False
                v.warnings.append("Graph has no nodes")
            if not graph.edges:
                v.warnings.append("Graph has no edges")
            _talon_edges(graph, v, warn=True)
            return v
        d = _native.validate("cpu", graph)
        return ValidationResult(d["is_valid"], d["unsupported_nodes"], d["warnings"], d["errors"])

    def compile(self, graph, config: CompileConfig | None = None) -> HardwareDescriptor:
        return _compile_descriptor(graph, config, "cpu")

    def simulate(self, graph, input_data: dict | None = None, n_steps: int = 1, step_by_step: bool = False, *,
                 precision: str = "fp32", dt: float = 1.0, threads: int = 0, talon_compatible: bool | None = None,
                 progress=None):
        """Runs the graph for ``n_steps`` steps. With S an Input's shape: an input of shape S or
        (1, *S) is held at every step, [T, *S] gives one input per step (T = n_steps), and
        [B, T, *S] is a batch of B sequences run on all cores ([B, 1, *S]: held). ``input_data``
        None: zeros. Feedback edges carry the previous step's value. Errors (wrong shape,
        missing input, NaN, a primitive without a kernel) raise, naming the node.

        ``progress``, if given, is called as ``progress(done, total)`` (time steps; over a batch,
        those of all its sequences) about every 20 ms and at the end; returning False cancels
        the run with ``celesta.CancelledError``, and an exception it raises is raised from the
        call. Ctrl-C stops a run with ``KeyboardInterrupt``. A cancelled run returns nothing."""
        from ._types import SimulationResult
        talon = _compatible(talon_compatible)
        if not isinstance(n_steps, (int, np.integer)) or isinstance(n_steps, bool):
            raise TypeError(f"n_steps must be an int, not {type(n_steps).__name__}")
        inputs = None if input_data is None else {k: np.asarray(v) for k, v in dict(input_data).items()}
        doc = _native.simulate(graph, inputs, n_steps=int(n_steps), step_by_step=bool(step_by_step), precision=precision,
                               dt=float(dt), threads=int(threads), talon_compatible=talon, progress=progress)
        return SimulationResult(outputs=doc["outputs"], outputs_valid=doc["outputs_valid"], timesteps_run=doc["timesteps_run"],
                                node_states=doc["node_states"], spike_counts=doc["spike_counts"], errors=doc["errors"],
                                batch=doc["batch"])

    def profile(self, graph, input_data: dict | None = None, n_steps: int = 1, energy_preset: str = "neuromorphic_int8",
                energy_per_mac_pj: float | None = None, energy_per_spike_pj: float | None = None,
                energy_per_sram_read_pj: float | None = None, energy_per_sram_write_pj: float | None = None, *,
                energy_per_op_pj: dict | None = None, talon_compatible: bool | None = None, progress=None):
        """The profile of the graph (README §15); ``progress`` as for ``simulate`` (the
        measured run's steps)."""
        from ._profile import profile
        return profile(graph, input_data, n_steps, energy_preset, energy_per_mac_pj, energy_per_spike_pj,
                       energy_per_sram_read_pj, energy_per_sram_write_pj, energy_per_op_pj, _compatible(talon_compatible),
                       progress=progress)


class FPGABackend(Backend):
    """FPGA through hls4ml: validation and the compile descriptor (project files: ``celesta.hls``)."""
    name = "fpga"

    def get_capabilities(self) -> BackendCapabilities:
        return BackendCapabilities(list(FPGA_PRIMITIVES), ["fp32", "int16", "int8", "int4", "ap_fixed<16,6>"], False, 50000,
                                   {"Conv2d": {"max_kernel_size": 64, "max_channels": 2048},
                                    "Conv1d": {"max_kernel_size": 128, "max_channels": 2048},
                                    "Affine": {"max_params": 16000000}, "LIF": {"max_neurons": 262144},
                                    "MaxPool2d": {"max_kernel_size": 8}, "AvgPool2d": {"max_kernel_size": 8}})

    def get_constraints(self) -> BackendConstraints:
        return BackendConstraints(4096, 1000000, 4202496, 8192, 8192, 1, ["fp32", "int16", "int8", "int4"], None, 1)

    def validate(self, graph) -> ValidationResult:
        v = ValidationResult(True, [], [])
        if not graph.nodes:
            v.is_valid = False
        _talon_edges(graph, v, warn=False)
        for name, node in graph.nodes.items():
            t = _type(node)
            if t in _IO or t in FPGA_PRIMITIVES:
                continue
            v.is_valid = False
            v.unsupported_nodes.append(name)
            v.warnings.append(f"Node '{name}': {t} not supported by FPGA backend")
        return v

    def compile(self, graph, config: CompileConfig | None = None, output_dir: str = "hls4ml_project",
                project_name: str = "myproject", part: str = "xczu9eg-ffvb1156-2-i", clock_period: float = 5,
                io_type: str = "io_stream", default_precision: str = "ap_fixed<16,6>", default_reuse_factor: int = 1,
                strategy: str = "Latency", bitstream_config=None) -> HardwareDescriptor:
        from ._fpga import fpga_descriptor
        v = self.validate(graph)
        if not v.is_valid:
            raise ValueError(f"Graph validation failed: {v.unsupported_nodes}. Supported: {sorted(FPGA_PRIMITIVES)}")
        return fpga_descriptor(graph, output_dir, project_name, part, clock_period, io_type, default_precision,
                               default_reuse_factor, strategy, bitstream_config)


class LibraryBackend(Backend):
    """A backend the library registers (the Xylo chips): capabilities and validation (the
    mapper's design rules) from the library."""

    def __init__(self, record: dict):
        self.name = record["name"]
        self._record = record

    def get_capabilities(self) -> BackendCapabilities:
        r = self._record
        return BackendCapabilities(r["supported_primitives"], r["supported_precisions"], r["supports_cyclic"],
                                   r["max_graph_size"], r["constraints"])

    def validate(self, graph) -> ValidationResult:
        d = _native.validate(self.name, graph)
        return ValidationResult(d["is_valid"], d["unsupported_nodes"], d["warnings"], d["errors"])


_REGISTRY: dict = {}
_BUILTIN_TALON = ("cpu", "fpga")


def _init() -> None:
    if _REGISTRY:
        return
    _REGISTRY["cpu"] = CPUBackend()
    _REGISTRY["fpga"] = FPGABackend()
    from ._xylo import XyloBackend
    for record in _native.backends():
        if record["name"] not in _REGISTRY:  # a chip's backend names its chip (the library's chip table)
            _REGISTRY[record["name"]] = XyloBackend(record) if record.get("chip") else LibraryBackend(record)


def _visible(talon_compatible) -> list:
    _init()
    if _compatible(talon_compatible):
        from ._xylo import XyloBackend
        return [n for n in _REGISTRY if n in _BUILTIN_TALON or not isinstance(_REGISTRY[n], (LibraryBackend, XyloBackend))]
    return list(_REGISTRY)


def list_backends(*, talon_compatible: bool | None = None) -> list:
    """The registered backends' names, in registration order (TALON-compatible: without the
    library's Xylo backends, which TALON does not have)."""
    return _visible(talon_compatible)


def get_backend(name: str, *, talon_compatible: bool | None = None):
    names = _visible(talon_compatible)
    if name not in names:
        raise KeyError(f"Backend '{name}' not found. Available: {names}")
    return _REGISTRY[name]


def register_backend(backend):
    """Registers a backend instance, or a Backend subclass (instantiated without arguments; the
    class is returned, so this works as a class decorator). A taken name is a ValueError."""
    _init()
    instance = backend() if isinstance(backend, type) else backend
    name = getattr(instance, "name", None)
    if not isinstance(name, str) or not name:
        raise ValueError("a backend needs a non-empty str 'name'")
    if name in _REGISTRY:
        raise ValueError(f"Backend '{name}' already registered. Call unregister_backend('{name}') first, or use a unique name.")
    _REGISTRY[name] = instance
    return backend


def unregister_backend(name: str) -> None:
    _init()
    if name not in _REGISTRY:
        raise KeyError(f"Backend '{name}' not found. Available: {list(_REGISTRY)}")
    del _REGISTRY[name]


def query_backends(primitive: str | None = None, precision: str | None = None, *, talon_compatible: bool | None = None) -> list:
    out = []
    for name in _visible(talon_compatible):
        b = _REGISTRY[name]
        caps = b.get_capabilities(talon_compatible=talon_compatible) if isinstance(b, CPUBackend) else b.get_capabilities()
        if primitive is not None and primitive not in caps.supported_primitives:
            continue
        if precision is not None and precision not in caps.supported_precisions:
            continue
        out.append(name)
    return out
