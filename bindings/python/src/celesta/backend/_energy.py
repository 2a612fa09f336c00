"""Energy presets: picojoules per operation (TALON's ``ENERGY_PRESETS``, read from the
library). Every energy computed from them is an estimate from per-operation costs, not a
measurement."""

from __future__ import annotations

import copy

from . import _native

# The engine's table (EnergyPreset in CelestaIR), in TALON's order.
ENERGY_PRESETS: dict = _native.energy_presets()

DEFAULT_PRESET = "neuromorphic_int8"


def get_energy_preset(name: str) -> dict:
    """A copy of the preset ``name`` (KeyError listing the known ones)."""
    if name not in ENERGY_PRESETS:
        raise KeyError(f"Unknown energy preset '{name}'. Available: {sorted(ENERGY_PRESETS)}")
    return copy.deepcopy(ENERGY_PRESETS[name])
