"""Xylo v1 (`syns61300`), with Rockpool's names: ``config_from_specification``, ``XyloSim``."""

from functools import partial as _partial

from . import _core

CHIP = "syns61300"

config_from_specification = _partial(_core.config_from_specification, CHIP)
config_from_specification.__doc__ = _core.config_from_specification.__doc__


class XyloSim(_core.XyloSimBase):
    __doc__ = _core.XyloSimBase.__doc__
    chip = CHIP


__all__ = ["CHIP", "config_from_specification", "XyloSim"]
