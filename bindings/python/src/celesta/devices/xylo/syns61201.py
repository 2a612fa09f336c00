"""Xylo Audio 2 (`syns61201`), with Rockpool's names: ``mapper``, ``config_from_specification``,
``XyloSim``, and ``AFESim`` (a model of the analog audio front end)."""

from ._bind import bind_chip

bind_chip(globals(), "syns61201")
