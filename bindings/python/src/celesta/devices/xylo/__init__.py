"""The Xylo family, one module per chip, with Rockpool's names:

* ``syns61201`` (alias ``xa2``): Xylo Audio 2
* ``syns65302`` (alias ``xa3``): Xylo Audio 3
* ``syns61300`` (alias ``xylo_v1``): the Xylo v1 SNN core

Each module offers ``config_from_specification(**spec)`` and ``XyloSim``, so a notebook
written for ``rockpool.devices.xylo.syns61201`` needs only its import changed.
"""

import sys

from . import syns61201, syns61300, syns65302
from ._core import XyloConfiguration, XyloSimBase

xa2 = syns61201
xa3 = syns65302
xylo_v1 = syns61300
for _alias, _module in (("xa2", syns61201), ("xa3", syns65302), ("xylo_v1", syns61300)):
    sys.modules[f"{__name__}.{_alias}"] = _module
del _alias, _module

__all__ = ["syns61201", "syns65302", "syns61300", "xa2", "xa3", "xylo_v1", "XyloConfiguration", "XyloSimBase"]
