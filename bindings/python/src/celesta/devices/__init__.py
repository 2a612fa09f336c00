"""Devices Celesta deploys to. ``celesta.devices.xylo`` holds the Xylo family.

``find_xylo_hdks()`` lists the dev kits (boards on USB, and virtual kits when asked);
``virtual_hdk(chip)`` opens a virtual one.
"""

from . import xylo
from .xylo._hdk import XyloHDK, find_xylo_hdks, set_xylo_core_clock_freq, virtual_hdk

__all__ = ["xylo", "XyloHDK", "find_xylo_hdks", "virtual_hdk", "set_xylo_core_clock_freq"]
