"""The backend registry (TALON's ``talon.backend`` names) and the built-in backends."""

from __future__ import annotations

import numpy as np

from .. import _irlib
from . import _native
from ._types import BackendCapabilities, BackendConstraints, CompileConfig, HardwareDescriptor, NeuronConfig, ValidationResult

def _compatible(talon_compatible) -> bool:
    return _irlib.compatible_default() if talon_compatible is None else bool(talon_compatible)


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


def _descriptor(doc: dict) -> HardwareDescriptor:
    """A ``HardwareDescriptor`` from the library's compile result (core ids back to ints)."""
    return HardwareDescriptor._from_doc(doc)


def _config_options(config: CompileConfig | None) -> dict:
    c = config or CompileConfig()
    return {"execution_mode": c.execution_mode, "max_iterations": c.max_iterations, "convergence_threshold": c.convergence_threshold,
            "target_precision": c.target_precision, "optimize_for": c.optimize_for}


def _validation(d: dict) -> ValidationResult:
    return ValidationResult(d["is_valid"], d["unsupported_nodes"], d["warnings"], d["errors"])


def _record(name: str) -> dict:
    """The library's registry record of ``name`` (celesta_backend_list_json): the one source of
    the built-in backends' capabilities and constraints, for C, the CLI and Python alike."""
    return next(b for b in _native.backends() if b["name"] == name)


def _capabilities(r: dict) -> BackendCapabilities:
    """``BackendCapabilities`` from a record's capabilities (its own, or ``talon_capabilities``)."""
    return BackendCapabilities(list(r["supported_primitives"]), list(r["supported_precisions"]), r["supports_cyclic"],
                               r["max_graph_size"], {p: dict(c) for p, c in r["constraints"].items()})


def _constraints(name: str) -> BackendConstraints:
    """TALON's ``get_constraints()`` of a built-in backend, from its record."""
    spec = _record(name)["hardware_constraints"]
    if spec is None:
        raise NotImplementedError(f"Backend '{name}' has no per-core constraints (get_constraints)")
    spec = dict(spec)
    if spec["core_mesh_topology"] is not None:
        spec["core_mesh_topology"] = tuple(spec["core_mesh_topology"])
    return BackendConstraints(**spec)


class CPUBackend(Backend):
    """The CPU simulator: every primitive of the IR computed (``talon_compatible=True``: TALON's
    simulator exactly, which computes only Affine and LIF)."""
    name = "cpu"

    def get_capabilities(self, *, talon_compatible: bool | None = None) -> BackendCapabilities:
        """What the simulator computes (``talon_compatible``: the list TALON claims), from the library."""
        r = _record("cpu")
        return _capabilities(r["talon_capabilities"] if _compatible(talon_compatible) else r)

    def get_constraints(self) -> BackendConstraints:
        """TALON's per-core limits of the cpu backend, from the library."""
        return _constraints("cpu")

    def validate(self, graph, *, talon_compatible: bool | None = None) -> ValidationResult:
        """The library's checks (``talon_compatible``: TALON's, which look at edges only)."""
        return _validation(_native.validate("cpu", graph, _compatible(talon_compatible)))

    def compile(self, graph, config: CompileConfig | None = None) -> HardwareDescriptor:
        """TALON's descriptor (README §13), made by the library (celesta_backend_compile)."""
        return _descriptor(_native.compile("cpu", graph, _config_options(config)))

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
    """FPGA through hls4ml: validation, the compile descriptor and TALON's ``build_bitstream`` (Celesta's
    own HLS projects: ``celesta.hls``)."""
    name = "fpga"

    def get_capabilities(self) -> BackendCapabilities:
        return _capabilities(_record("fpga"))

    def get_constraints(self) -> BackendConstraints:
        """TALON's per-core limits of the fpga backend, from the library."""
        return _constraints("fpga")

    def validate(self, graph) -> ValidationResult:
        return _validation(_native.validate("fpga", graph))

    def compile(self, graph, config: CompileConfig | None = None, output_dir: str = "hls4ml_project",
                project_name: str = "myproject", part: str = "xczu9eg-ffvb1156-2-i", clock_period: float = 5,
                io_type: str = "io_stream", default_precision: str = "ap_fixed<16,6>", default_reuse_factor: int = 1,
                strategy: str = "Latency", bitstream_config=None) -> HardwareDescriptor:
        """Validates (ValueError "Graph validation failed: ..." when invalid), then TALON's
        descriptor of the hls4ml project (README §18), made by the library."""
        settings = _fpga_settings(output_dir, project_name, part, clock_period, io_type, default_precision, default_reuse_factor,
                                  strategy, bitstream_config)
        return _descriptor(_native.compile("fpga", graph, {**_config_options(config), "settings": settings}))

    def build_bitstream(self, graph, output_dir: str = "hls4ml_project", project_name: str = "myproject",
                        part: str = "xczu9eg-ffvb1156-2-i", clock_period: float = 5, io_type: str = "io_stream",
                        default_precision: str = "ap_fixed<16,6>", default_reuse_factor: int = 1, strategy: str = "Latency",
                        bitstream_config=None, write_to_disk: bool = False, pytorch_model=None, *, overwrite: bool = False,
                        talon_compatible: bool | None = None) -> dict:
        """TALON's ``build_bitstream`` (README §18), made by the library: validates and compiles
        (``compile``'s errors), then returns ``{hls4ml_config, parameters_h, build_script,
        tcl_script, template_paths, descriptor}`` and, with ``write_to_disk=True``, writes the
        project under ``output_dir`` and adds ``written_files``. ``bitstream_config`` None:
        ``BitstreamConfig()``. ``parameters.h`` and ``hls4ml_config.json`` are TALON's bytes;
        the four neuron headers, ``build.py`` and ``build_prj.tcl`` are Celesta's (build.py
        writes and checks the Celesta HLS project of the network, build_prj.tcl synthesises
        it). The folder is written atomically; one that is not empty is refused unless
        ``overwrite=True`` (which replaces it); ``talon_compatible=True`` writes into it as
        TALON does, keeping other files. ``pytorch_model`` (with ``write_to_disk``) is saved
        as ``model.pt`` with ``torch.save``, as TALON does."""
        from . import BitstreamConfig
        settings = _fpga_settings(output_dir, project_name, part, clock_period, io_type, default_precision, default_reuse_factor,
                                  strategy, bitstream_config if bitstream_config is not None else BitstreamConfig())
        flags = (1 if _compatible(talon_compatible) else 0) | (_native.WRITE_TO_DISK if write_to_disk else 0) | (
            _native.OVERWRITE if overwrite else 0)
        doc = _native.build_bitstream(graph, {**_config_options(None), "settings": settings}, flags)
        doc["descriptor"] = _descriptor(doc["descriptor"])
        if write_to_disk and pytorch_model is not None:
            doc["written_files"].append(_save_torch_model(pytorch_model, output_dir))
        return doc


def _fpga_settings(output_dir, project_name, part, clock_period, io_type, default_precision, default_reuse_factor, strategy,
                   bitstream_config) -> dict:
    """The fpga compile settings of the library (celesta_backend_compile's ``settings``)."""
    flags = None
    if bitstream_config is not None:
        flags = {k: bool(getattr(bitstream_config, k)) for k in ("csim", "synth", "cosim", "export", "vsynth", "bitfile")}
    return {"output_dir": output_dir, "project_name": project_name, "part": part, "clock_period": clock_period, "io_type": io_type,
            "default_precision": default_precision, "default_reuse_factor": default_reuse_factor, "strategy": strategy,
            "bitstream": flags}


def _save_torch_model(model, output_dir: str) -> str:
    """Saves ``model`` as ``<output_dir>/model.pt`` (``torch.save``, to a temporary name then
    renamed); returns the path as TALON lists it."""
    import os
    import tempfile

    import torch
    path = os.path.join(output_dir, "model.pt")
    fd, tmp = tempfile.mkstemp(prefix=".model.pt.", dir=output_dir)
    os.close(fd)
    try:
        torch.save(model, tmp)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path


class LibraryBackend(Backend):
    """A backend the library registers (the Xylo chips): capabilities and validation (the
    mapper's design rules) from the library."""

    def __init__(self, record: dict):
        self.name = record["name"]
        self._record = record

    def get_capabilities(self) -> BackendCapabilities:
        return _capabilities(self._record)

    def get_constraints(self) -> BackendConstraints:
        return _constraints(self.name)

    def validate(self, graph) -> ValidationResult:
        return _validation(_native.validate(self.name, graph))


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
