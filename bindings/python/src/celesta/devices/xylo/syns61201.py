"""Xylo Audio 2 (`syns61201`), with Rockpool's names: ``mapper``, ``config_from_specification``,
``XyloSim``, and ``AFESim`` (a model of the analog audio front end)."""

from ._afe import bind_afe
from ._core import bind_chip

bind_chip(globals(), "syns61201")
bind_afe(globals(), "syns61201")
