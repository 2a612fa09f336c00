"""the Xylo v1 SNN core (`syns61300`), with Rockpool's names: ``mapper``, ``config_from_specification``, ``XyloSim``."""

from ._bind import bind_chip

bind_chip(globals(), "syns61300")
