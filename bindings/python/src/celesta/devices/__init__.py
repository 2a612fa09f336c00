"""Devices Celesta deploys to. ``celesta.devices.xylo`` holds the Xylo family.

``find_xylo_hdks()`` lists the dev kits (boards on USB, and virtual kits when asked);
``virtual_hdk(chip)`` opens a virtual one; ``register_xylo_usb_id(vendor_id, product_id,
chip)`` makes a board with other USB ids known.
"""

from . import xylo
from .xylo._hdk import XyloHDK, add_virtual_hdks, find_xylo_hdks, register_xylo_usb_id, set_xylo_core_clock_freq, virtual_hdk

__all__ = ["xylo", "XyloHDK", "find_xylo_hdks", "add_virtual_hdks", "virtual_hdk", "set_xylo_core_clock_freq", "register_xylo_usb_id"]
