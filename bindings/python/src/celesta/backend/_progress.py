"""Progress reports, cancellation and Ctrl-C for the library's long backend calls
(``celesta_backend_*_progress``), through ctypes.

The library calls the callback on the calling thread about every 20 ms of simulation and once
at the end, with (steps done, steps in all). A callable given as ``progress`` is called with
them; returning ``False`` cancels the run (``celesta.CancelledError``), and an exception it
raises cancels the run and is raised from the call. On the main thread Ctrl-C cancels the run
at its next report and raises ``KeyboardInterrupt`` once the library has returned: during the
call SIGINT only sets a flag (Python would otherwise raise it at the entry of the callback,
where ctypes cannot pass it on). A cancelled call returns nothing and changes nothing (no
partial result)."""

from __future__ import annotations

import ctypes
import signal
import threading

from .._irlib import check

PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t)


class Progress:
    """The C callback of one call over ``fn`` (None: Ctrl-C checks only); a context manager
    around the call that holds SIGINT as a flag."""

    def __init__(self, fn):
        if fn is not None and not callable(fn):
            raise TypeError("progress must be a callable progress(done, total) or None")
        self.fn = fn
        self.error: BaseException | None = None
        self.interrupted = False
        self._previous = None
        self.c = PROGRESS_FN(self._report)

    def _on_sigint(self, signum, frame):
        self.interrupted = True

    def __enter__(self):
        # Only Python's own Ctrl-C handling is replaced (a handler the program set stays).
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        return False

    def _report(self, _user, done, total):
        try:
            if self.interrupted:
                return 1
            if self.fn is not None and self.fn(int(done), int(total)) is False:
                return 1
            return 0
        except BaseException as e:  # noqa: BLE001 - kept and raised once the call returns
            self.error = e
            return 1

    def check(self, status: int) -> None:
        """Raises what stopped the call: Ctrl-C or the callback's exception first (also one
        raised at the last report, which the library does not stop at), else the status's
        error (``CancelledError`` when the callback returned False)."""
        if self.interrupted:
            self.interrupted = False
            raise KeyboardInterrupt
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        check(status)
