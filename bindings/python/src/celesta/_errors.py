"""The exceptions of the celesta package: one ``CelestaError`` subclass per C status code.

Each carries ``status`` (the negative code), ``status_name`` (e.g. ``CELESTA_ERR_NOT_FOUND``)
and ``message`` (the library's message, naming the offending argument and value). Where a
built-in exception means the same thing, the subclass derives from it too, so
``except ValueError`` or ``except LookupError`` keep working.
"""

from __future__ import annotations


class CelestaError(Exception):
    """An error reported by the Celesta library."""

    status: int = -17
    status_name: str = "CELESTA_ERR_INTERNAL_ERROR"

    def __init__(self, message: str = "", status: int | None = None, status_name: str | None = None):
        if status is not None:
            self.status = status
        if status_name is not None:
            self.status_name = status_name
        self.message = message
        super().__init__(message)


def _subclass(name: str, status: int, status_name: str, bases: tuple, doc: str) -> type:
    cls = type(name, (CelestaError,) + bases, {"status": status, "status_name": status_name, "__doc__": doc})
    cls.__module__ = "celesta"
    return cls


# status name -> (class name, extra built-in bases, doc). The codes are fixed by the C ABI.
_TABLE = [
    (-1, "CELESTA_ERR_NULL_POINTER", "NullPointerError", (ValueError,), "A required argument was missing (NULL)."),
    (-2, "CELESTA_ERR_INVALID_ARGUMENT", "InvalidArgumentError", (ValueError,), "An argument has a value the call does not accept."),
    (-3, "CELESTA_ERR_NOT_FOUND", "NotFoundError", (LookupError,), "The named or indexed item does not exist."),
    (-4, "CELESTA_ERR_BUFFER_TOO_SMALL", "BufferTooSmallError", (), "An output buffer was too small."),
    (-5, "CELESTA_ERR_OUT_OF_RANGE", "OutOfRangeError", (ValueError,), "A value is outside the range its field accepts."),
    (-6, "CELESTA_ERR_SHAPE_MISMATCH", "ShapeMismatchError", (ValueError,), "Array shapes do not agree."),
    (-7, "CELESTA_ERR_LIMIT_EXCEEDED", "LimitExceededError", (), "The network exceeds a hardware limit of the chip."),
    (-8, "CELESTA_ERR_UNSUPPORTED", "UnsupportedError", (), "The operation is not supported here."),
    (-9, "CELESTA_ERR_INVALID_CONFIG", "InvalidConfigError", (ValueError,), "A hardware configuration failed validation."),
    (-10, "CELESTA_ERR_IO", "CelestaIOError", (OSError,), "A file could not be read or written."),
    (-11, "CELESTA_ERR_PARSE", "ParseError", (ValueError,), "A file or string could not be parsed."),
    (-12, "CELESTA_ERR_DEVICE", "DeviceError", (), "The dev kit reported an error or was unplugged."),
    (-13, "CELESTA_ERR_TIMEOUT", "CelestaTimeoutError", (TimeoutError,), "An operation did not finish in time."),
    (-14, "CELESTA_ERR_CANCELLED", "CancelledError", (), "The operation was cancelled."),
    (-15, "CELESTA_ERR_OUT_OF_MEMORY", "CelestaMemoryError", (MemoryError,), "Memory could not be allocated."),
    (-16, "CELESTA_ERR_INVALID_STATE", "InvalidStateError", (), "The call is not valid in the object's state."),
    (-17, "CELESTA_ERR_INTERNAL_ERROR", "InternalError", (), "An internal invariant was broken; please report it."),
]

ERRORS_BY_STATUS: dict[int, type] = {}
for _status, _sname, _cname, _bases, _doc in _TABLE:
    ERRORS_BY_STATUS[_status] = _subclass(_cname, _status, _sname, _bases, _doc)
    globals()[_cname] = ERRORS_BY_STATUS[_status]
del _status, _sname, _cname, _bases, _doc

__all__ = ["CelestaError", "ERRORS_BY_STATUS", "error_from_status"] + [row[2] for row in _TABLE]


def error_from_status(status: int, message: str) -> CelestaError:
    """The exception for a failed call's status code and message (used by the extension)."""
    prefix_end = message.find(": ")
    if message.startswith("CELESTA_") and prefix_end > 0:
        message = message[prefix_end + 2:]
    cls = ERRORS_BY_STATUS.get(status)
    if cls is None:
        return CelestaError(message, status=status, status_name="CELESTA_UNKNOWN_STATUS")
    return cls(message)
