"""Binds the chip-independent API to one chip. A chip module (``syns61201`` ...) is its id and
one call of ``bind_chip``; which classes it gets is read from the chip's record in the library's
chip table (its front end, whether it has a dev kit), never from its id.

Import order: ``_core`` <- ``_afe`` <- ``_hdk`` <- this module <- the chip modules. No module
imports one to its right at import time, so each of them imports cleanly on its own.
"""

from __future__ import annotations

import functools
import inspect
import sys
import types

from ... import _celesta
from . import _afe, _core, _hdk, _devkit_utils

# The front-end classes a chip module offers, by the record's ``front_end``.
FRONT_END_CLASSES = {
    "none": {},
    "analog-model": {"AFESim": _afe.AFESim},
    "digital": {"AFESimExternal": _afe.AFESimExternal, "AFESimPDM": _afe.AFESimPDM},
}

# The classes of a dev kit that takes audio, by the chip's front end.
AUDIO_KIT_CLASSES = {
    "digital": {"XyloMonitor": _hdk.XyloMonitorBase, "AFESamna": _hdk.AFESamnaBase},
    "analog-model": {"XyloMonitor": _hdk.XyloMonitor2Base, "AFESamna": _hdk.AFESamna2Base},
}

# The dev-kit utility module of a chip (Rockpool's ``xa2_devkit_utils`` ...), by chip id.
DEVKIT_UTILS = {"syns61201": "xa2_devkit_utils", "syns65302": "xa3_devkit_utils"}


def _renamed(fn, qualname: str, module: str):
    """A copy of function ``fn`` whose errors and ``help()`` name ``qualname`` (a public name
    such as ``XyloMonitor.__init__``), not the internal class it was written in."""
    code = fn.__code__.replace(co_qualname=qualname) if hasattr(fn.__code__, "co_qualname") else fn.__code__
    new = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__doc__, new.__qualname__, new.__module__ = fn.__doc__, qualname, module
    new.__annotations__ = dict(fn.__annotations__)
    return new


def _bound(fn, chip: str, module: str):
    """``fn`` with its first argument (the chip) bound: a real function with ``fn``'s signature
    less that argument, its docstring and name (``help()`` shows them)."""
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())[1:]

    @functools.wraps(fn)
    def bound(*args, **kwargs):
        return fn(chip, *args, **kwargs)

    del bound.__wrapped__
    bound.__signature__ = signature.replace(parameters=params)
    bound.__module__ = module
    return bound


def _chip_class(name: str, base: type, chip: str, module: str) -> type:
    """``base`` bound to ``chip`` under its public ``name``: its methods are copied so that a
    wrong argument is reported against ``name`` (``XyloMonitor.__init__() got an unexpected
    keyword argument``), never against the internal base class."""
    namespace = {"chip": chip, "__doc__": base.__doc__, "__module__": module, "__qualname__": name}
    for klass in reversed(base.__mro__[:-1]):
        for attr, value in vars(klass).items():
            if isinstance(value, types.FunctionType):
                namespace[attr] = _renamed(value, f"{name}.{attr}", module)
            elif isinstance(value, (classmethod, staticmethod)) and isinstance(value.__func__, types.FunctionType):
                namespace[attr] = type(value)(_renamed(value.__func__, f"{name}.{attr}", module))
    return type(name, (base,), namespace)


def bind_chip(namespace: dict, chip: str) -> None:
    """Fills a chip module with the chip-bound API: ``CHIP``, ``config_from_specification``,
    ``mapper``, ``DRCWarning``, the ``XyloSim`` and ``XyloSamna`` classes,
    ``set_xylo_core_clock_freq``, ``cycles_model``, ``est_clock_freq``; ``XyloMonitor`` and
    ``AFESamna`` when the chip's kit takes audio; its dev-kit utilities module; then its
    front-end classes. Every chip shares this code."""
    record = _celesta.chip_find(chip)
    module = namespace["__name__"]
    kit = {}
    if record["has_dev_kit"]:
        kit = {name: _chip_class(name, base, chip, module) for name, base in AUDIO_KIT_CLASSES.get(record["front_end"], {}).items()}
    namespace.update(CHIP=chip, config_from_specification=_bound(_core.config_from_specification, chip, module),
                     mapper=_bound(_core.mapper, chip, module), DRCWarning=_core.DRCWarning,
                     XyloSim=_chip_class("XyloSim", _core.XyloSimBase, chip, module),
                     XyloSamna=_chip_class("XyloSamna", _hdk.XyloSamnaBase, chip, module), **kit,
                     set_xylo_core_clock_freq=_hdk.set_xylo_core_clock_freq,
                     cycles_model=_bound(_core.cycles_model, chip, module),
                     est_clock_freq=_bound(_core.est_clock_freq, chip, module),
                     __all__=["CHIP", "config_from_specification", "mapper", "DRCWarning", "XyloSim", "XyloSamna",
                              "set_xylo_core_clock_freq", "cycles_model", "est_clock_freq", *kit])
    utils_name = DEVKIT_UTILS.get(chip) if record["has_dev_kit"] else None
    if utils_name:
        utils = _devkit_utils.make_module(f"{module}.{utils_name}", chip)
        sys.modules[utils.__name__] = utils
        namespace[utils_name] = utils
        namespace["__all__"].append(utils_name)
    front_end = FRONT_END_CLASSES[record["front_end"]]
    namespace.update(front_end)
    namespace["__all__"] += list(front_end)
