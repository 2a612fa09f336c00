"""``run_pipeline``: TALON's one-call workflow (read, lint, analyse, quantize, partition, compile,
simulate, energy) on Celesta's engine, with Celesta's targets (``xylo-a2``/``xylo-a3``/``xylo-v1``
deploy and simulate on the chip model)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Optional

from .. import ir as _ir
from .. import _irlib
from ._analysis import analyze_graph, estimate_energy, lint_graph, quantize_weights


@dataclass
class PipelineConfig:
    """What ``run_pipeline`` does. ``target`` names a backend of ``celesta.backend`` (``"cpu"``,
    ``"fpga"``, ``"xylo-a3"``, ...); ``timesteps`` is the simulation length; ``quantize`` applies
    ``quantize_weights(bits=bit_width)``; ``partition`` maps the graph onto ``num_cores`` cores
    (TALON's fixed 256 neurons and 64 KiB per core); ``lint``, ``profile`` and ``verbose`` as in
    TALON (``verbose`` copies lint errors into ``errors``)."""
    target: str = "cpu"
    timesteps: int = 100
    quantize: bool = False
    bit_width: int = 8
    partition: bool = False
    num_cores: int = 4
    lint: bool = True
    profile: bool = True
    verbose: bool = False


@dataclass
class PipelineResult:
    """The outcome of each step; ``errors`` lists what went wrong (the pipeline goes on after a
    failed step, as TALON's does), ``success`` is ``not errors``. ``deployment`` (Celesta) is the
    target's compiled descriptor, None when compiling failed."""
    graph: Any = None
    lint_results: list = field(default_factory=list)
    analysis: Any = None
    profile: Any = None
    simulation: Any = None
    energy: Optional[dict] = None
    errors: list = field(default_factory=list)
    success: bool = False
    deployment: Any = None


_FIELDS = {f.name: f.type for f in dataclasses.fields(PipelineConfig)}


def _config(config, overrides) -> PipelineConfig:
    if config is None:
        config = PipelineConfig()
    elif isinstance(config, dict):
        unknown = sorted(set(config) - set(_FIELDS))
        if unknown:
            raise TypeError(f"config has unknown keys {unknown}; PipelineConfig's fields are {list(_FIELDS)}")
        config = PipelineConfig(**config)
    elif not isinstance(config, PipelineConfig):
        raise TypeError(f"config must be a PipelineConfig, a dict or None, not {type(config).__name__}")
    unknown = sorted(set(overrides) - set(_FIELDS))
    if unknown:
        raise TypeError(f"run_pipeline() got unknown keyword arguments {unknown}; PipelineConfig's fields are {list(_FIELDS)}")
    if overrides:
        config = dataclasses.replace(config, **overrides)
    for name in ("timesteps", "bit_width", "num_cores"):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"PipelineConfig.{name} must be an int, got {type(value).__name__}")
        if value < (0 if name == "timesteps" else 1):
            raise ValueError(f"PipelineConfig.{name} must be {'>= 0' if name == 'timesteps' else '>= 1'}, got {value}")
    if not isinstance(config.target, str):
        raise TypeError(f"PipelineConfig.target must be a str, got {type(config.target).__name__}")
    return config


def _load(source, sample_input, errors, talon):
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.exists(path):
            errors.append(f"File not found: {path}")
            return None
        try:
            return _ir.read(path, talon_compatible=talon)
        except Exception as e:  # noqa: BLE001 - reported, as TALON does
            errors.append(f"Failed to read {path}: {e}")
            return None
    if hasattr(source, "nodes") and hasattr(source, "edges"):
        return source
    if sample_input is not None or hasattr(source, "forward"):
        errors.append("Converting a torch module needs talon.bridge / snnTorch's exporter: export it to "
                      "NIR or .t1c first and pass the file")
        return None
    raise TypeError(f"source must be a path, a celesta.ir.Graph or a NIR graph, not {type(source).__name__}")


def run_pipeline(source, config: Optional[PipelineConfig] = None, *, sample_input=None, input_data=None,
                 talon_compatible: Optional[bool] = None, **overrides) -> PipelineResult:
    """Runs the whole workflow on ``source`` (a ``.t1c``/NIR/IR-JSON path or a graph) and
    returns a ``PipelineResult``. Keyword arguments override fields of ``config`` (an unknown one
    is a TypeError). The steps follow TALON's ``run_pipeline``; by default Celesta simulates on
    the target itself when it can (a Xylo chip: the bit-exact chip model; otherwise the CPU
    simulator), where TALON always simulates on its CPU backend
    (``talon_compatible=True``). ``input_data`` (Celesta) is the simulation's input, as
    ``celesta.backend.run`` takes it; TALON's pipeline simulates zeros (the default)."""
    cfg = _config(config, overrides)
    talon = _irlib.compatible_default() if talon_compatible is None else bool(talon_compatible)
    result = PipelineResult()
    errors = result.errors
    graph = _load(source, sample_input, errors, talon)
    if graph is None:
        return result

    if cfg.lint:
        lint = lint_graph(graph, talon_compatible=talon)
        result.lint_results = [lint]
        if cfg.verbose:
            errors.extend(issue.message for issue in lint.errors)
    result.analysis = analyze_graph(graph, talon_compatible=talon)

    if cfg.quantize:
        graph = quantize_weights(graph, bits=cfg.bit_width, talon_compatible=talon)

    if cfg.partition:
        from .. import graph as _mapping
        try:
            hw = _mapping.HardwareSpec(max_neurons_per_core=256, sram_bytes_per_core=65536, num_cores=cfg.num_cores)
            graph = _mapping.partition(graph, hw, talon_compatible=talon)
            graph = _mapping.route(graph, hw, talon_compatible=talon)
            _mapping.allocate(graph, hw)
        except Exception as e:  # noqa: BLE001
            errors.append(f"Partition failed: {e}")

    from .. import backend as _backend
    target = None
    try:
        target = _backend.get_backend(cfg.target, talon_compatible=talon)
    except KeyError as e:
        errors.append(f"Backend '{cfg.target}' not found: {e}")
    if target is not None:
        try:
            validation = target.validate(graph)
            if not validation.is_valid:
                errors.extend(validation.warnings)
                errors.extend(getattr(validation, "errors", []))
            else:
                result.deployment = target.compile(graph)
        except Exception as e:  # noqa: BLE001
            errors.append(f"Compile failed on '{cfg.target}': {e}")

    on_target = not talon and target is not None and result.deployment is not None \
        and hasattr(target, "simulate") and cfg.target != "cpu"
    run = _backend.run(graph, input_data, timesteps=cfg.timesteps, backend=cfg.target if on_target else "cpu",
                       profile=cfg.profile, talon_compatible=talon)
    result.simulation = run
    result.profile = run.profile
    errors.extend(run.errors)

    e = estimate_energy(graph, spike_rate=0.1, timesteps=cfg.timesteps)
    result.energy = {k: getattr(e, k) for k in ("total_uj", "mac_energy_uj", "spike_energy_uj", "memory_energy_uj",
                                               "mac_count", "spike_count", "memory_accesses")}
    result.graph = graph
    result.success = not errors
    return result
