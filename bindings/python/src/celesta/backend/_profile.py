"""``profile`` (README §15) and ``run`` (§16): thin callers of the library's
``celesta_backend_profile`` and ``celesta_backend_run`` (the engine's ``Backend.profile`` and
``BackendRunner``).

TALON-compatible mode reproduces TALON's figures exactly (its MAC count ignores the spatial
size of convolutions, its latency is its own loop's). Celesta's mode counts the MACs the
kernels really do, uses the simulator's own measured time per node as latency, and adds
custom per-operation energies (``energy_per_op_pj={"Affine": pJ per MAC, ...}``). Energies
are always estimates (``energy_is_estimate``): from per-operation costs, or a chip's power
model (``energy_source``)."""

from __future__ import annotations

import numpy as np

from .. import _errors
from . import _native
from ._energy import get_energy_preset
from ._types import ProfileResult, RunResult

_FIELDS = ("total_latency_us", "per_node_latency", "energy_estimate_uj", "mac_energy_uj", "spike_energy_uj", "sram_energy_uj",
           "per_layer_energy_uj", "peak_memory_bytes", "weight_memory_bytes", "state_memory_bytes", "total_sram_accesses",
           "spike_counts", "mac_ops", "neuron_utilization", "energy_preset", "energy_is_estimate", "latency_source",
           "energy_source", "cycles_per_step", "clock_hz", "power_watts", "power_total_watts", "run_seconds", "model_notes")


def profile_result(doc: dict) -> ProfileResult:
    """A ``ProfileResult`` from the library's profile JSON (per-core keys back to ints)."""
    p = ProfileResult(**{k: doc[k] for k in _FIELDS if k in doc})
    p.per_core_latency = {int(k): v for k, v in doc["per_core_latency"].items()}
    p.per_core_energy = {int(k): v for k, v in doc["per_core_energy"].items()}
    return p


def _inputs(input_data):
    return None if input_data is None else {k: np.asarray(v) for k, v in dict(input_data).items()}


def profile(graph, input_data, n_steps, energy_preset, mac, spike, read, write, per_op, talon: bool, *, backend: str = "cpu",
            dt=None, progress=None) -> ProfileResult:
    get_energy_preset(energy_preset)  # KeyError naming the known presets, as TALON's
    try:
        doc = _native.profile(backend, graph, _inputs(input_data), n_steps=int(n_steps), energy_preset=energy_preset,
                              energy_per_mac_pj=mac, energy_per_spike_pj=spike, energy_per_sram_read_pj=read,
                              energy_per_sram_write_pj=write, energy_per_op_pj=dict(per_op) if per_op else None,
                              talon_compatible=bool(talon), dt=dt, progress=progress)
    except _errors.InvalidStateError as e:  # a TALON run that failed: TALON's profiler raises
        raise RuntimeError(str(e)) from None
    return profile_result(doc)


def _engine_backend(b) -> bool:
    from ._registry import CPUBackend
    from ._xylo import XyloBackend
    return isinstance(b, (CPUBackend, XyloBackend))


def run(graph, input_data=None, timesteps: int = 1, backend: str = "cpu", profile: bool = True,
        energy_per_mac_pj: float = 0.9, energy_per_spike_pj: float = 0.1, energy_per_sram_read_pj: float = 5.0, *,
        talon_compatible: bool | None = None, progress=None) -> RunResult:
    """Validates, simulates and (with ``profile``) profiles the graph on ``backend``. Problems
    are reported in ``errors`` (TALON's messages), not raised. ``progress``: as for
    ``simulate``, over both runs when profiling (the simulation is the first half of the
    total); returning False raises ``celesta.CancelledError``, Ctrl-C ``KeyboardInterrupt``
    (a cancel is never an entry of ``errors``)."""
    from ._registry import _compatible, get_backend
    talon = _compatible(talon_compatible)
    try:
        b = get_backend(backend, talon_compatible=talon)
    except KeyError:
        return RunResult(errors=[f"Backend '{backend}' not found"])
    if not _engine_backend(b):
        return _run_python_backend(b, backend, graph, input_data, timesteps, profile, talon)
    if not isinstance(timesteps, (int, np.integer)) or isinstance(timesteps, bool):
        return RunResult(errors=[f"n_steps must be an int, not {type(timesteps).__name__}"])
    bare = None
    if input_data is not None and not isinstance(input_data, dict):
        bare, input_data = np.asarray(input_data), None
    doc = _native.run(backend, graph, _inputs(input_data), bare, timesteps=int(timesteps), profile=bool(profile),
                      energy_per_mac_pj=float(energy_per_mac_pj), energy_per_spike_pj=float(energy_per_spike_pj),
                      energy_per_sram_read_pj=float(energy_per_sram_read_pj), talon_compatible=talon, progress=progress)
    outputs = doc["outputs"]
    if getattr(b, "chip_id", None):  # a chip's output: spike counts
        outputs = {k: None if v is None else v.astype(np.int64) for k, v in outputs.items()}
    result = RunResult(outputs=outputs, spike_counts=doc["spike_counts"], timesteps_run=doc["timesteps_run"],
                       total_latency_us=doc["total_latency_us"], energy_estimate_uj=doc["energy_estimate_uj"],
                       mac_ops=doc["mac_ops"], peak_memory_bytes=doc["peak_memory_bytes"],
                       per_node_latency=doc["per_node_latency"], errors=doc["errors"])
    if doc["profile"] is not None:
        result.profile = profile_result(doc["profile"])
    return result


def _run_python_backend(b, backend, graph, input_data, timesteps, profile, talon) -> RunResult:
    """``run`` on a backend registered from Python: its own validate, simulate and profile."""
    if not hasattr(b, "simulate"):
        return RunResult(errors=[f"Backend '{backend}' does not support simulation. Use backend='cpu'."])
    v = b.validate(graph)
    if not v.is_valid:
        return RunResult(errors=list(v.warnings) + list(getattr(v, "errors", [])) + [f"Validation failed: {v.unsupported_nodes}"])
    if input_data is not None and not isinstance(input_data, dict):
        if len(graph.inputs) != 1:
            return RunResult(errors=[f"A bare array needs exactly one Input node; the graph has {len(graph.inputs)}: {graph.inputs}"])
        input_data = {graph.inputs[0]: input_data}
    try:
        sim = b.simulate(graph, input_data, n_steps=timesteps)
    except Exception as e:  # noqa: BLE001 - run() reports, as TALON's does
        return RunResult(errors=[str(e)])
    result = RunResult(outputs=sim.outputs, spike_counts=sim.spike_counts, timesteps_run=sim.timesteps_run, errors=list(sim.errors))
    if profile and hasattr(b, "profile"):
        result.profile = b.profile(graph, input_data, n_steps=timesteps)
        result.total_latency_us = result.profile.total_latency_us
    return result
