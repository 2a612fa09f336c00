"""Celesta: deploy spiking neural networks to Xylo neuromorphic chips and FPGAs.

This package wraps the Celesta C library (``libcelesta.so``, bundled in the package)::

    import celesta
    celesta.__version__            # '0.1.0'
    celesta.chips()                # one dict of limits per supported chip
    celesta.chip("xa3")["max_hidden_neurons"]   # 992

Errors are raised as subclasses of :class:`celesta.CelestaError`.
"""

from __future__ import annotations

from . import _celesta, devices, ir, nir, nn, transform
from . import backend  # TALON's talon.backend names: cpu, fpga and the Xylo chips
from ._compat import talon_compatible
from ._errors import *  # noqa: F401,F403  (the CelestaError hierarchy)
from ._errors import CelestaError, ERRORS_BY_STATUS
from . import graph, timeseries  # Rockpool's graph API; Rockpool's TSEvent / TSContinuous
from .timeseries import TSContinuous, TSEvent, plot_record

__version__: str = _celesta.version_string()
"""The version of the loaded library (equal to the package version)."""

version_info: tuple = _celesta.version()
"""The library version as ``(major, minor, patch)``."""


def build_info() -> str:
    """One line naming this build and the versions of the C libraries it links."""
    return _celesta.build_info()


def status_name(status: int) -> str:
    """The C name of a status code, e.g. ``status_name(-3) == 'CELESTA_ERR_NOT_FOUND'``."""
    return _celesta.status_name(status)


def _chip(record: dict) -> dict:
    record = dict(record)
    record["aliases"] = [a for a in record["aliases"].split(",") if a]
    return record


def chips() -> list[dict]:
    """The supported chips, in table order, each a dict of its limits and bit widths.

    Keys are those of the C struct ``celesta_xylo_chip_info_t`` (``id``, ``name``, ``aliases``,
    ``max_hidden_neurons``, ``weight_bits``, ``dash_max``, ...); ``aliases`` is a list.
    """
    return [_chip(_celesta.chip_info(i)) for i in range(_celesta.chip_count())]


def chip(name: str) -> dict:
    """The chip called ``name``: an id (``'syns65302'``), product name or alias (``'xa3'``).

    Raises :class:`celesta.NotFoundError` (a ``LookupError``) for an unknown name.
    """
    if not isinstance(name, str):
        raise TypeError(f"chip name must be a str, not {type(name).__name__}")
    return _chip(_celesta.chip_find(name))


__all__ = ["ir", "nir", "talon_compatible", "nn", "transform", "devices", "__version__", "version_info", "build_info", "status_name", "chips", "chip",
           "CelestaError", "ERRORS_BY_STATUS"] + [cls.__name__ for cls in ERRORS_BY_STATUS.values()]
__all__ += ["graph", "timeseries", "TSEvent", "TSContinuous", "plot_record"]
