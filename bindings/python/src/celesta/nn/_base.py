"""Float network modules with Rockpool's names, for the Xylo mappers.

    from celesta.nn import Linear, LIF, Sequential, Residual
    net = Sequential(Linear((8, 12)), LIF(12), Residual(Linear((12, 12)), LIF(12)),
                     Linear((12, 4)), LIF(4))
    graph = net.as_graph()                      # what celesta.devices.xylo.<chip>.mapper takes
    spec = celesta.devices.xylo.syns61201.mapper(graph)

Modules are callable as Rockpool's are: ``net(x)`` / ``net.evolve(x, record=False)`` ->
``(output, state, record)`` simulates the float network (Rockpool's LIF in floating point:
forward Euler with ``exp(-dt/tau)`` decays, reset by subtraction, several spikes per step), so
that the loss of quantization shows next to ``XyloSim``. ``parameters()`` gives the parameter
arrays; every assignment (``net[2][1].w_rec = W``) is checked as the constructor checks it.
``to_json()``
writes the network in the library's float-network JSON format (``{"layers": [...]}``), and
``as_graph()`` hands it to the library, which checks every shape and value (errors are
``celesta.CelestaError`` subclasses naming the layer and field).
"""

from __future__ import annotations

import json

import numpy as np

from .. import _celesta
from .._buffers import address

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
        from .. import _irlib
        if dt is not None and (isinstance(dt, bool) or not isinstance(dt, (int, float, np.integer, np.floating))):
            raise TypeError(f"dt must be a number, not {type(dt).__name__}")
        if dt is not None and not dt > 0:  # the library takes 0 for "the graph's default"
            from .._errors import OutOfRangeError
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

    @property
    def graph(self):
        """The network as a ``celesta.graph`` graph (Rockpool's graph API), made on first use."""
        if self.__dict__.get("_graph") is None:
            from ..graph import from_module
            if self._module is None:
                raise TypeError("this graph was lowered from a celesta.ir graph; it has no Rockpool-style nodes")
            self._graph = from_module(self._module)
        return self._graph

    @property
    def input_nodes(self) -> list:
        """The graph's input nodes (``celesta.graph.GraphNode``), as on a Rockpool graph."""
        return self.graph.input_nodes

    @property
    def output_nodes(self) -> list:
        """The graph's output nodes (``celesta.graph.GraphNode``), as on a Rockpool graph."""
        return self.graph.output_nodes

    @property
    def computational_module(self):
        """The ``celesta.nn`` module this graph was made from (None for an IR graph)."""
        return self._module

    def to_json(self) -> str:
        if self._module is None:
            raise TypeError("this graph was lowered from a celesta.ir graph; write that graph instead (celesta.ir.write)")
        return self._module.to_json()

    def __repr__(self):
        return f"NetworkGraph(n_in={self.n_in}, n_out={self.n_out})"


def _positive(value, n: int, name: str, field: str) -> np.ndarray:
    arr = _param(value, n, name, field)
    if np.any(arr <= 0):
        bad = int(np.flatnonzero(arr <= 0)[0])
        raise ValueError(f"{name}: '{field}[{bad}]' is {arr[bad]}; time constants must be > 0")
    return arr


def _input(x, n_in: int, name: str) -> tuple:
    """``(array [B, T, n_in] float64, batched)`` from ``[T, n_in]`` or ``[B, T, n_in]``."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1 and n_in == 1:
        arr = arr[:, None]
    if arr.ndim not in (2, 3):
        raise ValueError(f"{name}: input must be [T, {n_in}] or [B, T, {n_in}], got shape {arr.shape}")
    if arr.shape[-1] != n_in:
        raise ValueError(f"{name}: input has {arr.shape[-1]} channels but the module takes {n_in}")
    return (arr if arr.ndim == 3 else arr[None]), arr.ndim == 3


class Module:
    """Base class: a module with ``shape == (size_in, size_out)``.

    Subclasses list their parameters in ``_checks`` (attribute name -> method name of the
    check): the constructor and every later assignment go through the same check, so a weight
    of the wrong shape is refused however it arrives.
    """

    shape: tuple
    _checks: dict = {}

    def __setattr__(self, name, value):
        check = type(self)._checks.get(name)
        if check is not None:
            value = getattr(self, check)(value)
        elif name == "shape" and "shape" in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: 'shape' is fixed when the module is made")
        object.__setattr__(self, name, value)

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

    def parameters(self) -> dict:
        """The parameter arrays by name (nested by sub-module name for combinators, as
        Rockpool's ``parameters()``). The arrays are the module's own: assign a new array to
        change one (``module.weight = W``), which is checked."""
        return {}

    def state(self) -> dict:
        """The simulation state (LIF: ``vmem``, ``isyn``, ``spikes``; nested for combinators)."""
        return {}

    def reset_state(self) -> "Module":
        """Returns the float simulation to zero state."""
        return self

    def _evolve(self, x: np.ndarray, record: bool) -> tuple:
        """``x`` [B, T, n_in] float64 -> (output [B, T, n_out], record dict)."""
        raise NotImplementedError

    def evolve(self, input_data, record: bool = False) -> tuple:
        """Simulates the float network on ``input_data`` (``[T, size_in]`` or
        ``[B, T, size_in]``, float or int) -> ``(output, state, record)`` as Rockpool does.
        LIF state persists between calls until ``reset_state()``; a batch starts every element
        from the current state and leaves the state of element 0."""
        x, batched = _input(input_data, self.size_in, type(self).__name__)
        out, rec = self._evolve(x, bool(record))
        if not batched:
            out = out[0]
            rec = _unbatch(rec)
        return out, self.state(), rec if record else {}

    def __call__(self, input_data, record: bool = False) -> tuple:
        """``module(x)`` is ``module.evolve(x)``."""
        return self.evolve(input_data, record=record)


def _unbatch(rec: dict) -> dict:
    return {k: (_unbatch(v) if isinstance(v, dict) else v[0]) for k, v in rec.items()}


class Linear(Module):
    """A weight block ``y = x @ weight`` with ``weight`` of shape ``(n_in, n_out)``
    (Rockpool's ``Linear`` / ``LinearTorch``).

    ``weight=None`` draws a seeded uniform init (``seed``, default fixed). Xylo weight blocks
    have no bias, so ``has_bias=True`` or a ``bias`` is refused. ``spiking_input`` and
    ``spiking_output`` are accepted for Rockpool's signature and change nothing.
    """

    _checks = {"weight": "_check_weight"}

    def __init__(self, shape, weight=None, bias=None, has_bias: bool = False, seed=None,
                 spiking_input: bool = False, spiking_output: bool = False):
        self.shape = _shape(shape, "Linear")
        if has_bias or bias is not None:
            raise ValueError("Linear: 'has_bias' is True; Xylo weight blocks have no bias (use has_bias=False)")
        self.spiking_input, self.spiking_output = bool(spiking_input), bool(spiking_output)
        if weight is None:
            weight = _random(self.shape, self.shape[0], seed)
        self.weight = weight

    def _check_weight(self, value):
        return _matrix(value, self.shape, "Linear", "weight")

    def parameters(self):
        return {"weight": self.weight}

    def _evolve(self, x, record):
        return x @ self.weight, {}

    def _layers(self, arrays=None):
        n_in, n_out = self.shape
        return [{"type": "Linear", "n_in": n_in, "n_out": n_out, "weight": _values(self.weight, arrays)}]

    def __repr__(self):
        return f"{type(self).__name__}({self.shape})"


class LIF(Module):
    """A LIF population (Rockpool's ``LIF`` / ``LIFTorch``): ``shape`` is ``n`` or
    ``(n_in, n_out)``; ``n_in == 2 * n_out`` means two synapses per neuron (interleaved
    inputs: input ``i`` feeds synapse ``i % 2`` of neuron ``i // 2``). Scalars broadcast:
    ``tau_mem``, ``threshold``, ``bias`` to ``n_out``, ``tau_syn`` to ``n_in``. ``w_rec`` is
    ``(n_out, n_in)``; with ``has_rec=True`` and ``w_rec=None`` it is a seeded random init.

    Simulated as Rockpool's numpy ``LIF``, per step: ``Isyn += input + spikes(t-1) @ w_rec``;
    ``Vmem *= exp(-dt/tau_mem)``; ``Isyn *= exp(-dt/tau_syn)``; ``Vmem += sum(Isyn) + bias
    (+ noise)``; ``spikes = min(floor(Vmem / threshold), max_spikes_per_dt)`` where
    ``Vmem >= threshold``; ``Vmem -= spikes * threshold``. The record holds ``vmem``,
    ``isyn`` ``[T, n_out, n_syn]``, ``irec`` and ``spikes``.
    """

    _checks = {"tau_mem": "_check_tau_mem", "tau_syn": "_check_tau_syn", "threshold": "_check_threshold",
               "bias": "_check_bias", "dt": "_check_dt", "w_rec": "_check_w_rec",
               "max_spikes_per_dt": "_check_max_spikes", "noise_std": "_check_noise"}

    def __init__(self, shape, tau_mem=0.02, tau_syn=0.02, threshold=1.0, bias=0.0, dt: float = 1e-3,
                 has_rec: bool = False, w_rec=None, seed=None, noise_std: float = 0.0,
                 max_spikes_per_dt=2.0**16, spiking_input: bool = False, spiking_output: bool = True,
                 learning_window: float = 0.5):
        self.shape = _shape(shape, "LIF")
        n_in, n_out = self.shape
        if n_in % n_out:
            raise ValueError(f"LIF: shape {self.shape}: n_in must be a multiple of n_out (synapses per neuron)")
        self.tau_mem = tau_mem
        self.tau_syn = tau_syn
        self.threshold = threshold
        self.bias = bias
        self.dt = dt
        self.noise_std = noise_std
        self.max_spikes_per_dt = max_spikes_per_dt
        self.spiking_input, self.spiking_output = bool(spiking_input), bool(spiking_output)
        self.learning_window = float(learning_window)
        if (has_rec or w_rec is not None) and w_rec is None:
            w_rec = _random((n_out, n_in), n_out, seed)
        self.w_rec = w_rec
        self.reset_state()

    @property
    def has_rec(self) -> bool:
        return self.w_rec is not None

    @property
    def n_synapses(self) -> int:
        return self.shape[0] // self.shape[1]

    def _check_tau_mem(self, v):
        return _positive(v, self.shape[1], "LIF", "tau_mem")

    def _check_tau_syn(self, v):
        return _positive(v, self.shape[0], "LIF", "tau_syn")

    def _check_threshold(self, v):
        return _param(v, self.shape[1], "LIF", "threshold")

    def _check_bias(self, v):
        return _param(v, self.shape[1], "LIF", "bias")

    def _check_w_rec(self, v):
        return None if v is None else _matrix(v, (self.shape[1], self.shape[0]), "LIF", "w_rec")

    def _check_dt(self, v):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"LIF: 'dt' must be a number, not {v!r}")
        if not np.isfinite(v) or v <= 0:
            raise ValueError(f"LIF: 'dt' is {v}; it must be finite and > 0")
        return float(v)

    def _check_max_spikes(self, v):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not v >= 1:
            raise ValueError(f"LIF: 'max_spikes_per_dt' is {v!r}; it must be a number >= 1")
        return float(v)

    def _check_noise(self, v):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not (np.isfinite(v) and v >= 0):
            raise ValueError(f"LIF: 'noise_std' is {v!r}; it must be a finite number >= 0")
        return float(v)

    def parameters(self):
        p = {"tau_mem": self.tau_mem, "tau_syn": self.tau_syn, "bias": self.bias, "threshold": self.threshold}
        if self.has_rec:
            p["w_rec"] = self.w_rec
        return p

    def state(self):
        return {"vmem": self.vmem.copy(), "isyn": self.isyn.copy(), "spikes": self.spikes.copy()}

    def reset_state(self):
        n_in, n_out = self.shape
        object.__setattr__(self, "vmem", np.zeros(n_out))
        object.__setattr__(self, "isyn", np.zeros((n_out, n_in // n_out)))
        object.__setattr__(self, "spikes", np.zeros(n_out))
        return self

    def _evolve(self, x, record):
        batches, steps, n_in = x.shape
        n_out, n_syn = self.shape[1], self.n_synapses
        x = x.reshape(batches, steps, n_out, n_syn)
        alpha = np.exp(-self.dt / self.tau_mem)
        beta = np.exp(-self.dt / self.tau_syn).reshape(n_out, n_syn)
        noise = self.noise_std * np.sqrt(self.dt) * np.random.randn(batches, steps, n_out) if self.noise_std else None
        spikes_ts = np.zeros((batches, steps, n_out))
        vmem_ts = np.zeros((batches, steps, n_out))
        isyn_ts = np.zeros((batches, steps, n_out, n_syn))
        irec_ts = np.zeros((batches, steps, n_out, n_syn))
        final = None
        for b in range(batches):
            vmem, isyn, spikes = self.vmem.copy(), self.isyn.copy(), self.spikes.copy()
            for t in range(steps):
                irec = (spikes @ self.w_rec).reshape(n_out, n_syn) if self.has_rec else 0.0
                isyn += x[b, t] + irec
                vmem *= alpha
                isyn *= beta
                vmem += isyn.sum(1) + self.bias
                if noise is not None:
                    vmem += noise[b, t]
                spikes = np.clip((vmem >= self.threshold) * np.floor(vmem / self.threshold), None, self.max_spikes_per_dt)
                vmem = vmem - spikes * self.threshold
                spikes_ts[b, t], vmem_ts[b, t], isyn_ts[b, t] = spikes, vmem, isyn
                if self.has_rec:
                    irec_ts[b, t] = irec
            if final is None:
                final = (vmem, isyn, spikes)
        object.__setattr__(self, "vmem", final[0])
        object.__setattr__(self, "isyn", final[1])
        object.__setattr__(self, "spikes", final[2])
        rec = {"vmem": vmem_ts, "isyn": isyn_ts, "irec": irec_ts, "spikes": spikes_ts} if record else {}
        return spikes_ts, rec

    def _layers(self, arrays=None):
        n_in, n_out = self.shape
        layer = {"type": "LIF", "n_in": n_in, "n_out": n_out, "tau_mem": _values(self.tau_mem, arrays),
                 "tau_syn": _values(self.tau_syn, arrays), "threshold": _values(self.threshold, arrays),
                 "bias": _values(self.bias, arrays), "dt": self.dt, "has_rec": self.has_rec}
        if self.has_rec:
            layer["w_rec"] = _values(self.w_rec, arrays)
        return [layer]

    def __repr__(self):
        return f"{type(self).__name__}({self.shape}, has_rec={self.has_rec})"


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


class _Chain(Module):
    """What Sequential and Residual share: an indexable chain of modules named
    ``"<index>_<class>"`` as Rockpool names them."""

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        modules = tuple(_as_celesta(m) for m in modules)
        _check_chain(modules, type(self).__name__)
        object.__setattr__(self, "modules", modules)
        self.shape = (modules[0].size_in, modules[-1].size_out)

    def __setattr__(self, name, value):
        if name == "modules" and "modules" in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: its modules are fixed; assign their parameters instead")
        super().__setattr__(name, value)

    @property
    def names(self) -> list:
        return [f"{i}_{type(m).__name__}" for i, m in enumerate(self.modules)]

    def __getitem__(self, index):
        return self.modules[index]

    def __len__(self):
        return len(self.modules)

    def __iter__(self):
        return iter(self.modules)

    def parameters(self):
        return {n: m.parameters() for n, m in zip(self.names, self.modules) if m.parameters()}

    def state(self):
        return {n: m.state() for n, m in zip(self.names, self.modules) if m.state()}

    def reset_state(self):
        for m in self.modules:
            m.reset_state()
        return self

    def _chain(self, x, record):
        rec = {}
        for n, m in zip(self.names, self.modules):
            x, r = m._evolve(x, record)
            if record:
                rec[n] = r
                rec[f"{n}_output"] = x
        return x, rec

    def _repr_lines(self, indent=""):
        lines = [f"{indent}{type(self).__name__} with shape {self.shape} {{"]
        for n, m in zip(self.names, self.modules):
            if isinstance(m, _Chain):
                sub = m._repr_lines(indent + "    ")
                lines.append(sub[0].replace(f"{indent}    ", f"{indent}    ", 1).replace(type(m).__name__, f"{type(m).__name__} '{n}'", 1))
                lines.extend(sub[1:])
            else:
                lines.append(f"{indent}    {type(m).__name__} '{n}' with shape {m.shape}")
        lines.append(f"{indent}}}")
        return lines

    def __repr__(self):
        return "\n".join(self._repr_lines())


class Sequential(_Chain):
    """Modules applied one after the other (Rockpool's ``Sequential``); ``net[i]`` is the
    i-th module."""

    @classmethod
    def from_json(cls, text: str) -> "Sequential":
        """Rebuild modules from float-network JSON (``{"layers": [...]}`` or a list)."""
        doc = json.loads(text)
        layers = doc["layers"] if isinstance(doc, dict) else doc
        return cls(*[_from_layer(layer, f"layers[{i}]") for i, layer in enumerate(layers)])

    def _evolve(self, x, record):
        return self._chain(x, record)

    def _layers(self, arrays=None):
        return [layer for m in self.modules for layer in m._layers(arrays)]


class Residual(_Chain):
    """``output = input + modules(input)`` (Rockpool's ``Residual``); the chain must keep its
    width. On Xylo the skip becomes an alias connection. ``net[i]`` is the i-th module."""

    def __init__(self, *modules):
        super().__init__(*modules)
        if self.modules[0].size_in != self.modules[-1].size_out:
            raise ValueError(f"Residual: the block takes {self.modules[0].size_in} inputs but returns "
                             f"{self.modules[-1].size_out} outputs; they must be equal")

    def _evolve(self, x, record):
        out, rec = self._chain(x, record)
        return out + x, rec

    def _layers(self, arrays=None):
        return [{"type": "Residual", "layers": [layer for m in self.modules for layer in m._layers(arrays)]}]


def _as_celesta(module):
    """A celesta.nn module as it is; a Rockpool module converted (duck typing, see
    ``celesta.nn.from_rockpool``); anything else as it is (refused by the chain check)."""
    if isinstance(module, Module):
        return module
    from ._rockpool import from_rockpool, looks_like_rockpool
    return from_rockpool(module) if looks_like_rockpool(module) else module


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
