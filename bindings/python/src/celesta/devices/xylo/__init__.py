"""The Xylo family, one module per chip, with Rockpool's names:

* ``syns61201`` (alias ``xa2``): Xylo Audio 2
* ``syns65302`` (alias ``xa3``): Xylo Audio 3
* ``syns61300`` (alias ``xylo_v1``): the Xylo v1 SNN core

Each module offers ``config_from_specification(**spec)`` and ``XyloSim``, so a notebook
written for ``rockpool.devices.xylo.syns61201`` needs only its import changed.

``find_xylo_hdks()`` lists the dev kits (as Rockpool's ``rockpool.devices.xylo.find_xylo_hdks``);
with no board plugged in, ``add_virtual_hdks("xa2")`` (or ``CELESTA_VIRTUAL_HDKS=xa2``) makes
it list the virtual kit, so a notebook written for a board runs unchanged.
"""

import sys

from . import syns61201, syns61300, syns65302
from ._core import XyloConfiguration, XyloSimBase
from ._hdk import XyloHDK, add_virtual_hdks, find_xylo_hdks, register_xylo_usb_id, set_xylo_core_clock_freq, virtual_hdk

xa2 = syns61201
xa3 = syns65302
xylo_v1 = syns61300
for _alias, _module in (("xa2", syns61201), ("xa3", syns65302), ("xylo_v1", syns61300)):
    sys.modules[f"{__name__}.{_alias}"] = _module
del _alias, _module

__all__ = ["syns61201", "syns65302", "syns61300", "xa2", "xa3", "xylo_v1", "XyloConfiguration", "XyloSimBase",
           "XyloHDK", "find_xylo_hdks", "add_virtual_hdks", "virtual_hdk", "register_xylo_usb_id",
           "set_xylo_core_clock_freq"]
