"""Progress reports, cancellation and Ctrl-C for the library's long backend calls
(``celesta_backend_*_progress``), through ctypes.

The library calls the callback on the calling thread about every 20 ms of simulation and once
at the end, with (steps done, steps in all). A callable given as ``progress`` is called with
them; returning ``False`` cancels the run (``celesta.CancelledError``), and an exception it
raises cancels the run and is raised from the call. On the main thread every report also
checks for Ctrl-C: a pending ``KeyboardInterrupt`` cancels the run and is raised once the
library has returned. A cancelled call returns nothing and changes nothing (no partial
result)."""

from __future__ import annotations

import ctypes

from .._irlib import check

PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t)

_check_signals = ctypes.pythonapi.PyErr_CheckSignals
_check_signals.argtypes = []
_check_signals.restype = ctypes.c_int


class Progress:
    """The C callback of one call over ``fn`` (None: Ctrl-C checks only)."""

    def __init__(self, fn):
        if fn is not None and not callable(fn):
            raise TypeError("progress must be a callable progress(done, total) or None")
        self.fn = fn
        self.error: BaseException | None = None
        self.c = PROGRESS_FN(self._report)

    def _report(self, _user, done, total):
        try:
            _check_signals()  # raises a pending KeyboardInterrupt (main thread only)
            if self.fn is not None and self.fn(int(done), int(total)) is False:
                return 1
            return 0
        except BaseException as e:  # noqa: BLE001 - kept and raised once the call returns
            self.error = e
            return 1

    def check(self, status: int) -> None:
        """Raises what stopped the call: the callback's exception or Ctrl-C first (also one
        raised at the last report, which the library does not stop at), else the status's
        error (``CancelledError`` when the callback returned False)."""
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        check(status)
