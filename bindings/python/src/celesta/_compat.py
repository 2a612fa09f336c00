"""``celesta.talon_compatible()``: TALON's exact behaviour for every call inside the block."""

from __future__ import annotations

import contextlib

from . import _irlib


@contextlib.contextmanager
def talon_compatible():
    """Inside ``with celesta.talon_compatible():`` every IR call (constructors, ``read``,
    ``write``, and later the SDK, graph and backend calls) follows TALON 0.0.x exactly where
    Celesta corrects it; a call's own ``talon_compatible=`` argument still wins. Per thread."""
    _irlib.enter_compatible()
    try:
        yield
    finally:
        _irlib.exit_compatible()
