"""Chip-independent parts of the Xylo devices API: configurations and the simulator.

Every chip module binds these to its chip id (``_bind``); no code is copied per chip.
"""

from __future__ import annotations

import json
import os
import threading

import numpy as np

from ... import _celesta, _spec_arrays
from ..._buffers import address, event_raster, int32_buffer
from ..._errors import CelestaError

_HIDDEN = ("dash_mem", "dash_syn", "dash_syn_2", "threshold", "bias")
_OUTPUT = ("dash_mem_out", "dash_syn_out", "threshold_out", "bias_out")
RECORD_KEYS = ("Vmem", "Isyn", "Isyn2", "Spikes", "Vmem_out", "Isyn_out")


class XyloConfiguration:
    """A Xylo SNN-core configuration held by the Celesta library.

    Build one with the chip module's ``config_from_specification(**spec)``, or load one with
    ``XyloConfiguration.load(path)``. ``to_dict()`` gives its arrays (the keys of Rockpool's
    specification), ``save(path)`` writes it as JSON (atomically).
    """

    def __init__(self, handle, chip: str | None = None):
        self._handle = handle
        # The chip id, known when built for a chip (else read once from the JSON form: a
        # handle never changes, and the JSON of a 1000-neuron network takes a while).
        self._chip = chip
        dims = _celesta.config_dims(handle)
        self.n_in, self.n_hidden, self.n_out, self.n_syn, self.n_ien, self.n_oen = dims

    @classmethod
    def load(cls, path) -> "XyloConfiguration":
        """Read a configuration JSON file written by ``save``."""
        return cls(_celesta.config_load(os.fspath(path)))

    @classmethod
    def from_json(cls, text: str) -> "XyloConfiguration":
        return cls(_celesta.config_from_json(text))

    def to_json(self) -> str:
        return _celesta.config_to_json(self._handle)

    def save(self, path) -> None:
        """Write the configuration to ``path`` as JSON, atomically."""
        _celesta.config_save(self._handle, os.fspath(path))

    def to_dict(self) -> dict:
        """The arrays as numpy int arrays, with Rockpool's specification keys."""
        raw = json.loads(self.to_json())
        out = {}
        for key, value in raw.items():
            if key == "aliases":
                out[key] = [list(a) for a in value]
            elif isinstance(value, list):
                out[key] = np.asarray(value, dtype=np.int64)
            else:
                out[key] = value
        return out

    @property
    def chip(self) -> str:
        if self._chip is None:
            self._chip = json.loads(self.to_json())["chip"]
        return self._chip

    def validate(self) -> str:
        """'' when the configuration fits every limit of its chip, else what is broken."""
        return _celesta.config_validate(self._handle)

    def __eq__(self, other):
        return isinstance(other, XyloConfiguration) and self.to_json() == other.to_json()

    def __repr__(self):
        return (f"XyloConfiguration(chip={self.chip!r}, n_in={self.n_in}, n_hidden={self.n_hidden}, "
                f"n_out={self.n_out}, n_syn={self.n_syn})")


def _vector(spec, key, n, default):
    value = spec.get(key)
    if value is None:
        return None if default is None else np.full(n, default, dtype=np.int32)
    return int32_buffer(np.asarray(value).reshape(-1), key)


def build_config(chip: str, spec: dict) -> XyloConfiguration:
    """A configuration from a quantized specification (Rockpool's keys). Raises on bad shapes
    or values that do not fit the simulator's fields."""
    unknown = set(spec) - {"weights_in", "weights_rec", "weights_out", *_HIDDEN, *_OUTPUT, "aliases", "dt",
                           "weight_shift_in", "weight_shift_rec", "weight_shift_out", "mapped_graph"}
    if unknown:
        raise TypeError(f"unexpected specification keys: {sorted(unknown)}")
    if spec.get("weights_in") is None or spec.get("weights_out") is None:
        raise TypeError("config_from_specification needs at least weights_in and weights_out")
    w_in = np.asarray(spec["weights_in"])
    w_out = np.asarray(spec["weights_out"])
    if w_in.ndim == 2:
        w_in = w_in[:, :, None]
    if w_in.ndim != 3 or w_out.ndim != 2:
        raise ValueError(f"weights_in must be 2-D or 3-D and weights_out 2-D, got {w_in.ndim}-D and {w_out.ndim}-D")
    n_in, n_ien, n_syn = w_in.shape
    n_oen, n_out = w_out.shape
    w_rec = spec.get("weights_rec")
    if w_rec is not None:
        w_rec = np.asarray(w_rec)
        if w_rec.ndim == 2:
            w_rec = w_rec[:, :, None]
        if w_rec.ndim != 3:
            raise ValueError(f"weights_rec must be 2-D or 3-D, got {w_rec.ndim}-D")
        n_hidden = w_rec.shape[0]
        if w_rec.shape[2] != n_syn:
            raise ValueError(f"weights_rec has {w_rec.shape[2]} synapses but weights_in has {n_syn}")
    else:
        n_hidden = len(np.asarray(spec["dash_mem"]).reshape(-1)) if spec.get("dash_mem") is not None else max(n_ien, n_oen)
        w_rec = np.zeros((n_hidden, n_hidden, n_syn), dtype=np.int32)
    arrays = {"weights_in": int32_buffer(w_in, "weights_in"), "weights_rec": int32_buffer(w_rec, "weights_rec"),
              "weights_out": int32_buffer(w_out, "weights_out")}
    for key, default in (("dash_mem", 1), ("dash_syn", 1), ("dash_syn_2", 1), ("threshold", 0), ("bias", None)):
        arrays[key] = _vector(spec, key, n_hidden, default)
    for key, default in (("dash_mem_out", 1), ("dash_syn_out", 1), ("threshold_out", 0), ("bias_out", None)):
        arrays[key] = _vector(spec, key, n_out, default)
    aliases = spec.get("aliases")
    if aliases is not None:
        if len(aliases) != n_hidden:
            raise ValueError(f"aliases has {len(aliases)} entries but there are {n_hidden} hidden neurons")
        flat = []
        for i, a in enumerate(aliases):
            a = list(a) if a is not None and not np.isscalar(a) else ([] if a is None else [a])
            if len(a) > 1:
                raise ValueError(f"aliases[{i}] has {len(a)} targets; Xylo holds one per neuron")
            flat.append(int(a[0]) if a else -1)
        arrays["aliases"] = np.asarray(flat, dtype=np.int32)
    bias_given = arrays["bias"] is not None or arrays["bias_out"] is not None
    any_bias = bool((arrays["bias"] is not None and np.any(arrays["bias"])) or
                    (arrays["bias_out"] is not None and np.any(arrays["bias_out"])))
    handle = _celesta.config_create(
        chip, (n_in, n_hidden, n_out, n_syn, n_ien, n_oen),
        {k: (address(v) if v is not None else None) for k, v in arrays.items()},
        tuple(int(spec.get(k, 0) or 0) for k in ("weight_shift_in", "weight_shift_rec", "weight_shift_out")),
        float(spec.get("dt", 1e-3) or 1e-3), 1 if any_bias else (0 if bias_given else -1))
    return XyloConfiguration(handle, chip=_celesta.chip_find(chip)["id"])


def config_from_specification(chip: str, weights_in, weights_out, weights_rec=None, dash_mem=None, dash_mem_out=None,
                              dash_syn=None, dash_syn_2=None, dash_syn_out=None, threshold=None, threshold_out=None,
                              bias=None, bias_out=None, weight_shift_in: int = 0, weight_shift_rec: int = 0,
                              weight_shift_out: int = 0, aliases=None, dt: float = 1e-3, mapped_graph=None):
    """Rockpool's ``config_from_specification``: ``(config, is_valid, message)``; the keywords
    are the keys of a mapper's specification, so a ``spec`` dict passes with ``**``.

    One contract for every value: nothing raises but a keyword that is not a specification
    key (``TypeError``: nothing is swallowed). ``is_valid`` is True exactly when the
    configuration fits every limit of the chip, and ``message`` is then ``''``; otherwise it
    names the field, index and value. ``config`` is the configuration whenever its values fit
    the simulator's fields (so an over-limit network, e.g. a dash of 20 or more synapses than
    the chip's memory holds, can still be simulated, as in Rockpool), and None when a value
    does not even fit those, or a shape is wrong: unlike Rockpool, a weight of 200 is never
    wrapped into int8 (it does not silently become -56).
    """
    spec = dict(weights_in=weights_in, weights_out=weights_out, weights_rec=weights_rec, dash_mem=dash_mem,
                dash_mem_out=dash_mem_out, dash_syn=dash_syn, dash_syn_2=dash_syn_2, dash_syn_out=dash_syn_out,
                threshold=threshold, threshold_out=threshold_out, bias=bias, bias_out=bias_out,
                weight_shift_in=weight_shift_in, weight_shift_rec=weight_shift_rec, weight_shift_out=weight_shift_out,
                aliases=aliases, dt=dt)
    try:
        config = build_config(chip, spec)
    except (CelestaError, ValueError, TypeError) as err:
        return None, False, str(err)
    message = config.validate()
    return config, message == "", message


# Runs this long check for Ctrl-C between blocks of steps (a run can then be interrupted).
INTERRUPTIBLE_STEPS = 10_000
# The same for the audio front ends, in input samples (about 1.3 s of audio at 48828 Hz).
INTERRUPTIBLE_SAMPLES = 1 << 16


def progress_arg(progress, long_run: bool):
    """The extension's ``progress`` argument: the callable given, else ``True`` (checks for
    Ctrl-C only) for a long run and ``False`` (nothing) for a short one."""
    return progress if progress is not None else long_run


def _batch_progress(progress, elements: int, steps: int):
    """Per batch element, a progress callback reporting the steps of all elements together to
    ``progress`` (None without one); once it returns False every element stops."""
    if progress is None:
        return lambda b: None
    done = [0] * elements
    lock = threading.Lock()
    stopped = []

    def element(b):
        def report(d, _total):
            with lock:
                done[b] = d
                total_done = sum(done)
            if stopped or progress(total_done, elements * steps) is False:
                stopped.append(True)
                return False
            return True
        return report

    return element


OUTPUT_MODES = {"Spike": None, "Vmem": "Vmem_out", "Isyn": "Isyn_out"}


def check_output_mode(output_mode) -> str:
    if output_mode not in OUTPUT_MODES:
        raise ValueError(f"output_mode must be 'Spike', 'Vmem' or 'Isyn', not {output_mode!r}")
    return output_mode


class XyloSimBase:
    """The bit-exact Xylo simulator (Rockpool's ``XyloSim``), bound to a chip by its module.

    ``sim(input, record=False)`` or ``sim.evolve(...)`` -> ``(output, state, record)``:
    ``input`` is ``[T, n_in]`` (or ``[B, T, n_in]``) event counts 0..255 (floats are cast as
    Rockpool casts them: truncated toward zero), ``output`` ``[T, n_out]`` (``[B, T, n_out]``)
    int64: the output spikes with ``output_mode="Spike"``, else the output neurons' membrane
    potentials (``"Vmem"``) or synaptic currents (``"Isyn"``); ``record`` the states ``Vmem``,
    ``Isyn``, ``Isyn2``, ``Spikes`` ``[T, n_hidden]`` and ``Vmem_out``, ``Isyn_out``
    ``[T, n_out]`` when ``record=True``. State persists between calls until
    ``reset_state()``; each element of a batch starts from the current state and the batch
    leaves the state unchanged.
    """

    chip = None  # set by each chip module

    def __init__(self, config: XyloConfiguration, dt: float = 1e-3, output_mode: str = "Spike"):
        if not isinstance(config, XyloConfiguration):
            raise TypeError(f"config must be a XyloConfiguration, not {type(config).__name__}")
        if config.chip != self.chip:
            raise CelestaError(f"config is for chip {config.chip!r}, this simulator is {self.chip!r}",
                               status=-2, status_name="CELESTA_ERR_INVALID_ARGUMENT")
        self.output_mode = check_output_mode(output_mode)
        if isinstance(dt, bool) or not isinstance(dt, (int, float, np.floating, np.integer)) or not (0 < float(dt) < float("inf")):
            raise CelestaError(f"dt = {dt!r}: it must be a finite number of seconds above 0",
                               status=-2, status_name="CELESTA_ERR_INVALID_ARGUMENT")
        self.config = config
        self.dt = dt
        self.size_in, self.size_out = config.n_in, config.n_out
        self.shape = (config.n_in, config.n_hidden, config.n_out)
        self._sim = _celesta.sim_create(config._handle)

    @classmethod
    def from_config(cls, config: XyloConfiguration, dt: float = 1e-3, output_mode: str = "Spike"):
        """A simulator of ``config`` (Rockpool's ``XyloSim.from_config``)."""
        return cls(config, dt=dt, output_mode=output_mode)

    @classmethod
    def from_specification(cls, weights_in, weights_out, weights_rec=None, dash_mem=None, dash_mem_out=None,
                           dash_syn=None, dash_syn_2=None, dash_syn_out=None, threshold=None, threshold_out=None,
                           bias=None, bias_out=None, weight_shift_in: int = 0, weight_shift_rec: int = 0,
                           weight_shift_out: int = 0, aliases=None, dt: float = 1e-3, verify_config: bool = False,
                           output_mode: str = "Spike"):
        """A simulator of a specification (Rockpool's ``XyloSim.from_specification``). Values
        that do not fit the simulator's fields raise ``ValueError`` naming the field. With
        ``verify_config=True`` the chip's limits are checked too (``ValueError`` naming the
        field); by default any network the simulator holds runs, as in Rockpool 3.1.0, whose
        ``verify_config`` (default True) checks nothing."""
        spec = dict(weights_in=weights_in, weights_out=weights_out, weights_rec=weights_rec, dash_mem=dash_mem,
                    dash_mem_out=dash_mem_out, dash_syn=dash_syn, dash_syn_2=dash_syn_2, dash_syn_out=dash_syn_out,
                    threshold=threshold, threshold_out=threshold_out, bias=bias, bias_out=bias_out,
                    weight_shift_in=weight_shift_in, weight_shift_rec=weight_shift_rec,
                    weight_shift_out=weight_shift_out, aliases=aliases, dt=dt)
        config = build_config(cls.chip, spec)
        if verify_config:
            message = config.validate()
            if message:
                raise ValueError(f"the specification does not fit {cls.chip}: {message}")
        return cls(config, dt=dt, output_mode=output_mode)

    def reset_state(self):
        _celesta.sim_reset(self._sim)
        return self

    def _run(self, sim, raster: np.ndarray, record: bool, progress=None):
        steps, n_out = raster.shape[0], self.config.n_out
        records = None
        if record:
            records = {k: np.zeros((steps, self.config.n_hidden if not k.endswith("_out") else n_out),
                                   dtype=np.int32) for k in RECORD_KEYS}
        # The extension returns the output spikes in a new bytearray, viewed here without a copy.
        # The raster reaches the library through its buffer, without a copy.
        spikes = _celesta.sim_evolve(sim, raster, steps, steps * n_out,
                                     None if records is None else {k: address(v) for k, v in records.items()},
                                     progress_arg(progress, steps >= INTERRUPTIBLE_STEPS))
        out = np.frombuffer(spikes, dtype=np.int32).reshape(steps, n_out)
        return out, records or {}

    def _sim_copy(self):
        return _celesta.sim_copy(self._sim)

    def evolve(self, input, record: bool = False, progress=None):
        """Runs the input (see the class); ``progress``, if given, is called as
        ``progress(done, total)`` (time steps; over a batch, of all its elements) about every
        millisecond of simulation, and returning ``False`` cancels the run with
        ``celesta.CancelledError``. Runs of 10,000 steps or more stop on Ctrl-C with
        ``KeyboardInterrupt``. A cancelled or interrupted call changes no state."""
        x = np.asarray(input)
        if x.ndim not in (2, 3):
            raise ValueError(f"input must be [T, n_in] or [B, T, n_in], got shape {x.shape}")
        if x.shape[-1] != self.config.n_in:
            raise ValueError(f"input has {x.shape[-1]} channels but the network has {self.config.n_in}")
        # Counts outside 0..255 are refused by the library (OutOfRangeError, a ValueError naming
        # the step and channel), before any state changes.
        if x.ndim == 2:
            out, rec = self._run(self._sim, event_raster(x, "input"), record or self.output_mode != "Spike", progress)
            return self._output(out, rec), {}, (rec if record else {})
        # Batch elements run on all cores: the extension releases the GIL while simulating.
        # (A new simulator per element starts from zero state: copy the current state first.)
        rasters = [event_raster(x[b], "input") for b in range(x.shape[0])]
        states = record or self.output_mode != "Spike"

        results, errors = [None] * len(rasters), []
        element_progress = _batch_progress(progress, len(rasters), x.shape[1])

        def work(first, stride):  # elements first, first + stride, ...: an even split, no queue
            try:
                for b in range(first, len(rasters), stride):
                    results[b] = self._run(self._sim_copy(), rasters[b], states, element_progress(b))
            except BaseException as err:  # noqa: BLE001 - re-raised on the calling thread
                errors.append(err)

        workers = min(len(rasters), os.cpu_count() or 1)
        threads = [threading.Thread(target=work, args=(w, workers), daemon=True) for w in range(1, workers)]
        for t in threads:
            t.start()
        work(0, workers)
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        outs = [self._output(o, r) for o, r in results]
        recs = [r for _, r in results]
        rec = {k: np.stack([r[k] for r in recs]) for k in RECORD_KEYS} if record else {}
        return np.stack(outs), {}, rec

    def _output(self, spikes, rec):
        """The output of ``output_mode`` as int64 (Rockpool's dtype)."""
        key = OUTPUT_MODES[self.output_mode]
        return (spikes if key is None else rec[key]).astype(np.int64)

    __call__ = evolve

    def __repr__(self):
        return f"XyloSim  with shape {self.shape} ({self.chip}, output_mode={self.output_mode!r})"


# ---- The mapper ------------------------------------------------------------------------

class DRCWarning(UserWarning):
    """A design-rule warning of the Xylo mapper (Rockpool's ``DRCWarning``)."""


_WEIGHT_KEYS = ("weights_in", "weights_rec", "weights_out")
_THRESHOLD_KEYS = ("threshold", "threshold_out", "bias", "bias_out")
_DASH_KEYS = ("dash_mem", "dash_mem_out", "dash_syn", "dash_syn_2", "dash_syn_out")


def _graph_handle(graph, dt=None):
    from ...ir import Graph as IRGraph
    from ...nn import NetworkGraph, Module

    if isinstance(graph, IRGraph):
        return NetworkGraph.from_ir(graph, dt)
    if dt is not None:
        raise TypeError("'dt' applies to celesta.ir graphs only (a celesta.nn network carries its own)")
    if not isinstance(graph, (Module, NetworkGraph)):
        graph = _foreign_graph(graph)
    if isinstance(graph, Module):
        graph = graph.as_graph()
    if not isinstance(graph, NetworkGraph):
        raise TypeError(f"graph must be a celesta.nn NetworkGraph (module.as_graph()) or a celesta.ir.Graph, not {type(graph).__name__}")
    return graph


def _foreign_graph(graph):
    """A Rockpool module or graph (``rockpool_net.as_graph()``), or a ``celesta.graph`` graph,
    as the celesta.nn module behind it (duck typing: Rockpool is never imported)."""
    from ...nn._rockpool import from_rockpool, looks_like_rockpool

    if looks_like_rockpool(graph):
        return from_rockpool(graph)
    module = getattr(graph, "computational_module", None)
    from ...nn import Module
    if isinstance(module, Module):
        return module
    if module is not None and looks_like_rockpool(module):
        return from_rockpool(module)
    from ...graph._modules import GraphModuleBase, to_module
    if isinstance(graph, GraphModuleBase):
        return to_module(graph)
    return graph


# Xylo Audio 3's two-synapse dash rule: Celesta's differs from Rockpool's; said once per process.
_DASH_RULE_WARNED = []


def _warn_dash_rule(g, chip: str, spec: dict, max_hidden: int, max_output: int) -> None:
    import warnings

    # The chips whose Rockpool mapper has the rule: those of the Audio 3 mapper dialect (chip table).
    if _DASH_RULE_WARNED or _celesta.chip_find(chip).get("mapper_dialect") != "xylo-audio-3":
        return
    w_in = np.asarray(spec["weights_in"])
    if w_in.ndim != 3 or w_in.shape[2] < 2:
        return
    theirs = spec_from_handle(_celesta.xylo_map(g._handle, chip, max_hidden, max_output, True))
    if not _dash_rule_changes_spikes(spec, theirs):
        return
    _DASH_RULE_WARNED.append(True)
    warnings.warn("Xylo Audio 3, two synapses per neuron: Celesta maps synapse 1's time constant to dash_syn_2, "
                  "where Rockpool 3.1.0 leaves dash_syn_2 at 0 and puts both into dash_syn, so spikes differ from "
                  "Rockpool's. Pass rockpool_compatible=True to the mapper to reproduce Rockpool "
                  "(said once per process).", DRCWarning, stacklevel=3)


def _dash_rule_changes_spikes(mine: dict, theirs: dict) -> bool:
    """Whether Rockpool's dashes (``theirs``) can give other spikes than Celesta's (``mine``):
    only a synapse that receives a weight carries a state, so a dash differing on a synapse
    that no input or recurrent weight reaches changes nothing. (Equal synaptic time constants
    are no such case: Rockpool's ``dash_syn_2`` is 0, which clears synapse 1 every step.)"""
    w_in, w_rec = np.asarray(mine["weights_in"]), np.asarray(mine["weights_rec"])
    for s, key in enumerate(("dash_syn", "dash_syn_2")):
        a, b = np.asarray(mine[key]), np.asarray(theirs[key])
        n = min(len(a), len(b))
        differs = np.zeros(max(len(a), len(b)), bool)
        differs[:n] = a[:n] != b[:n]
        differs[n:] = True
        reached = np.zeros_like(differs)
        for w in (w_in, w_rec):
            if w.ndim == 3 and w.shape[2] > s:
                fed = np.any(w[:, :, s] != 0, axis=0)
                reached[:len(fed)] |= fed[:len(reached)]
        if np.any(differs & reached):
            return True
    return False


def _limit(value, name: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"'{name}' must be an int or None, not {type(value).__name__}")
    if value < 1 or value > 2**31 - 1:
        from ..._errors import OutOfRangeError
        raise OutOfRangeError(f"argument '{name}' is {int(value)}; it must be at least 1 and at most the chip's limit")
    return int(value)


def spec_from_handle(handle, two_dimensional: bool = False) -> dict:
    """The specification behind a library handle as Rockpool's dict of float arrays (copied
    from the library as binary arrays)."""
    dims, spec = _spec_arrays.read(handle)
    if two_dimensional:
        spec["weights_in"] = spec["weights_in"][:, :, 0].copy()
        spec["weights_rec"] = spec["weights_rec"][:, :, 0].copy()
    for key, value in zip(("weight_shift_in", "weight_shift_rec", "weight_shift_out"), dims[7:10]):
        spec[key] = int(value)
    spec["aliases"] = [[int(t)] if t >= 0 else [] for t in spec["aliases"]]
    spec["dt"] = float(dims[11])
    return spec


def mapper(chip: str, graph, weight_dtype="float", threshold_dtype="float", dash_dtype="float",
           max_hidden_neurons=None, max_output_neurons=None, rockpool_compatible: bool = False, dt=None) -> dict:
    """Rockpool's Xylo ``mapper(graph, ...)``: maps a ``celesta.nn`` graph, or a ``celesta.ir``
    graph of Input/Output, Linear/Affine and LIF/CubaLIF nodes (read from NIR or ``.t1c``, with
    ``dt`` the time step in the unit of its time constants: see ``NetworkGraph.from_ir``), onto
    the chip.

    Returns Rockpool's specification dict: ``weights_in``, ``weights_out``, ``weights_rec``
    (2-D ``weights_in``/``weights_rec`` on Xylo Audio 2 and Xylo v1 when every neuron has one
    synapse, else 3-D ``[.., .., n_syn]``), ``dash_mem``, ``dash_mem_out``, ``dash_syn``, ``dash_syn_2``,
    ``dash_syn_out``, ``threshold``, ``threshold_out``, ``bias``, ``bias_out``
    (numpy arrays, float64 unless a ``*_dtype`` is given: ``weight_dtype`` for the weights,
    ``threshold_dtype`` for thresholds and biases, ``dash_dtype`` for dashes, applied with
    ``astype``), ``weight_shift_*``, ``aliases`` (list of lists), ``dt`` and ``mapped_graph``
    (the graph given). Design-rule warnings are issued as :class:`DRCWarning`.

    ``max_hidden_neurons`` / ``max_output_neurons`` (None: the chip's limit) must lie in
    1..the chip's limit. ``rockpool_compatible=True`` reproduces Rockpool's Xylo Audio 3
    two-synapse dash bug; without it, a warning (once per process) says when Celesta's dashes
    differ from Rockpool's on a synapse that receives weights (where the spikes can differ). A Rockpool network or graph (``rockpool_net.as_graph()``) is
    accepted too (converted by ``celesta.nn.from_rockpool``, Rockpool not imported). Mapping errors raise the ``celesta.CelestaError`` subclass of their
    status, with a message naming the rule, node and value.
    """
    import warnings

    g = _graph_handle(graph, dt)
    limits = (_limit(max_hidden_neurons, "max_hidden_neurons"), _limit(max_output_neurons, "max_output_neurons"))
    handle = _celesta.xylo_map(g._handle, chip, *limits, bool(rockpool_compatible))
    spec = spec_from_handle(handle, two_dimensional=_celesta.spec_dims(handle)[10] == 2)
    if not rockpool_compatible:
        _warn_dash_rule(g, chip, spec, *limits)
    for keys, dtype in ((_WEIGHT_KEYS, weight_dtype), (_THRESHOLD_KEYS, threshold_dtype), (_DASH_KEYS, dash_dtype)):
        if dtype not in ("float", float, np.float64):
            for key in keys:
                spec[key] = spec[key].astype(dtype)
    text = _celesta.spec_warnings(handle)
    for message in filter(None, text.split("\n")):
        warnings.warn(message, DRCWarning, stacklevel=2)
    spec["mapped_graph"] = graph
    return spec


def _rate(value, name):
    """A firing probability, or the fraction of non-zero entries of a raster (Rockpool's rule)."""
    arr = np.asarray(value)
    if arr.ndim == 0:
        return float(arr)
    if arr.size == 0:
        return 0.0
    return float(np.count_nonzero(arr)) / arr.size


def cycles_model(chip: str, config: XyloConfiguration, input_sp=1.0, hidden_sp=1.0, output_sp=1.0):
    """Rockpool's ``cycles_model``: master-clock cycles per time step for ``config``.

    ``*_sp`` are firing probabilities in 0..1 or rasters (the fraction of non-zero entries is
    used). Returns ``(cycles, isyn2_ops)`` on Xylo Audio 2 and ``cycles`` on Xylo Audio 3, as
    Rockpool does.
    """
    if not isinstance(config, XyloConfiguration):
        raise TypeError(f"config must be a XyloConfiguration, not {type(config).__name__}")
    cycles, isyn2 = _celesta.xylo_cycles(config._handle, _rate(input_sp, "input_sp"),
                                         _rate(hidden_sp, "hidden_sp"), _rate(output_sp, "output_sp"))
    return (cycles, isyn2) if _celesta.chip_find(chip)["cycles_report_isyn2_ops"] else cycles


def est_clock_freq(chip: str, config: XyloConfiguration, dt: float, margin: float = 0.2) -> float:
    """Rockpool's ``est_clock_freq``: the master clock (Hz) that runs ``config`` in real time at
    time step ``dt`` with every neuron firing every step, plus ``margin``."""
    if not isinstance(config, XyloConfiguration):
        raise TypeError(f"config must be a XyloConfiguration, not {type(config).__name__}")
    return _celesta.xylo_clock_frequency(config._handle, float(dt), float(margin))
