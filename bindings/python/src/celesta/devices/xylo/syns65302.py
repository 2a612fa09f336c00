"""Xylo Audio 3 (`syns65302`), with Rockpool's names: ``mapper``, ``config_from_specification``,
``XyloSim``, and the audio front end ``AFESimExternal`` / ``AFESimPDM``."""

from ._bind import bind_chip

bind_chip(globals(), "syns65302")
