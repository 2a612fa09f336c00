"""ctypes access to the IR functions of libcelesta (``celesta_ir_*``) and the value
conversions between Python objects and the library's IR JSON (``celesta.ir/1``)."""

from __future__ import annotations

import base64
import ctypes
import gc
import itertools
import json
import operator
import os
import threading

import numpy as np

from ._errors import error_from_status

_HERE = os.path.dirname(os.path.abspath(__file__))
_lib = ctypes.CDLL(os.path.join(_HERE, "libcelesta.so.0"))


class Array(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("dtype", ctypes.c_char_p), ("data", ctypes.c_void_p),
                ("ndim", ctypes.c_size_t), ("shape", ctypes.POINTER(ctypes.c_int64))]


_P = ctypes.c_void_p
_SZ = ctypes.c_size_t
_STR = ctypes.c_char_p
for _name, _args in {
    "celesta_ir_graph_create": [ctypes.POINTER(_P)],
    "celesta_ir_graph_from_json": [ctypes.POINTER(_P), _STR, _SZ, ctypes.POINTER(Array), _SZ, ctypes.c_int],
    "celesta_ir_graph_to_json": [_STR, _SZ, ctypes.POINTER(_SZ), _P, ctypes.c_int],
    "celesta_ir_graph_array": [ctypes.POINTER(Array), _P, _SZ],
    "celesta_ir_graph_arrays": [_P, _SZ, ctypes.POINTER(_SZ), _P],
    "celesta_ir_graph_arrays_copy": [_P, _SZ, _P, _P, _SZ],
    "celesta_ir_graph_validate": [_P],
    "celesta_ir_graph_node_count": [ctypes.POINTER(_SZ), _P],
    "celesta_ir_graph_orders_json": [_STR, _SZ, ctypes.POINTER(_SZ), _P],
    "celesta_ir_node_check": [_STR, _SZ, ctypes.POINTER(_SZ), _STR, _SZ, ctypes.POINTER(Array), _SZ, ctypes.c_int],
    "celesta_ir_primitives_json": [_STR, _SZ, ctypes.POINTER(_SZ)],
    "celesta_ir_read": [ctypes.POINTER(_P), _STR, ctypes.c_int, ctypes.c_int],
    "celesta_ir_write": [_STR, _P, ctypes.c_int, ctypes.c_int],
    "celesta_ir_read_version": [_STR, _SZ, ctypes.POINTER(_SZ), _STR],
    "celesta_xylo_network_from_ir": [ctypes.POINTER(_P), _P, ctypes.c_double],
    "celesta_ir_primitive_register": [_STR, _SZ],
    "celesta_ir_graph_copy": [ctypes.POINTER(_P), _P],
}.items():
    getattr(_lib, _name).argtypes = _args
    getattr(_lib, _name).restype = ctypes.c_int
_lib.celesta_ir_graph_free.argtypes = [_P]
_lib.celesta_ir_graph_free.restype = None
_lib.celesta_last_error.restype = ctypes.c_char_p

TALON_COMPATIBLE = 1
ARRAY_REFS = 2
UNCOMPRESSED = 4
FORMATS = {"auto": 0, "t1c": 1, "nir": 2, "json": 3}


def check(status: int) -> None:
    if status != 0:
        message = (_lib.celesta_last_error() or b"").decode("utf-8", "replace")
        # The library prefixes its messages with the status name; Python shows the text.
        if message.startswith("CELESTA_") and ": " in message:
            message = message.split(": ", 1)[1]
        raise error_from_status(status, message)


def text_out(fn, *args, guess: int = 0) -> str:
    """Calls a size-query function: first for the size, then into a buffer of that size. With
    `guess`, first straight into a buffer of that many bytes (one call when it is enough: for
    the calls whose text is costly to make)."""
    need = _SZ(0)
    if guess > 0:
        buf = ctypes.create_string_buffer(guess)
        status = fn(buf, guess, ctypes.byref(need), *args)
        if status == 0:
            return buf.value.decode("utf-8")
        if need.value <= guess:
            check(status)
    else:
        check(fn(None, 0, ctypes.byref(need), *args))
    buf = ctypes.create_string_buffer(need.value)
    check(fn(buf, need.value, ctypes.byref(need), *args))
    return buf.value.decode("utf-8")


class no_gc:
    """Pauses Python's cyclic garbage collector around the bulk conversion of a large graph
    (tens of thousands of new containers, none of them cyclic, would run it many times)."""

    def __enter__(self):
        self.was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was:
            gc.enable()


# --- talon_compatible: one switch for a call or a block --------------------------------------

_state = threading.local()


def compatible_default() -> bool:
    return getattr(_state, "talon", 0) > 0


def enter_compatible() -> None:
    _state.talon = getattr(_state, "talon", 0) + 1


def exit_compatible() -> None:
    _state.talon = getattr(_state, "talon", 0) - 1


def flags_for(talon_compatible: bool | None) -> int:
    on = compatible_default() if talon_compatible is None else bool(talon_compatible)
    return TALON_COMPATIBLE if on else 0


# --- Python values <-> IR JSON ---------------------------------------------------------------

class Encoder:
    """Turns Python values into JSON-able structures, collecting numpy arrays."""

    def __init__(self):
        self.arrays: list[np.ndarray] = []
        self._keep: list = []

    def value(self, v):
        if type(v) is np.ndarray:
            self.arrays.append(v)
            return {"$array": len(self.arrays) - 1}
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (np.bool_,)):
            return bool(v)
        if isinstance(v, (int, np.integer)):
            return int(v)
        if isinstance(v, (float, np.floating)):
            f = float(v)
            if f != f:
                return {"$float": "nan"}
            if f in (float("inf"), float("-inf")):
                return {"$float": "inf" if f > 0 else "-inf"}
            return f
        if isinstance(v, np.ndarray):
            self.arrays.append(v)
            return {"$array": len(self.arrays) - 1}
        if isinstance(v, tuple):
            return {"$tuple": [self.value(x) for x in v]}
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, dict):
            return {str(k): self.value(x) for k, x in v.items()}
        from .ir import Graph  # a nested graph (NIR's NIRGraph)
        if isinstance(v, Graph):
            return {"$graph": v._json(self)}
        raise TypeError(f"cannot store a value of type {type(v).__name__} in the IR")

    def c_arrays(self):
        """The arrays as a C table of celesta_ir_array_t: the elements of every array copied
        into one buffer and the table filled column by column (per-array ctypes or numpy calls
        were most of the cost of handing over a graph of thousands of small arrays)."""
        n = len(self.arrays)
        if n == 0:
            return (Array * 1)(), 0
        arrays = self.arrays
        dtypes = list(map(_DTYPE, arrays))
        kinds = set(dtypes)
        data = None
        if not any(d.byteorder == ">" or d.hasobject for d in kinds):
            try:  # the bytes of C-contiguous arrays through the buffer protocol, in one pass
                data = b"".join(arrays)
            except (BufferError, ValueError, TypeError):  # a non-contiguous array
                pass
        if data is None:  # little-endian, C order, one by one
            arrays = [a.astype(a.dtype.newbyteorder("<")) if a.dtype.byteorder == ">" else a for a in arrays]
            dtypes = list(map(_DTYPE, arrays))
            kinds = set(dtypes)
            # (An object array's elements are not bytes: the library refuses its dtype by name.)
            data = b"".join(np.ascontiguousarray(a) if not a.dtype.hasobject else b"" for a in arrays)
        shapes = list(map(_SHAPE, arrays))
        ndims = np.fromiter(map(len, shapes), np.int64, n)
        flat = np.fromiter(itertools.chain.from_iterable(shapes), np.int64, int(ndims.sum()))
        starts = np.cumsum(ndims) - ndims
        counts = np.ones(n, np.int64)
        if flat.size:
            counts[ndims > 0] = np.multiply.reduceat(flat, starts[ndims > 0])
        if len(kinds) == 1:
            kind = dtypes[0]
            itemsizes = 0 if kind.hasobject else kind.itemsize
            names = _dtype_name(kind)
        else:
            index = {d: i for i, d in enumerate(kinds)}
            which = np.fromiter(map(index.__getitem__, dtypes), np.int64, n)
            itemsizes = np.array([0 if d.hasobject else d.itemsize for d in index], np.int64)[which]
            names = np.array([_dtype_name(d) for d in index], np.uint64)[which]
        nbytes = counts * itemsizes
        if len(data) != int(nbytes.sum()):
            raise ValueError("celesta: the arrays' bytes do not add up to their shapes")
        data = np.frombuffer(data or b"\0", np.uint8)
        flat = np.concatenate([flat, np.zeros(1, np.int64)])
        table = np.zeros(n, _ARRAY_TABLE)
        table["struct_size"] = ctypes.sizeof(Array)
        table["dtype"] = names
        table["data"] = np.where(nbytes > 0, data.ctypes.data + np.cumsum(nbytes) - nbytes, 0)
        table["ndim"] = ndims
        table["shape"] = np.where(ndims > 0, flat.ctypes.data + 8 * starts, 0)
        self._keep += [data, flat, table]
        return ctypes.cast(table.ctypes.data, ctypes.POINTER(Array)), n


_DTYPE = operator.attrgetter("dtype")
_SHAPE = operator.attrgetter("shape")


# celesta_ir_array_t as a numpy record, for filling a table of them at once.
_ARRAY_TABLE = np.dtype({"names": ["struct_size", "dtype", "data", "ndim", "shape"],
                         "formats": [np.uint32, np.uint64, np.uint64, np.uint64, np.uint64],
                         "offsets": [Array.struct_size.offset, Array.dtype.offset, Array.data.offset,
                                     Array.ndim.offset, Array.shape.offset],
                         "itemsize": ctypes.sizeof(Array)})
# numpy dtype -> the address of its name as a C string (kept alive here).
_DTYPE_NAMES: dict = {}


# The address of a dtype name the library hands out (static strings) -> its numpy dtype
# (little-endian, as the library stores the elements).
_DTYPES_OF: dict = {}


def _dtype_of(address: int):
    dtype = _DTYPES_OF.get(address)
    if dtype is None:
        dtype = _DTYPES_OF[address] = np.dtype(ctypes.string_at(address).decode()).newbyteorder("<")
    return dtype


def _dtype_name(dtype) -> int:
    entry = _DTYPE_NAMES.get(dtype)
    if entry is None:
        text = ctypes.c_char_p(dtype.name.encode())
        entry = _DTYPE_NAMES[dtype] = (text, ctypes.cast(text, ctypes.c_void_p).value)
    return entry[1]


def decode(v, arrays):
    """The Python value of an IR JSON value (arrays by reference or inline)."""
    if isinstance(v, list):
        return [decode(x, arrays) for x in v]
    if isinstance(v, dict):
        if len(v) == 1:
            (key, x), = v.items()
            if key == "$array":
                return arrays[x]
            if key == "$tuple":
                return tuple(decode(i, arrays) for i in x)
            if key == "$float":
                return float(x)
            if key == "$tensor":
                return np.frombuffer(base64.b64decode(x["b64"]), dtype=np.dtype(x["dtype"]).newbyteorder("<")).reshape(x["shape"]).copy()
            if key == "$graph":
                from .ir import Graph
                return Graph._from_json(x, arrays)
        return {k: decode(x, arrays) for k, x in v.items()}
    return v


class Handle:
    """An owned ``celesta_ir_graph_t *``."""

    def __init__(self, ptr: int):
        self.ptr = ptr

    def __del__(self):
        if getattr(self, "ptr", None):
            _lib.celesta_ir_graph_free(self.ptr)
            self.ptr = None

    @classmethod
    def from_json(cls, doc: dict, enc: Encoder, flags: int) -> "Handle":
        text = json.dumps(doc).encode()
        arrays, n = enc.c_arrays()
        out = _P()
        check(_lib.celesta_ir_graph_from_json(ctypes.byref(out), text, len(text), arrays, n, flags))
        return cls(out.value)

    @classmethod
    def from_text(cls, text: bytes, enc: Encoder, flags: int) -> "Handle":
        arrays, n = enc.c_arrays()
        out = _P()
        check(_lib.celesta_ir_graph_from_json(ctypes.byref(out), text, len(text), arrays, n, flags))
        return cls(out.value)

    @classmethod
    def read(cls, path: str, fmt: str, flags: int) -> "Handle":
        out = _P()
        check(_lib.celesta_ir_read(ctypes.byref(out), os.fsencode(path), FORMATS[fmt], flags))
        return cls(out.value)

    def to_json(self):
        """The graph's JSON document and its arrays (copied into numpy)."""
        # The text is made once when the guess (about 100 bytes a node) is large enough.
        count = _SZ(0)
        check(_lib.celesta_ir_graph_node_count(ctypes.byref(count), self.ptr))
        doc = json.loads(text_out(_lib.celesta_ir_graph_to_json, self.ptr, ARRAY_REFS, guess=4096 + 256 * count.value))
        return doc, self._exported_arrays()

    def _exported_arrays(self) -> list:
        """The arrays of the last export, copied out of the library with two calls: its table
        of them (celesta_ir_graph_arrays) tells their dtypes and shapes; arrays of one dtype and
        shape are then laid out one after another in one numpy block, which
        celesta_ir_graph_arrays_copy fills, and each array is a row of its block. The rows own
        no memory of their own but keep their block alive; no two share elements, and none
        points into the library."""
        n = _SZ(0)
        check(_lib.celesta_ir_graph_arrays(None, 0, ctypes.byref(n), self.ptr))
        n = n.value
        if n == 0:
            return []
        table = np.zeros(n, _ARRAY_TABLE)
        table["struct_size"] = ctypes.sizeof(Array)
        check(_lib.celesta_ir_graph_arrays(table.ctypes.data, n, ctypes.byref(_SZ()), self.ptr))
        ndim = table["ndim"].astype(np.int64)
        starts = np.cumsum(ndim) - ndim
        total = int(ndim.sum())
        # The shapes lie one after another in one block, from the first array that has one.
        if total:
            first = int(table["shape"][np.flatnonzero(ndim)[0]])
            dims = np.frombuffer((ctypes.c_int64 * total).from_address(first), np.int64).copy()
        else:
            dims = np.zeros(0, np.int64)
        names, kind = np.unique(table["dtype"], return_inverse=True)
        kind = kind.reshape(-1)
        dtypes = [_dtype_of(int(p)) for p in names]
        counts = np.ones(n, np.int64)
        shaped = ndim > 0
        if total:
            counts[shaped] = np.multiply.reduceat(dims, starts[shaped])
        nbytes = counts * np.array([d.itemsize for d in dtypes], np.int64)[kind]
        # Group by (dtype, shape): one row of `keys` per array, -1 past its dimensions.
        width = int(ndim.max())
        keys = np.full((n, 2 + width), -1, np.int64)
        keys[:, 0] = kind
        keys[:, 1] = ndim
        if total:
            keys[np.repeat(np.arange(n), ndim), 2 + np.arange(total) - np.repeat(starts, ndim)] = dims
        order = np.lexsort(keys.T[::-1])  # stable: a group's arrays stay in index order
        ranked = keys[order]
        starts_group = np.ones(n, bool)
        starts_group[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
        first_of = np.flatnonzero(starts_group)  # each group's first position in `order`
        groups = ranked[first_of]
        sorted_group = np.cumsum(starts_group) - 1
        sizes = np.diff(np.append(first_of, n))
        size_of = nbytes[order[first_of]]  # bytes of one array of each group
        block = (sizes * size_of + 63) // 64 * 64  # groups 64-byte aligned
        base_of = np.cumsum(block) - block
        offsets = np.empty(n, np.uint64)
        offsets[order] = base_of[sorted_group] + (np.arange(n) - first_of[sorted_group]) * size_of[sorted_group]
        buf = np.empty(max(int(block.sum()), 1), np.uint8)
        check(_lib.celesta_ir_graph_arrays_copy(buf.ctypes.data, buf.size, self.ptr, offsets.ctypes.data, n))
        out = [None] * n
        for g, key in enumerate(groups.tolist()):
            dtype, nd, c = dtypes[key[0]], key[1], int(sizes[g])
            shape = tuple(key[2:2 + nd])
            start = int(base_of[g])
            rows = buf[start:start + c * int(size_of[g])].view(dtype).reshape((c,) + shape)
            if not dtype.isnative:  # stored little-endian; handed out in native order
                rows = rows.astype(dtype.newbyteorder("="))
            members = order[int(first_of[g]):int(first_of[g]) + c].tolist()
            for i, row in zip(members, list(rows) if nd else [rows[j, ...] for j in range(c)]):
                out[i] = row
        return out

    def copy(self) -> "Handle":
        """An independent copy of the graph (cheap: the copy shares the stored arrays)."""
        out = _P()
        check(_lib.celesta_ir_graph_copy(ctypes.byref(out), self.ptr))
        return Handle(out.value)

    def write(self, path: str, fmt: str, flags: int) -> None:
        check(_lib.celesta_ir_write(os.fsencode(path), self.ptr, FORMATS[fmt], flags))

    def validate(self) -> None:
        check(_lib.celesta_ir_graph_validate(self.ptr))

    def orders(self) -> dict:
        return json.loads(text_out(_lib.celesta_ir_graph_orders_json, self.ptr))


def node_check(doc: dict, enc: Encoder, flags: int) -> dict:
    text = json.dumps(doc).encode()
    arrays, n = enc.c_arrays()
    return json.loads(text_out(_lib.celesta_ir_node_check, text, len(text), arrays, n, flags))


def register_primitive(doc: dict) -> None:
    text = json.dumps(doc).encode()
    check(_lib.celesta_ir_primitive_register(text, len(text)))


def primitives() -> list:
    return json.loads(text_out(_lib.celesta_ir_primitives_json))


def network_from_ir(handle: "Handle", dt: float) -> int:
    """The address of a new ``celesta_xylo_network_t`` lowered from the graph (the caller adopts it)."""
    out = _P()
    check(_lib.celesta_xylo_network_from_ir(ctypes.byref(out), handle.ptr, dt))
    return out.value


def read_version(path: str) -> str:
    return text_out(_lib.celesta_ir_read_version, os.fsencode(path))
