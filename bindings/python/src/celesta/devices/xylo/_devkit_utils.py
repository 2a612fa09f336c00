"""Rockpool's dev-kit utility modules, ``syns61201.xa2_devkit_utils`` and
``syns65302.xa3_devkit_utils``, with the calls a notebook makes on Celesta's kits:
``set_xylo_core_clock_freq``, ``find_xylo_a2_boards`` / ``find_xylo_a3_boards`` and
``apply_configuration``. Rockpool's other utilities drive samna's event buffers, which Celesta's
kits do not have."""

from __future__ import annotations

import types

from . import _hdk

_FINDER_NAMES = {"syns61201": "find_xylo_a2_boards", "syns65302": "find_xylo_a3_boards"}


def set_xylo_core_clock_freq(device: _hdk.XyloHDK, desired_freq_MHz: float) -> float:
    """Set the inference core clock frequency used by Xylo: ``device`` is a kit from
    ``find_xylo_hdks()``, ``desired_freq_MHz`` the clock wanted in MHz. Returns the clock the
    kit runs in MHz (a Xylo Audio 2 board divides 100 MHz: 6.25 gives 6.25, 12 gives 12.5)."""
    return _hdk.set_xylo_core_clock_freq(device, desired_freq_MHz)


def _finder(chip: str, name: str):
    def find_boards() -> list:
        hdks, _, versions = _hdk.find_xylo_hdks()
        return [h for h, v in zip(hdks, versions) if v == chip]

    find_boards.__name__ = find_boards.__qualname__ = name
    find_boards.__doc__ = (f"The dev kits of {chip} that ``find_xylo_hdks()`` finds (boards on USB, then the virtual "
                           "kits asked for with ``add_virtual_hdks``), as a list.")
    return find_boards


def _applier(chip: str):
    def apply_configuration(device: _hdk.XyloHDK, config, dt: float = 1e-3) -> None:
        """Write ``config`` (a ``XyloConfiguration`` of this chip) into the kit's registers and
        memory, with time step ``dt`` in seconds; the kit restarts from zero state."""
        _hdk._check_device(device)
        _hdk._check_config(config)
        _hdk._celesta.hdk_apply(device._handle, config._handle, _hdk._float_arg(dt, "dt"))

    return apply_configuration


def make_module(name: str, chip: str) -> types.ModuleType:
    """The utility module of ``chip``, named ``name``."""
    module = types.ModuleType(name, f"Rockpool's dev-kit utilities for {chip} on Celesta's kits "
                                    f"(see celesta.devices.xylo._devkit_utils).")
    finder = _FINDER_NAMES[chip]
    module.set_xylo_core_clock_freq = set_xylo_core_clock_freq
    setattr(module, finder, _finder(chip, finder))
    module.apply_configuration = _applier(chip)
    for fn in (getattr(module, finder), module.apply_configuration):
        fn.__module__ = name
    module.__all__ = ["set_xylo_core_clock_freq", finder, "apply_configuration"]
    return module
