"""``profile`` (README §15) and ``run`` (§16) of the cpu backend.

TALON-compatible mode reproduces TALON's figures exactly (its MAC count ignores the spatial
size of convolutions, its latency is its own loop's). Celesta's mode counts the MACs the
kernels really do, uses the simulator's own measured time per node as latency, and adds
custom per-operation energies (``energy_per_op_pj={"Affine": pJ per MAC, ...}``). Energies
are always estimates from per-operation costs (``energy_is_estimate``)."""

from __future__ import annotations

import math

import numpy as np

from . import _native
from ._energy import DEFAULT_PRESET, get_energy_preset
from ._types import ProfileResult, RunResult

_STATE_FIELDS = ("tau", "v_threshold", "v_leak", "r")


def _type(node) -> str:
    return type(node).__name__


def _arrays(node) -> list:
    d = node.to_dict()
    d.pop("type", None)
    return [(k, v) for k, v in d.items() if isinstance(v, np.ndarray)]


def _is(node, name) -> bool:
    return any(c.__name__ == name for c in type(node).__mro__)


def _talon_macs(node) -> int:
    t = _type(node)
    if t == "Affine":
        w = node.weight
        return int(w.shape[0] * w.shape[1])
    if _is(node, "Conv2d") or _is(node, "Conv1d"):
        return int(np.prod(node.weight.shape))
    total = 0
    for k, v in _arrays(node):
        if "weight" in k and "cheap" not in k and v.ndim >= 2:
            total += int(np.prod(v.shape))
        if "cheap_weight" in k and v.ndim == 4:
            total += int(v.shape[0] * v.shape[2] * v.shape[3])
    return total


def _lif_size(node) -> int:
    return int(node.v_threshold.shape[0]) if getattr(node, "v_threshold", None) is not None else 0


def _coefficients(preset, mac, spike, read, write):
    p = get_energy_preset(preset)
    return (p["mac_pj"] if mac is None else float(mac), p["spike_pj"] if spike is None else float(spike),
            p["sram_read_pj"] if read is None else float(read), p["sram_write_pj"] if write is None else float(write))


def _first_step(graph, inputs):
    """The inputs of the first step only ([T, *S] -> [1, *S], [B, T, *S] -> [B, 1, *S]), for a
    one-step run that measures the values' sizes."""
    if inputs is None:
        return None
    out = {}
    for name, v in inputs.items():
        node = graph.nodes.get(name)
        port = getattr(node, "input_type", None) or {}
        rank = len(next(iter(port.values()))) if port else v.ndim
        if v.ndim == rank + 1:
            v = v[:1]
        elif v.ndim == rank + 2:
            v = v[:, :1]
        out[name] = v
    return out


def profile(graph, input_data, n_steps, energy_preset, mac, spike, read, write, per_op, talon: bool) -> ProfileResult:
    mac_pj, spike_pj, read_pj, write_pj = _coefficients(energy_preset, mac, spike, read, write)
    per_op = dict(per_op or {})
    if talon and per_op:
        raise ValueError("energy_per_op_pj is a Celesta extension; TALON-compatible profiles take energy_per_*_pj only")
    nodes = {n: v for n, v in graph.nodes.items() if _type(v) not in ("Input", "Output")}
    weight_bytes = state_bytes = 0
    for node in nodes.values():
        for k, v in _arrays(node):
            if k in _STATE_FIELDS:
                state_bytes += v.nbytes
            else:
                weight_bytes += v.nbytes
    inputs = None if input_data is None else {k: np.asarray(v) for k, v in dict(input_data).items()}
    doc = _native.simulate(graph, inputs, n_steps=int(n_steps), talon_compatible=talon, profiling=talon, timing=True)
    if doc["errors"]:
        raise RuntimeError("; ".join(doc["errors"]))
    steps = doc["timesteps_run"] or int(n_steps)
    spikes = doc["spike_counts"]
    ns = doc["node_ns"]
    if talon:
        macs = {n: _talon_macs(v) for n, v in nodes.items()}
        activation = doc["peak_activation_bytes"]
    else:
        macs = {n: int(doc["node_macs"].get(n, 0)) for n in nodes}
        # Every node's value, held once per sample (the simulator's arena).
        activation = sum(4 * int(np.prod(s.shape)) for s in (doc["node_states"][-1].values() if doc["node_states"] else []))
        if not doc["node_states"]:
            d2 = _native.simulate(graph, _first_step(graph, inputs), n_steps=1, step_by_step=True, talon_compatible=False)
            activation = sum(4 * int(np.prod(s.shape)) for s in d2["node_states"][-1].values())
            if d2["batch"]:
                activation //= d2["batch"]
    # A batch is B runs: its work counts B times (the weights are read once per step for all).
    batch = doc.get("batch") or 1
    mac_ops = sum(macs.values()) * steps * batch
    lif = {n: v for n, v in nodes.items() if _type(v) == "LIF" or (not talon and n in spikes)}
    state_traffic = sum(_lif_size(v) if _type(v) == "LIF" else int(np.prod(np.shape(getattr(v, "v_threshold", [0])))) for v in lif.values()) * steps * batch
    reads = math.ceil(weight_bytes / 4) + state_traffic
    writes = state_traffic

    def op_mac(node) -> float:
        return float(per_op.get(_type(node), mac_pj))

    if talon:
        mac_energy = mac_ops * mac_pj
    else:
        mac_energy = sum(macs[n] * steps * batch * op_mac(v) for n, v in nodes.items())
    spike_energy = sum(spikes.values()) * spike_pj
    sram_energy = reads * read_pj + writes * write_pj
    per_layer: dict = {}
    per_core: dict = {}
    for name, node in nodes.items():
        t = _type(node)
        core = getattr(node, "core_id", None) or 0
        weighted = t == "Affine" or _is(node, "Conv2d") or _is(node, "Conv1d") or (not talon and macs[name] > 0)
        if weighted:
            wb = sum(v.nbytes for k, v in _arrays(node) if k not in _STATE_FIELDS) if not talon else \
                node.weight.nbytes + (node.bias.nbytes if getattr(node, "bias", None) is not None else 0)
            m = (node.weight.size if t == "Affine" else int(np.prod(node.weight.shape))) if talon else macs[name] * batch
            e = m * steps * (mac_pj if talon else op_mac(node)) + math.ceil(wb / 4) * read_pj
            if e > 0:
                per_layer[name] = e / 1e6
            per_core[core] = per_core.get(core, 0.0) + m * steps * (mac_pj if talon else op_mac(node)) + math.ceil(wb / 4) * read_pj
        elif name in lif:
            n = _lif_size(node) if t == "LIF" else int(np.size(getattr(node, "v_threshold", 0)))
            s = spikes.get(name, 0)
            e = s * spike_pj + n * steps * batch * (read_pj + write_pj)
            if e > 0:
                per_layer[name] = e / 1e6
            per_core[core] = per_core.get(core, 0.0) + s * spike_pj
    per_node_us = {n: ns.get(n, 0) / 1000.0 for n in nodes}
    per_core_us: dict = {}
    for name, node in nodes.items():
        core = getattr(node, "core_id", None) or 0
        per_core_us[core] = per_core_us.get(core, 0.0) + per_node_us[name]
    util = {n: spikes.get(n, 0) / max((_lif_size(v) if _type(v) == "LIF" else int(np.size(getattr(v, "v_threshold", 0)))) * steps, 1)
            for n, v in lif.items()}
    return ProfileResult(
        total_latency_us=sum(per_node_us.values()), per_node_latency=per_node_us,
        energy_estimate_uj=(mac_energy + spike_energy + sram_energy) / 1e6, mac_energy_uj=mac_energy / 1e6,
        spike_energy_uj=spike_energy / 1e6, sram_energy_uj=sram_energy / 1e6, per_layer_energy_uj=per_layer,
        peak_memory_bytes=int(activation + weight_bytes + state_bytes), weight_memory_bytes=int(weight_bytes),
        state_memory_bytes=int(state_bytes), total_sram_accesses=int(reads + writes), spike_counts=dict(spikes),
        mac_ops=int(mac_ops), neuron_utilization=util, per_core_latency=per_core_us,
        per_core_energy={c: e / 1e6 for c, e in per_core.items()}, energy_preset=energy_preset)


def run(graph, input_data=None, timesteps: int = 1, backend: str = "cpu", profile: bool = True,
        energy_per_mac_pj: float = 0.9, energy_per_spike_pj: float = 0.1, energy_per_sram_read_pj: float = 5.0, *,
        talon_compatible: bool | None = None) -> RunResult:
    """Validates, simulates and (with ``profile``) profiles the graph on ``backend``. Problems
    are reported in ``errors`` (TALON's messages), not raised."""
    from ._registry import _compatible, get_backend
    talon = _compatible(talon_compatible)
    try:
        b = get_backend(backend, talon_compatible=talon)
    except KeyError:
        return RunResult(errors=[f"Backend '{backend}' not found"])
    if not hasattr(b, "simulate"):
        return RunResult(errors=[f"Backend '{backend}' does not support simulation. Use backend='cpu'."])
    v = b.validate(graph, talon_compatible=talon) if backend == "cpu" else b.validate(graph)
    if not v.is_valid:
        return RunResult(errors=list(v.warnings) + list(getattr(v, "errors", [])) + [f"Validation failed: {v.unsupported_nodes}"])
    if input_data is not None and not isinstance(input_data, dict):
        if len(graph.inputs) != 1:
            return RunResult(errors=[f"A bare array needs exactly one Input node; the graph has {len(graph.inputs)}: {graph.inputs}"])
        input_data = {graph.inputs[0]: input_data}
    try:
        sim = b.simulate(graph, input_data, n_steps=timesteps, talon_compatible=talon)
    except Exception as e:  # noqa: BLE001 - run() reports, as TALON's does
        return RunResult(errors=[str(e)])
    result = RunResult(outputs=sim.outputs, spike_counts=sim.spike_counts, timesteps_run=sim.timesteps_run, errors=list(sim.errors))
    if profile and backend != "cpu":  # a chip's own models (cycles), no energy formula of TALON's
        result.profile = b.profile(graph, input_data, n_steps=timesteps)
        result.total_latency_us = result.profile.total_latency_us
    elif profile:
        p = b.profile(graph, input_data, n_steps=timesteps, energy_preset=DEFAULT_PRESET, talon_compatible=talon)
        result.profile = p
        result.total_latency_us = p.total_latency_us
        result.per_node_latency = p.per_node_latency
        result.mac_ops = p.mac_ops
        result.peak_memory_bytes = p.peak_memory_bytes
        result.energy_estimate_uj = (p.mac_ops * energy_per_mac_pj + sum(sim.spike_counts.values()) * energy_per_spike_pj
                                     + p.peak_memory_bytes * energy_per_sram_read_pj / 4) / 1e6
    return result
