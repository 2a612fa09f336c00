"""``celesta.backend``: TALON's ``talon.backend`` names on Celesta's engine.

Backends: ``cpu`` (the simulator of every IR primitive; ``talon_compatible=True`` for TALON's
own simulator exactly), ``fpga`` (validation, the hls4ml compile descriptor and ``build_bitstream``) and the Xylo
chips ``xylo-a2``, ``xylo-a3``, ``xylo-v1`` (validation by the mapper's design rules)::

    from celesta import backend
    cpu = backend.get_backend("cpu")
    sim = cpu.simulate(graph, {"input": x}, n_steps=10)
    prof = cpu.profile(graph, energy_preset="zcu102")   # energies are estimates
"""

from __future__ import annotations

from dataclasses import dataclass

from ._energy import ENERGY_PRESETS, get_energy_preset
from ._profile import run
from ._registry import (Backend, CPUBackend, FPGABackend, get_backend, list_backends, query_backends, register_backend,
                        unregister_backend)
from ._types import (BackendCapabilities, BackendConstraints, CompileConfig, HardwareDescriptor, NeuronConfig, ProfileResult,
                     RunResult, SimulationResult, ValidationResult)


@dataclass
class BitstreamConfig:
    """TALON's ``BitstreamConfig``: which steps of the HLS flow a generated build script runs."""
    csim: bool = False
    synth: bool = True
    cosim: bool = False
    export: bool = True
    vsynth: bool = True
    bitfile: bool = True


__all__ = ["ENERGY_PRESETS", "get_energy_preset", "run", "Backend", "CPUBackend", "FPGABackend", "get_backend", "list_backends",
           "query_backends", "register_backend", "unregister_backend", "BackendCapabilities", "BackendConstraints",
           "CompileConfig", "HardwareDescriptor", "NeuronConfig", "ProfileResult", "RunResult", "SimulationResult",
           "ValidationResult", "BitstreamConfig"]
