"""The network IR with TALON's names: ``from talon import ir`` becomes ``from celesta import ir``.

Every primitive is a class made from the library's descriptor (``celesta_ir_primitives_json``):
its constructor takes the primitive's fields (positionally in TALON's order, or by keyword,
plus ``input_type`` / ``output_type``), and the library checks them with TALON's messages
(``ValueError``), fills defaults and infers the port shapes. Celesta infers the spatial output
of convolutions and pooling from a known input shape where TALON does not; pass
``talon_compatible=True`` (or use ``with celesta.talon_compatible():``) for TALON's exact
behaviour.

``read`` / ``write`` handle TALON's ``.t1c`` files (and NIR or IR JSON by extension) through
libhdf5 in the library; Celesta's ``.t1c`` files keep the port shapes and node order that
TALON's lose, where TALON does not look.
"""

from __future__ import annotations

import json
import operator
import sys
import weakref

import numpy as np

from . import _irlib
from ._celesta import snapshot as _snap, snapshot_equal as _snap_equal, snapshot_watch as _snap_watch, watch_check as _watch_check
from ._celesta import watch_usable as _watch_usable
from ._errors import ParseError

__all__ = ["Graph", "Node", "Edge", "read", "write", "read_version", "list_primitives", "str_to_node", "register_node",
           "TALONFormatError"]


class TALONFormatError(ParseError):
    """A ``.t1c`` (or other IR) file is truncated, corrupt or not of the format."""


_MISSING = object()
_PRIMITIVES: dict[str, type] = {}


def _ports(value, key):
    """A port-shape argument (an array or ``{"input": array}``) as JSON."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): [int(d) for d in np.asarray(v).reshape(-1).tolist()] for k, v in value.items()}
    return {key: [int(d) for d in np.asarray(value).reshape(-1).tolist()]}


def _ports_text(value, key):
    """``_dumps(_ports(value, key))``. A single port of int64 dimensions (what every node holds)
    costs a lookup: its text is kept by its bytes (``_ports`` flattens, so the shape does not
    matter)."""
    if type(value) is dict and len(value) == 1:
        (k, v), = value.items()
        if type(v) is np.ndarray and v.dtype is _INT64 and type(k) is str:
            known = (k, v.tobytes())
            text = _PORT_TEXT.get(known)
            if text is None:
                if len(_PORT_TEXT) >= 4096:
                    _PORT_TEXT.clear()
                text = _PORT_TEXT[known] = _dumps(_ports(value, key))
            return text
    return _dumps(_ports(value, key))


_INT64 = np.dtype(np.int64)
_PORT_TEXT: dict = {}
_dumps = json.dumps
_quote = json.encoder.encode_basestring_ascii  # json.dumps of a str


class _ClassText:
    """What writing a node of one class as JSON text needs, made once per class: its field
    names, getters of all their values at once, the JSON of its type name and of each key, and
    per combination of unset fields and arrays, the text with the array indices left open."""

    __slots__ = ("names", "get", "direct", "head", "keys", "forms")

    def __init__(self, cls):
        self.names = names = cls._field_names
        if len(names) > 1:
            self.get = operator.attrgetter(*names)
        elif names:
            self.get = lambda node, _n=names[0]: (getattr(node, _n),)
        else:
            self.get = lambda node: ()
        # The fields and port types straight from the instance __dict__ (a KeyError when one is
        # not there), where that is what getattr gives: no data descriptor of the class takes
        # one of their names, and attribute lookup is object's.
        self.direct = None
        if _class_read(cls).plain and cls.__getattribute__ is object.__getattribute__:
            self.direct = operator.itemgetter(*names, "input_type", "output_type")
        self.head = ", \"type\": " + _dumps(cls.__name__) + ", \"fields\": {"
        self.keys = tuple(_dumps(k) + ": " for k in names)
        self.forms: dict = {}

    def form(self, kinds):
        """For the value types `kinds` (one per field, maybe followed by more that are not
        looked at): (a function of the name's JSON, the list of index texts, the first array's
        index and the two port types' JSON that gives the node's text; a getter of the arrays),
        or None when a field holds neither None nor an array."""
        fields = kinds[:len(self.names)]
        if not all(k is _NONE or k is np.ndarray for k in fields):
            return None
        where = [i for i, k in enumerate(fields) if k is np.ndarray]
        # The text between the values, and a function that joins them with the values: made
        # once per form as the source of one join (a few times cheaper than str % per node).
        texts = ['{"name": ']
        before = self.head
        for i in where:
            texts.append(before + self.keys[i] + '{"$array": ')
            before = "}, "
        texts += [("}" if where else self.head) + '}, "input_type": ', ', "output_type": ', "}"]
        values = ["name"] + [f"ix[k + {j}]" for j in range(len(where))] + ["pin", "pout"]
        joined = ", ".join(f"T[{j}], {v}" for j, v in enumerate(values)) + f", T[{len(values)}]"
        scope = {"T": tuple(texts)}
        exec(f"def render(name, ix, k, pin, pout):\n    return ''.join(({joined}))", scope)
        if len(where) > 1:
            pick = operator.itemgetter(*where)
        elif where:
            pick = lambda values, _i=where[0]: (values[_i],)
        else:
            pick = lambda values: ()
        if len(self.forms) >= 256:
            self.forms.clear()
        self.forms[kinds] = (scope["render"], pick)
        return self.forms[kinds]


def _index_texts(end: int):
    """``str(k)`` at [k] for every k < end: a list kept for the array indices of the JSON text
    (up to _INDEX_LIMIT of them; a larger graph gets them made one by one)."""
    if len(_INDEX_TEXT) < end:
        if end > _INDEX_LIMIT:
            return _ANY_INDEX
        _INDEX_TEXT.extend(map(str, range(len(_INDEX_TEXT), min(max(end, 2 * len(_INDEX_TEXT)), _INDEX_LIMIT))))
    return _INDEX_TEXT


class _IndexText:
    def __getitem__(self, k):
        return str(k)


_ANY_INDEX = _IndexText()
_INDEX_LIMIT = 1 << 16
_INDEX_TEXT: list = []
_NONE = type(None)
_CLASS_TEXT: dict = {}


def _class_text(cls) -> _ClassText:
    info = _CLASS_TEXT.get(cls)
    if info is None or info.names is not cls._field_names:  # register_node() sets new names
        info = _CLASS_TEXT[cls] = _ClassText(cls)
    return info


# Port shapes -> an int64 array of them, copied for each node (np.asarray of a short list costs
# a few times more than a copy).
_PORT_ARRAYS: dict = {}


def _ports_py(doc):
    if doc is None:
        return None
    out = {}
    for k, v in doc.items():
        template = None
        if type(v) is list:
            try:
                template = _PORT_ARRAYS.get(tuple(v))
            except TypeError:  # nested lists
                pass
        if template is None:
            out[k] = np.asarray(v, dtype=np.int64)
            if type(v) is list and len(_PORT_ARRAYS) < 256 and all(type(d) is int for d in v):
                _PORT_ARRAYS[tuple(v)] = out[k].copy()
        else:
            out[k] = template.copy()
    return out


def _fill_ports(waiting: dict) -> None:
    """``_ports_py`` for the single ports of many nodes at once: ``waiting`` maps dimensions
    (a tuple) to the (dict, port name) pairs whose value they are; each value becomes an int64
    array, the arrays of one shape made as the rows of one block (np.asarray per port cost
    most of reading a large graph)."""
    for dims, pending in waiting.items():
        one = np.asarray(list(dims), dtype=np.int64)
        rows = list(np.broadcast_to(one, (len(pending),) + one.shape).copy())
        for (out, k), row in zip(pending, rows):
            out[k] = row


_edge = tuple.__new__


class _ClassRead:
    """What setting a node's attributes needs, made once per class: every field None (the
    start of its __dict__), and whether the attributes can go straight into __dict__ (no data
    descriptor of the class takes one of their names)."""

    __slots__ = ("names", "empty", "plain")

    def __init__(self, cls):
        self.names = cls._field_names
        self.empty = dict.fromkeys(self.names)
        self.plain = True
        for name in self.names + ("input_type", "output_type"):
            for base in cls.__mro__:
                if name in base.__dict__:
                    kind = type(base.__dict__[name])
                    if hasattr(kind, "__set__") or hasattr(kind, "__delete__"):
                        self.plain = False
                    break

    def values(self, fields, arrays) -> dict:
        """The attributes of a node of a document's `fields`: every field None, then those
        given (arrays by reference taken straight, other values decoded)."""
        values = self.empty.copy()
        for k, v in fields.items():
            if type(v) is dict and len(v) == 1 and "$array" in v:
                values[k] = arrays[v["$array"]]
            else:
                values[k] = _irlib.decode(v, arrays)
        return values


_CLASS_READ: dict = {}


def _class_read(cls) -> _ClassRead:
    info = _CLASS_READ.get(cls)
    if info is None or info.names is not cls._field_names:
        info = _CLASS_READ[cls] = _ClassRead(cls)
    return info


class Node:
    """Base class of every IR primitive (see the module doc)."""

    _descriptor: dict = {}
    _field_names: tuple = ()

    def __init__(self, *args, talon_compatible: bool | None = None, **kwargs):
        names = list(self._field_names)
        is_port = self.__class__.__name__ in ("Input", "Output")
        if is_port:
            names = ["input_type" if self.__class__.__name__ == "Input" else "output_type"] + names
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}() takes at most {len(names)} positional arguments ({len(args)} given)")
        given = dict(zip(names, args))
        for k, v in kwargs.items():
            if k in given:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument '{k}'")
            if k not in self._field_names and k not in ("input_type", "output_type"):
                raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument '{k}'")
            given[k] = v
        input_type = given.pop("input_type", None)
        output_type = given.pop("output_type", None)
        self._build(given, input_type, output_type, _irlib.flags_for(talon_compatible))

    def _build(self, fields, input_type, output_type, flags):
        enc = _irlib.Encoder()
        doc = {"type": self.__class__.__name__, "fields": {k: enc.value(v) for k, v in fields.items() if v is not None},
               "input_type": _ports(input_type, "input"), "output_type": _ports(output_type, "output")}
        out = _irlib.node_check(doc, enc, flags)
        self._set(out, enc.arrays)

    def _set(self, doc, arrays):
        info = _class_read(type(self))
        values = info.values(doc["fields"], arrays)
        values["input_type"] = _ports_py(doc.get("input_type"))
        values["output_type"] = _ports_py(doc.get("output_type"))
        if info.plain:
            self.__dict__.update(values)
        else:
            for k, v in values.items():
                object.__setattr__(self, k, v)

    @classmethod
    def _from_doc(cls, doc, arrays):
        node = cls.__new__(cls)
        node._set(doc, arrays)
        return node

    def _json(self, enc, name=None):
        fields = {}
        for k in self._field_names:
            v = getattr(self, k, None)
            if v is not None:
                fields[k] = enc.value(v)
        doc = {"type": type(self).__name__, "fields": fields,
               "input_type": _ports(self.input_type, "input"), "output_type": _ports(self.output_type, "output")}
        if name is not None:
            doc["name"] = name
        return doc

    def _json_text(self, enc, name) -> str:
        """``json.dumps(self._json(enc, name))`` (the same values and arrays, in the same order),
        written straight as text: a graph of thousands of nodes goes through here, most of
        them holding arrays and None only (one text per class and such combination)."""
        info = _class_text(type(self))
        try:
            values = info.get(self)
        except AttributeError:
            values = tuple(getattr(self, k, None) for k in info.names)
        kinds = tuple(map(type, values))
        form = info.forms.get(kinds) or info.form(kinds)
        arrays = enc.arrays
        quoted = _quote(name) if type(name) is str else _dumps(name)
        if form is not None:
            render, pick = form
            found = pick(values)
            k = len(arrays)
            arrays.extend(found)
            return render(quoted, _index_texts(k + len(found)), k, _ports_text(self.input_type, "input"),
                        _ports_text(self.output_type, "output"))
        fields = []
        for key, v in zip(info.keys, values):
            if v is None:
                continue
            if type(v) is np.ndarray:
                fields.append(f'{key}{{"$array": {len(arrays)}}}')
                arrays.append(v)
            else:
                fields.append(key + _dumps(enc.value(v)))
        return ("{\"name\": " + quoted + info.head + ", ".join(fields)
                + "}, \"input_type\": " + _ports_text(self.input_type, "input")
                + ", \"output_type\": " + _ports_text(self.output_type, "output") + "}")

    def to_dict(self) -> dict:
        """TALON's ``to_dict``: ``type`` and every field that is set (port shapes left out)."""
        out = {"type": type(self).__name__}
        for k in self._field_names:
            v = getattr(self, k, None)
            if v is not None and not (isinstance(v, dict) and not v):
                out[k] = v
        if type(self).__name__ in ("Input", "Output"):
            port = self.input_type if type(self).__name__ == "Input" else self.output_type
            out["shape"] = next(iter(port.values())) if port else None
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Node":
        d = dict(d)
        kind = d.pop("type", cls.__name__)
        target = _PRIMITIVES.get(kind, cls)
        if kind in ("Input", "Output") and "shape" in d:
            d["input_type" if kind == "Input" else "output_type"] = d.pop("shape")
        return target(**d)

    def __repr__(self):
        parts = []
        for k in self._field_names:
            v = getattr(self, k, None)
            if v is None:
                continue
            parts.append(f"{k}=array(shape={v.shape}, dtype={v.dtype})" if isinstance(v, np.ndarray) else f"{k}={v!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        for k in self._field_names + ("input_type", "output_type"):
            a, b = getattr(self, k, None), getattr(other, k, None)
            if isinstance(a, dict) and isinstance(b, dict):
                if a.keys() != b.keys() or any(not np.array_equal(a[x], b[x]) for x in a):
                    return False
            elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)):
                    return False
            elif a != b:
                return False
        return True

    __hash__ = object.__hash__


def _make_class(desc: dict) -> type:
    fields = tuple(f["name"] for f in desc["fields"])
    doc = f"{desc['name']}: {desc['summary']}.\n\nFields: " + ", ".join(
        f["name"] + ("" if f["required"] else f"={f['default']!r}") for f in desc["fields"])
    return type(desc["name"], (Node,), {"_descriptor": desc, "_field_names": fields, "__doc__": doc, "__module__": __name__})


for _desc in _irlib.primitives():
    _PRIMITIVES[_desc["name"]] = _make_class(_desc)
for _name, _cls in list(_PRIMITIVES.items()):
    base = _cls._descriptor.get("base")
    if base and base in _PRIMITIVES:  # TALON's subclasses (SConv is a Conv2d): isinstance holds
        _PRIMITIVES[_name] = type(_name, (_PRIMITIVES[base],), dict(_cls.__dict__))
globals().update(_PRIMITIVES)
__all__ += sorted(_PRIMITIVES)


def list_primitives() -> list[str]:
    """The names of every primitive (TALON's and NIR 1.0.8's, then registered ones)."""
    return list(_PRIMITIVES)


def str_to_node(name: str) -> type:
    """The primitive class called ``name`` (``KeyError`` for an unknown one)."""
    try:
        return _PRIMITIVES[name]
    except KeyError:
        raise KeyError(f"Unknown node type: {name}") from None


def register_node(cls: type) -> type:
    """Registers a user primitive, TALON's way (usable as a decorator): a subclass of a built-in
    primitive (or of ``Node``) whose own fields are its class annotations; an annotation of
    ``np.ndarray`` is an array field, others hold any value; a class attribute of the same name is
    its default, else the field is required. A subclass keeps its base's checks, shape inference
    and file layout, and its files read back as this class (``read`` looks it up by name)."""
    if not (isinstance(cls, type) and issubclass(cls, Node)):
        raise TypeError("register_node() takes a subclass of celesta.ir.Node")
    base = next((b for b in cls.__mro__[1:] if b is not Node and b.__name__ in _PRIMITIVES and b is _PRIMITIVES[b.__name__]), None)
    inherited = base._field_names if base else ()
    enc = _irlib.Encoder()
    own = []
    for name, annotation in getattr(cls, "__annotations__", {}).items():
        if name in inherited or name in ("input_type", "output_type") or name.startswith("_"):
            continue
        field = {"name": name, "kind": "array" if annotation in (np.ndarray, "np.ndarray", "numpy.ndarray") else "any"}
        if name in cls.__dict__:
            field["default"] = enc.value(cls.__dict__[name])
            if enc.arrays:
                raise TypeError(f"register_node(): the default of '{name}' must not be an array")
        else:
            field["required"] = True
        own.append(field)
    doc = {"name": cls.__name__, "fields": own, "summary": (cls.__doc__ or "a registered primitive").strip().split("\n")[0]}
    if base is not None:
        doc["base"] = base.__name__
    _irlib.register_primitive(doc)
    desc = next(d for d in _irlib.primitives() if d["name"] == cls.__name__)
    cls._descriptor = desc
    cls._field_names = tuple(f["name"] for f in desc["fields"])
    for name in cls._field_names:  # the instance holds the values, not the class defaults
        if name in cls.__dict__ and not callable(cls.__dict__[name]):
            delattr(cls, name)
    _PRIMITIVES[cls.__name__] = cls
    return cls


class Edge(tuple):
    """An edge ``(source, target)`` with TALON's attribute names."""

    def __new__(cls, source: str, target: str):
        return super().__new__(cls, (source, target))

    source = property(lambda self: self[0])
    target = property(lambda self: self[1])

    def __getnewargs__(self):  # copy, deepcopy and pickle rebuild it from both names
        return (self[0], self[1])


class Graph:
    """TALON's ``Graph(nodes, edges, metadata={}, allow_cycles=False)``: ``nodes`` maps names to
    primitives, ``edges`` is a list of ``(source, target)`` names."""

    _SETTINGS = ("quantization_config", "partition_metadata", "target_hardware", "execution_schedule", "cyclic_config")

    def __init__(self, nodes: dict | None = None, edges: list | None = None, metadata: dict | None = None,
                 allow_cycles: bool = False):
        self.nodes: dict = dict(nodes or {})
        self.edges: list = [Edge(*e) for e in (edges or [])]
        self.metadata: dict = dict(metadata or {})
        self.allow_cycles: bool = bool(allow_cycles)
        for key in self._SETTINGS:
            setattr(self, key, None)

    # --- conversion to and from the library ----------------------------------------------
    def _json(self, enc):
        return {"format": "celesta.ir/1", "nodes": [n._json(enc, name) for name, n in self.nodes.items()],
                "edges": [[s, t] for s, t in self.edges], "metadata": enc.value(self.metadata),
                "allow_cycles": self.allow_cycles,
                "settings": {k: enc.value(getattr(self, k)) for k in self._SETTINGS if getattr(self, k, None) is not None}}

    def _json_text(self, enc) -> str:
        """``json.dumps(self._json(enc))``, the nodes written straight as text (Node._json_text,
        inline for the nodes of arrays and None only: the loop runs once per node of a graph of
        thousands)."""
        parts = []
        arrays = enc.arrays
        classes = {}  # node class -> its _ClassText, or None when its nodes write themselves
        quoted = {}  # node name -> its JSON, for the edges
        for name, n in self.nodes.items():
            cls = type(n)
            info = classes.get(cls, False)
            if info is False:
                info = classes[cls] = (_class_text(cls) if cls._json_text is Node._json_text and cls._json is Node._json
                                       else None)
            if info is not None and info.direct is not None and type(name) is str:
                try:
                    values = info.direct(n.__dict__)
                except KeyError:
                    values = None
                if values is not None:
                    kinds = tuple(map(type, values))
                    form = info.forms.get(kinds) or info.form(kinds)
                    if form is not None:
                        render, pick = form
                        found = pick(values)
                        k = len(arrays)
                        end = k + len(found)
                        arrays.extend(found)
                        q = quoted[name] = _quote(name)
                        parts.append(render(q, _INDEX_TEXT if len(_INDEX_TEXT) >= end else _index_texts(end), k,
                                            _ports_text(values[-2], "input"), _ports_text(values[-1], "output")))
                        continue
            if type(name) is str:
                quoted[name] = _quote(name)
            parts.append(n._json_text(enc, name))
        try:
            edges = "[" + ", ".join([f"[{quoted[s]}, {quoted[t]}]" for s, t in self.edges]) + "]"
        except (KeyError, TypeError):  # an edge to a name that is not a node's
            edges = _dumps([[s, t] for s, t in self.edges])
        # (One join: each + would copy the whole text again.)
        return "".join(['{"format": "celesta.ir/1", "nodes": [', ", ".join(parts), '], "edges": ', edges,
                        ', "metadata": ', _dumps(enc.value(self.metadata)), ', "allow_cycles": ', _dumps(self.allow_cycles),
                        ', "settings": ',
                        _dumps({k: enc.value(getattr(self, k)) for k in self._SETTINGS if getattr(self, k, None) is not None}), "}"])

    def _handle(self, flags=0):
        enc = _irlib.Encoder()
        with _irlib.no_gc():
            text = self._json_text(enc)
        return _irlib.Handle.from_text(text.encode(), enc, flags)

    def _shared_handle(self, flags=0, values=True, reads=None):
        """The library's copy of the graph for calls that only read it (never to be changed:
        calls that change a graph take a ``_handle()`` or a copy of this one). The same copy
        while the graph is unchanged: a snapshot of every value of the graph (its nodes'
        attributes, edges, metadata and settings, every byte of every array) taken in one C
        pass is compared with the one taken when the copy was made. A graph holding a value of
        another kind (or a node of a class that writes itself) gets a new copy every time.

        First, where this Python has dict version tags (CPython 3.11 and 3.12), a watch of
        the snapshot's mutable objects: every dict unchanged (its version tag: any change of a
        dict gives it a new one), every list holding the same items, every node the same
        class and __dict__, every array the same dtype, shape and data pointer, and its bytes
        those of the snapshot; then nothing can differ, and the graph is not walked.
        ``values=False`` leaves the elements of the nodes' arrays out of that check (not those
        of their port shapes), for calls whose results depend on no array element (only on
        shapes and dtypes); the full comparison, when the watch does not hold, always compares
        them. ``reads`` names what the call reads more precisely (it overrides ``values``):
        ``"values"``, ``"shapes"``, ``"lint"`` (shapes, and the elements of the arrays named in
        ``_LINT_VALUE_KEYS``) or ``"structure"`` (the nodes' names, order and classes and the
        edges, nothing a node holds: TALON's partitioning). The copy returned is then current
        in what the call reads."""
        entry = _SHARED.get(self)
        classes = _snapshot_classes()
        if entry is not None and entry[0] == flags and entry[3] is classes:
            scope = _SCOPES[reads] if reads is not None else (1 if values else 0)
            if entry[4] is not None:
                if scope == 2:  # (the structure: also the very nodes dict and edges list)
                    d = self.__dict__
                    if d.get("nodes") is entry[5][0] and d.get("edges") is entry[5][1] and _watch_check(entry[4], 2):
                        return entry[2]
                elif _watch_check(entry[4], scope):
                    return entry[2]
            # (Compared in place with the kept snapshot, made with the same classes: no new one
            # is made while they agree; the watch is taken again.)
            if _snapshot_equal(self, entry[1]):
                if _WATCH:
                    taken = _snapshot_watch(self)
                    if taken is not None:
                        _SHARED[self] = (flags, taken[0], entry[2], classes, taken[1], taken[2])
                return entry[2]
        taken = _snapshot_watch(self) if _WATCH else (_snapshot(self), None, None)
        handle = self._handle(flags)
        if taken is not None and taken[0] is not None:
            _SHARED[self] = (flags, taken[0], handle, classes, taken[1], taken[2])
        else:
            _SHARED.pop(self, None)
        return handle

    @classmethod
    def _from_json(cls, doc, arrays):
        g = cls()
        nodes = g.nodes
        kinds = {}  # type name -> (class, _ClassRead) when its nodes can be made here, else None
        waiting = {}  # single ports: dimensions -> the dicts to hold them (_fill_ports)
        for n in doc["nodes"]:
            t = n["type"]
            kind = kinds.get(t, False)
            if kind is False:
                klass = _PRIMITIVES.get(t)
                info = _class_read(klass) if klass is not None else None
                # Node's own _from_doc and _set, attributes straight into __dict__: made here,
                # as they would make it (a new object, its __dict__ is the attributes).
                fast = (klass is not None and info.plain and klass._set is Node._set
                        and getattr(klass._from_doc, "__func__", None) is Node._from_doc.__func__)
                kind = kinds[t] = (klass, info) if fast else None
            if kind is None:
                klass = _PRIMITIVES.get(t) or type(t, (Node,), {"_field_names": tuple(n["fields"])})
                nodes[n["name"]] = klass._from_doc(n, arrays)
                continue
            klass, info = kind
            values = info.values(n["fields"], arrays)
            # A single port of a plain list of dimensions waits for the batch, in a new dict
            # (one that only ever holds an array is not tracked by the garbage collector, as the
            # document's is), inline: this loop runs once per node of a graph of thousands.
            for key in ("input_type", "output_type"):
                p = n.get(key)
                if p is None:
                    values[key] = None
                    continue
                if len(p) == 1:
                    (k, v), = p.items()
                    if type(v) is list:
                        out = values[key] = {}
                        try:
                            waiting[tuple(v)].append((out, k))
                            continue
                        except KeyError:
                            waiting[tuple(v)] = [(out, k)]
                            continue
                        except TypeError:  # nested lists
                            pass
                values[key] = _ports_py(p)
            node = klass.__new__(klass)
            node.__dict__ = values
            nodes[n["name"]] = node
        _fill_ports(waiting)
        g.edges = [_edge(Edge, (s, t)) for s, t in doc["edges"]]
        g.metadata = _irlib.decode(doc.get("metadata") or {}, arrays)
        g.allow_cycles = bool(doc.get("allow_cycles"))
        for k, v in (doc.get("settings") or {}).items():
            setattr(g, k, _irlib.decode(v, arrays))
        return g

    @classmethod
    def _from_handle(cls, handle):
        with _irlib.no_gc():
            doc, arrays = handle.to_json()
            return cls._from_json(doc, arrays)

    # --- TALON's graph API ------------------------------------------------------------------
    def validate(self) -> None:
        """TALON's checks, in TALON's order, with TALON's messages (``ValueError``)."""
        self._handle().validate()

    @property
    def inputs(self) -> list:
        return [n for n, v in self.nodes.items() if isinstance(v, _PRIMITIVES["Input"])]

    @property
    def outputs(self) -> list:
        return [n for n, v in self.nodes.items() if isinstance(v, _PRIMITIVES["Output"])]

    @property
    def input_type(self) -> dict:
        return {n: next(iter(self.nodes[n].output_type.values())) for n in self.inputs if self.nodes[n].output_type}

    @property
    def output_type(self) -> dict:
        return {n: next(iter(self.nodes[n].input_type.values())) for n in self.outputs if self.nodes[n].input_type}

    def _orders(self):
        return self._handle().orders()

    @property
    def is_dag(self) -> bool:
        return self._orders()["is_dag"]

    def predecessors(self, name: str) -> list:
        return [s for s, t in self.edges if t == name and s in self.nodes]

    def successors(self, name: str) -> list:
        return [t for s, t in self.edges if s == name and t in self.nodes]

    def find_cycles(self) -> list:
        return self._orders()["cycles"]

    def get_strongly_connected_components(self) -> list:
        """The components in rustworkx's order (sinks first)."""
        return self._orders()["strongly_connected_components"]

    def topological_order(self) -> list | None:
        return self._orders()["topological_order"]

    def get_stage(self) -> str:
        return self._orders()["stage"]

    def set_partition(self, assignments: dict) -> None:
        for name, core in assignments.items():
            self.nodes[name].core_id = int(core)

    def get_partition(self, core: int) -> list:
        return [n for n, v in self.nodes.items() if getattr(v, "core_id", None) == core]

    def to_dict(self) -> dict:
        out = {"type": "Graph", "nodes": {n: v.to_dict() for n, v in self.nodes.items()},
               "edges": {"src": [s for s, _ in self.edges], "dst": [t for _, t in self.edges]}}
        if self.metadata:
            out["metadata"] = self.metadata
        if self.allow_cycles:
            out["allow_cycles"] = True
        for k in self._SETTINGS:
            if getattr(self, k, None):
                out[k] = getattr(self, k)
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Graph":
        nodes = {n: Node.from_dict(v) for n, v in d.get("nodes", {}).items()}
        e = d.get("edges", [])
        edges = list(zip(e.get("src", []), e.get("dst", []))) if isinstance(e, dict) else [tuple(x) for x in e]
        g = cls(nodes, edges, d.get("metadata") or {}, bool(d.get("allow_cycles", False)))
        for k in cls._SETTINGS:
            if k in d:
                setattr(g, k, d[k])
        return g

    def __repr__(self):
        return f"Graph({len(self.nodes)} nodes, {len(self.edges)} edges)"


# Graph -> (flags, snapshot, Handle, the classes of the snapshot, its watch or None, (nodes, edges) watched) of
# _shared_handle (dropped with the graph; never copied with it).
_SHARED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
# The Graph attributes that its conversion reads.
_GRAPH_KEYS = ("nodes", "edges", "metadata", "allow_cycles") + Graph._SETTINGS
# numpy dtype object -> itemsize (filled by the snapshots; keeps the dtypes alive).
_ITEMSIZES: dict = {}
_SNAP_CLASSES: list = [None, None]  # [(the classes' key), {class: the attribute names it needs}]


def _snapshot_classes() -> dict:
    """{class: names} of the primitive classes whose nodes the conversion writes from their
    __dict__ alone (Node's own writing, plain attributes, object's attribute lookup)."""
    key = tuple((c, c._field_names) for c in _PRIMITIVES.values())
    if _SNAP_CLASSES[0] != key:
        out = {}
        for cls in _PRIMITIVES.values():
            if (type(cls) is type and cls._json_text is Node._json_text and cls._json is Node._json
                    and _class_text(cls).direct is not None):
                out[cls] = tuple(cls._field_names) + ("input_type", "output_type")
        _SNAP_CLASSES[:] = [key, out]
    return _SNAP_CLASSES[1]


def _graph_values(graph):
    """(the Graph attributes its conversion reads, the graph's __dict__), or None for a graph
    that cannot have a snapshot (a subclass, or an attribute missing)."""
    if type(graph) is not Graph:
        return None
    d = graph.__dict__
    try:
        return tuple([d[k] for k in _GRAPH_KEYS]), d
    except KeyError:
        return None


def _snapshot(graph):
    """The graph's snapshot (bytes), or None when it cannot have one."""
    found = _graph_values(graph)
    return None if found is None else _snap(found[0], _snapshot_classes(), np.ndarray, _ITEMSIZES)


# Watches (Graph._shared_handle) read CPython's dict version tags: on the versions known to keep
# them (PEP 509; later ones are left out until checked), with the struct layout of a plain build
# (no trace-refs build), and a check that they change.
_WATCH = (sys.implementation.name == "cpython" and sys.version_info[:2] in ((3, 11), (3, 12)) and not hasattr(sys, "getobjects")
          and _watch_usable())


# Graph._shared_handle(reads=...): the scopes of _celesta.watch_check.
_SCOPES = {"shapes": 0, "values": 1, "structure": 2, "lint": 3}
# The node attributes whose array elements lint_graph reads (Lint.swift: the LIF rules' tau and
# v_threshold, the stride rules' stride, the weight_bits rule); of every other array it reads the
# shape only. A watch compares these elements in scope "lint".
_LINT_VALUE_KEYS = ("tau", "v_threshold", "stride", "weight_bits")


def _snapshot_watch(graph):
    """(the graph's snapshot, a watch of its values, (nodes, edges)) or None when it cannot have
    one. The graph's first two values (_GRAPH_KEYS) are its structure."""
    found = _graph_values(graph)
    if found is None:
        return None
    taken = _snap_watch(found[0], _snapshot_classes(), np.ndarray, _ITEMSIZES, found[1], 2, _LINT_VALUE_KEYS)
    return None if taken is None else (taken[0], taken[1], found[0][:2])


def _snapshot_equal(graph, snap: bytes) -> bool:
    """``_snapshot(graph) == snap`` (False when the graph has none), without making it."""
    found = _graph_values(graph)
    return found is not None and _snap_equal(found[0], _snapshot_classes(), np.ndarray, _ITEMSIZES, snap) is True


def _format(path, fmt):
    if fmt is not None:
        return fmt
    p = str(path).lower()
    return "auto" if p.endswith((".t1c", ".nir", ".h5", ".hdf5", ".json")) else "t1c"


def write(path, graph: Graph, *, talon_compatible: bool | None = None, format: str | None = None) -> None:
    """Writes ``graph`` (a ``.t1c`` unless the extension says NIR or JSON), atomically.
    ``talon_compatible=True`` writes TALON's bytes only (no Celesta attributes)."""
    graph._handle().write(str(path), _format(path, format), _irlib.flags_for(talon_compatible))


def read(path, *, talon_compatible: bool | None = None, format: str | None = None) -> Graph:
    """Reads a ``.t1c`` file (or NIR/JSON by extension). A bad file raises ``TALONFormatError``."""
    try:
        handle = _irlib.Handle.read(str(path), _format(path, format), _irlib.flags_for(talon_compatible))
    except ParseError as e:
        raise TALONFormatError(str(e)) from None
    return Graph._from_handle(handle)


def read_version(path) -> str:
    """The ``version`` string of a ``.t1c`` file."""
    try:
        return _irlib.read_version(str(path))
    except ParseError as e:
        raise TALONFormatError(str(e)) from None
