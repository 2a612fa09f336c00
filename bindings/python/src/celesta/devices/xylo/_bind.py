"""Binds the chip-independent API to one chip. A chip module (``syns61201`` ...) is its id and
one call of ``bind_chip``; which classes it gets is read from the chip's record in the library's
chip table (its front end, whether it has a dev kit), never from its id.

Import order: ``_core`` <- ``_afe`` <- ``_hdk`` <- this module <- the chip modules. No module
imports one to its right at import time, so each of them imports cleanly on its own.
"""

from __future__ import annotations

from functools import partial

from ... import _celesta
from . import _afe, _core, _hdk

# The front-end classes a chip module offers, by the record's ``front_end``.
FRONT_END_CLASSES = {
    "none": {},
    "analog-model": {"AFESim": _afe.AFESim},
    "digital": {"AFESimExternal": _afe.AFESimExternal, "AFESimPDM": _afe.AFESimPDM},
}

# The classes of a dev kit that takes audio (a kit whose chip has a digital front end).
AUDIO_KIT_CLASSES = {"XyloMonitor": _hdk.XyloMonitorBase, "AFESamna": _hdk.AFESamnaBase}


def _bound(fn, chip: str):
    bound = partial(fn, chip)
    bound.__doc__ = fn.__doc__
    return bound


def _chip_class(name: str, base: type, chip: str, module: str) -> type:
    return type(name, (base,), {"chip": chip, "__doc__": base.__doc__, "__module__": module})


def bind_chip(namespace: dict, chip: str) -> None:
    """Fills a chip module with the chip-bound API: ``CHIP``, ``config_from_specification``,
    ``mapper``, ``DRCWarning``, the ``XyloSim`` and ``XyloSamna`` classes,
    ``set_xylo_core_clock_freq``, ``cycles_model``, ``est_clock_freq``; ``XyloMonitor`` and
    ``AFESamna`` when the chip's kit takes audio; then its front-end classes. Every chip shares
    this code."""
    record = _celesta.chip_find(chip)
    module = namespace["__name__"]
    kit = {}
    if record["has_dev_kit"] and record["front_end"] == "digital":
        kit = {name: _chip_class(name, base, chip, module) for name, base in AUDIO_KIT_CLASSES.items()}
    namespace.update(CHIP=chip, config_from_specification=_bound(_core.config_from_specification, chip),
                     mapper=_bound(_core.mapper, chip), DRCWarning=_core.DRCWarning,
                     XyloSim=_chip_class("XyloSim", _core.XyloSimBase, chip, module),
                     XyloSamna=_chip_class("XyloSamna", _hdk.XyloSamnaBase, chip, module), **kit,
                     set_xylo_core_clock_freq=_hdk.set_xylo_core_clock_freq,
                     cycles_model=_bound(_core.cycles_model, chip), est_clock_freq=_bound(_core.est_clock_freq, chip),
                     __all__=["CHIP", "config_from_specification", "mapper", "DRCWarning", "XyloSim", "XyloSamna",
                              "set_xylo_core_clock_freq", "cycles_model", "est_clock_freq", *kit])
    front_end = FRONT_END_CLASSES[record["front_end"]]
    namespace.update(front_end)
    namespace["__all__"] += list(front_end)
