"""Xylo Audio 2 (`syns61201`), with Rockpool's names: ``mapper``, ``config_from_specification``, ``XyloSim``."""

from ._core import bind_chip

bind_chip(globals(), "syns61201")
