"""Xylo Audio 3 (`syns65302`), with Rockpool's names: ``mapper``, ``config_from_specification``,
``XyloSim``, and the audio front end ``AFESimExternal`` / ``AFESimPDM``."""

from ._afe import bind_afe
from ._core import bind_chip

bind_chip(globals(), "syns65302")
bind_afe(globals(), "syns65302")
