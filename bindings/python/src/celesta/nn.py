"""Float network modules with Rockpool's names, for the Xylo mappers.

    from celesta.nn import Linear, LIF, Sequential, Residual
    net = Sequential(Linear((8, 12)), LIF(12), Residual(Linear((12, 12)), LIF(12)),
                     Linear((12, 4)), LIF(4))
    graph = net.as_graph()                      # what celesta.devices.xylo.<chip>.mapper takes
    spec = celesta.devices.xylo.syns61201.mapper(graph)

The modules only hold parameters (numpy float64 arrays); they do not simulate. ``to_json()``
writes the network in the library's float-network JSON format (``{"layers": [...]}``), and
``as_graph()`` hands it to the library, which checks every shape and value (errors are
``celesta.CelestaError`` subclasses naming the layer and field).
"""

from __future__ import annotations

import json

import numpy as np

from . import _celesta
from ._buffers import address

__all__ = ["Module", "Linear", "LIF", "Sequential", "Residual", "NetworkGraph"]

_DEFAULT_SEED = 0x5EED


def _shape(shape, name: str) -> tuple:
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape), int(shape))
    try:
        shape = tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"{name}: 'shape' must be an int or (n_in, n_out), not {shape!r}") from None
    if len(shape) == 1:
        shape = (shape[0], shape[0])
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"{name}: 'shape' must be positive (n_in, n_out), got {shape}")
    return shape


def _param(value, n: int, name: str, field: str) -> np.ndarray:
    """A float64 vector of length ``n`` (scalars broadcast); copied, never aliased."""
    arr = np.array(value, dtype=np.float64).reshape(-1)
    if arr.size == 1:
        arr = np.full(n, arr[0], dtype=np.float64)
    if arr.size != n:
        raise ValueError(f"{name}: '{field}' has {arr.size} values but {n} are needed")
    if not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ValueError(f"{name}: '{field}[{bad}]' is {arr[bad]}; values must be finite")
    return arr


def _matrix(value, shape: tuple, name: str, field: str) -> np.ndarray:
    arr = np.array(value, dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"{name}: '{field}' has shape {arr.shape} but {shape} is needed")
    if not np.all(np.isfinite(arr)):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name}: '{field}{list(idx)}' is {arr[idx]}; values must be finite")
    return arr


def _values(arr: np.ndarray, arrays):
    """``arr`` for the layer JSON: its numbers, or with ``arrays`` a reference to a C-contiguous
    float64 copy appended there (kept alive by the caller until the library has read it)."""
    if arrays is None:
        return arr.tolist()
    arrays.append(np.ascontiguousarray(arr, dtype=np.float64))
    return {"$array": len(arrays) - 1}


def _random(shape: tuple, fan_in: int, seed) -> np.ndarray:
    rng = np.random.default_rng(_DEFAULT_SEED if seed is None else seed)
    bound = np.sqrt(6.0 / max(fan_in, 1))
    return rng.uniform(-bound, bound, size=shape)


class NetworkGraph:
    """A network lowered by the library (``celesta_xylo_network_t``), as returned by
    ``Module.as_graph()``. ``mapper`` functions take it; ``to_json()`` gives its source."""

    def __init__(self, module: "Module"):
        # The parameter arrays reach the library as float64 buffers referred to from the
        # layer JSON (``{"$array": k}``), not as printed numbers: for a 16-1000-8 network that
        # is ~0.1 s instead of ~1.3 s. The full JSON text is only made if asked for.
        self._module = module
        arrays = []
        text = json.dumps({"layers": module._layers(arrays)})
        self._handle = _celesta.network_from_json_arrays(text, [address(a) for a in arrays])
        self.n_in, self.n_out = module.size_in, module.size_out
        self.shape = (self.n_in, self.n_out)

    @classmethod
    def from_ir(cls, graph, dt: float | None = None) -> "NetworkGraph":
        """The Xylo network of a ``celesta.ir.Graph`` (TALON's or NIR's primitives: Input,
        Output, Linear/Affine, LIF/CubaLIF), lowered by the library (README, "The network IR").
        ``dt`` is the time step in the unit of the graph's time constants; by default the
        graph's ``metadata["dt"]``, else 1e-3 s (Rockpool's)."""
        from . import _irlib
        if dt is not None and (isinstance(dt, bool) or not isinstance(dt, (int, float, np.integer, np.floating))):
            raise TypeError(f"dt must be a number, not {type(dt).__name__}")
        if dt is not None and not dt > 0:  # the library takes 0 for "the graph's default"
            from ._errors import OutOfRangeError
            raise OutOfRangeError(f"'dt' is {dt}; it must be finite and > 0 (None takes the graph's metadata dt, else 1e-3)")
        address = _irlib.network_from_ir(graph._handle(), 0.0 if dt is None else float(dt))
        self = cls.__new__(cls)
        self._module = None
        self._ir = graph
        self._handle = _celesta.network_adopt(address)
        self.n_in = sum(int(np.prod(graph.nodes[n].output_type["output"])) for n in graph.inputs)
        self.n_out = sum(int(np.prod(graph.nodes[n].input_type["input"])) for n in graph.outputs)
        self.shape = (self.n_in, self.n_out)
        return self

    @classmethod
    def from_json(cls, text: str) -> "NetworkGraph":
        """A graph from float-network JSON text (``{"layers": [...]}``)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        module = Sequential.from_json(text)
        return module.as_graph()

    def to_json(self) -> str:
        if self._module is None:
            raise TypeError("this graph was lowered from a celesta.ir graph; write that graph instead (celesta.ir.write)")
        return self._module.to_json()

    def __repr__(self):
        return f"NetworkGraph(n_in={self.n_in}, n_out={self.n_out})"


class Module:
    """Base class: a module with ``shape == (size_in, size_out)``."""

    shape: tuple

    @property
    def size_in(self) -> int:
        return self.shape[0]

    @property
    def size_out(self) -> int:
        return self.shape[-1]

    def _layers(self, arrays: list = None) -> list:
        """This module as a list of JSON layer dicts (Sequentials flatten into their parent).
        With ``arrays`` (a list), parameter arrays are appended to it and referred to as
        ``{"$array": k}`` instead of being written out as numbers."""
        raise NotImplementedError

    def to_json(self) -> str:
        """The network in the library's float-network JSON format (``{"layers": [...]}``)."""
        return json.dumps({"layers": self._layers()})

    def as_graph(self) -> NetworkGraph:
        """The module lowered into a graph by the library (what the Xylo mappers accept)."""
        return NetworkGraph(self)


class Linear(Module):
    """A weight block ``y = x @ weight`` with ``weight`` of shape ``(n_in, n_out)``.

    ``weight=None`` draws a seeded uniform init (``seed``, default fixed). Xylo weight blocks
    have no bias, so ``has_bias=True`` is refused.
    """

    def __init__(self, shape, weight=None, has_bias: bool = False, seed=None, **kwargs):
        self.shape = _shape(shape, "Linear")
        if has_bias or kwargs.get("bias") is not None:
            raise ValueError("Linear: 'has_bias' is True; Xylo weight blocks have no bias (use has_bias=False)")
        unknown = set(kwargs) - {"bias", "spiking_input", "spiking_output"}
        if unknown:
            raise TypeError(f"Linear: unexpected arguments {sorted(unknown)}")
        if weight is None:
            weight = _random(self.shape, self.shape[0], seed)
        self.weight = _matrix(weight, self.shape, "Linear", "weight")

    def _layers(self, arrays=None):
        n_in, n_out = self.shape
        return [{"type": "Linear", "n_in": n_in, "n_out": n_out, "weight": _values(self.weight, arrays)}]

    def __repr__(self):
        return f"Linear({self.shape})"


class LIF(Module):
    """A LIF population: ``shape`` is ``n`` or ``(n_in, n_out)``; ``n_in == 2 * n_out`` means
    two synapses per neuron (interleaved inputs). Scalars broadcast: ``tau_mem``,
    ``threshold``, ``bias`` to ``n_out``, ``tau_syn`` to ``n_in``. ``w_rec`` is
    ``(n_out, n_in)``; with ``has_rec=True`` and ``w_rec=None`` it is a seeded random init.
    """

    def __init__(self, shape, tau_mem=0.02, tau_syn=0.02, threshold=1.0, bias=0.0, dt: float = 1e-3,
                 has_rec: bool = False, w_rec=None, seed=None, **kwargs):
        self.shape = _shape(shape, "LIF")
        unknown = set(kwargs) - {"spiking_input", "spiking_output", "noise_std", "learning_window"}
        if unknown:
            raise TypeError(f"LIF: unexpected arguments {sorted(unknown)}")
        n_in, n_out = self.shape
        self.tau_mem = _param(tau_mem, n_out, "LIF", "tau_mem")
        self.tau_syn = _param(tau_syn, n_in, "LIF", "tau_syn")
        self.threshold = _param(threshold, n_out, "LIF", "threshold")
        self.bias = _param(bias, n_out, "LIF", "bias")
        try:
            self.dt = float(dt)
        except (TypeError, ValueError):
            raise TypeError(f"LIF: 'dt' must be a number, not {dt!r}") from None
        if not np.isfinite(self.dt) or self.dt <= 0:
            raise ValueError(f"LIF: 'dt' is {dt}; it must be finite and > 0")
        self.has_rec = bool(has_rec or w_rec is not None)
        if self.has_rec:
            if w_rec is None:
                w_rec = _random((n_out, n_in), n_out, seed)
            self.w_rec = _matrix(w_rec, (n_out, n_in), "LIF", "w_rec")
        else:
            self.w_rec = None

    def _layers(self, arrays=None):
        n_in, n_out = self.shape
        layer = {"type": "LIF", "n_in": n_in, "n_out": n_out, "tau_mem": _values(self.tau_mem, arrays),
                 "tau_syn": _values(self.tau_syn, arrays), "threshold": _values(self.threshold, arrays),
                 "bias": _values(self.bias, arrays), "dt": self.dt, "has_rec": self.has_rec}
        if self.has_rec:
            layer["w_rec"] = _values(self.w_rec, arrays)
        return [layer]

    def __repr__(self):
        return f"LIF({self.shape}, has_rec={self.has_rec})"


def _check_chain(modules, what):
    if not modules:
        raise ValueError(f"{what}: at least one module is required")
    for i, m in enumerate(modules):
        if not isinstance(m, Module):
            raise TypeError(f"{what}: module {i} is a {type(m).__name__}, not a celesta.nn module")
    for i in range(1, len(modules)):
        if modules[i - 1].size_out != modules[i].size_in:
            raise ValueError(f"{what}: module {i - 1} has {modules[i - 1].size_out} outputs but module {i} "
                             f"takes {modules[i].size_in} inputs")


class Sequential(Module):
    """Modules applied one after the other."""

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        _check_chain(modules, "Sequential")
        self.modules = tuple(modules)
        self.shape = (modules[0].size_in, modules[-1].size_out)

    @classmethod
    def from_json(cls, text: str) -> "Sequential":
        """Rebuild modules from float-network JSON (``{"layers": [...]}`` or a list)."""
        doc = json.loads(text)
        layers = doc["layers"] if isinstance(doc, dict) else doc
        return cls(*[_from_layer(layer, f"layers[{i}]") for i, layer in enumerate(layers)])

    def _layers(self, arrays=None):
        return [layer for m in self.modules for layer in m._layers(arrays)]

    def __getitem__(self, index):
        return self.modules[index]

    def __len__(self):
        return len(self.modules)

    def __repr__(self):
        return "Sequential(" + ", ".join(map(repr, self.modules)) + ")"


class Residual(Module):
    """``output = input + modules(input)``; the chain must keep its width. On Xylo the skip
    becomes an alias connection."""

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        _check_chain(modules, "Residual")
        if modules[0].size_in != modules[-1].size_out:
            raise ValueError(f"Residual: the block takes {modules[0].size_in} inputs but returns "
                             f"{modules[-1].size_out} outputs; they must be equal")
        self.modules = tuple(modules)
        self.shape = (modules[0].size_in, modules[-1].size_out)

    def _layers(self, arrays=None):
        return [{"type": "Residual", "layers": [layer for m in self.modules for layer in m._layers(arrays)]}]

    def __repr__(self):
        return "Residual(" + ", ".join(map(repr, self.modules)) + ")"


def _from_layer(layer: dict, path: str) -> Module:
    kind = layer.get("type")
    if kind == "Linear":
        return Linear((layer["n_in"], layer["n_out"]), weight=layer["weight"])
    if kind == "LIF":
        return LIF((layer["n_in"], layer["n_out"]), tau_mem=layer["tau_mem"], tau_syn=layer["tau_syn"],
                   threshold=layer["threshold"], bias=layer.get("bias", 0.0), dt=layer.get("dt", 1e-3),
                   has_rec=bool(layer.get("has_rec", False)),
                   w_rec=layer.get("w_rec") if layer.get("has_rec") else None)
    if kind == "Residual":
        return Residual(*[_from_layer(x, f"{path}.layers[{i}]") for i, x in enumerate(layer["layers"])])
    raise ValueError(f"'{path}.type' is {kind!r}; expected Linear, LIF or Residual")
