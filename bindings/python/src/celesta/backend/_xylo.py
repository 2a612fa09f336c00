"""The Xylo chips as backends (``xylo-a2``, ``xylo-a3``, ``xylo-v1``): validation by the mapper's
design rules (in the library), compile = map + quantize + configuration, simulate = the
bit-exact Xylo simulator, profile = the cycle model (a model of the chip's clock cycles, not a
measurement)."""

from __future__ import annotations

import warnings

import numpy as np

from . import _native
from ._types import HardwareDescriptor, ProfileResult, SimulationResult, ValidationResult

_CHIPS = {"xylo-a2": "syns61201", "xylo-a3": "syns65302", "xylo-v1": "syns61300"}


def _module(chip_id):
    import importlib
    return importlib.import_module(f"celesta.devices.xylo.{chip_id}")


class XyloBackend:
    """One Xylo chip. ``dt``: the time step in the unit of the graph's time constants (None: the
    graph's ``metadata["dt"]``, else 1e-3 s; TALON's graphs count time in steps: ``dt=1``)."""

    def __init__(self, record: dict):
        self.name = record["name"]
        self._record = record
        self.chip_id = _CHIPS.get(self.name)

    def get_capabilities(self):
        from ._types import BackendCapabilities
        r = self._record
        return BackendCapabilities(r["supported_primitives"], r["supported_precisions"], r["supports_cyclic"],
                                   r["max_graph_size"], r["constraints"])

    def validate(self, graph) -> ValidationResult:
        d = _native.validate(self.name, graph)
        return ValidationResult(d["is_valid"], d["unsupported_nodes"], d["warnings"], d["errors"])

    def compile(self, graph, config=None, *, dt: float | None = None) -> HardwareDescriptor:
        """Maps, quantizes (per channel) and configures. ``descriptor.xylo_config`` is the
        chip's ``XyloConfiguration``; the weight tables hold the quantized specification."""
        from ..transform import quantize_methods as q
        chip = _module(self.chip_id)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            spec = chip.mapper(graph, weight_dtype="float", threshold_dtype="float", dash_dtype="float", dt=dt)
        spec.update(q.channel_quantize(**spec))
        xylo_config, ok, msg = chip.config_from_specification(**{k: v for k, v in spec.items() if k != "mapped_graph"})
        if not ok:
            raise ValueError(f"the configuration for {self.name} is invalid: {msg}")
        tables = {0: {k: np.asarray(v) for k, v in spec.items() if isinstance(v, np.ndarray)}}
        d = HardwareDescriptor(weight_tables=tables, metadata={"backend": self.name, "chip": self.chip_id, "dt": spec.get("dt"),
                                                               "warnings": [str(w.message) for w in caught]})
        d.xylo_config = xylo_config
        return d

    def simulate(self, graph, input_data=None, n_steps: int = 1, step_by_step: bool = False, *, dt: float | None = None,
                 talon_compatible=None) -> SimulationResult:
        """Runs the compiled network on the bit-exact simulator. ``input_data`` maps the Input to
        integer event counts [T, n_in] (or [B, T, n_in]); None: zeros for ``n_steps`` steps."""
        d = self.compile(graph, dt=dt)
        chip = _module(self.chip_id)
        sim = chip.XyloSim.from_config(d.xylo_config, dt=d.metadata["dt"] or 1e-3)
        n_in = sim.size_in
        if input_data is None:
            x = np.zeros((int(n_steps), n_in), np.int32)
        else:
            values = list(dict(input_data).values())
            if len(values) != 1:
                raise ValueError(f"{self.name}: give one input array (the network has one input port), got {len(values)}")
            x = np.asarray(values[0])
        out, _, rec = sim(x, record=True)
        name = graph.outputs[0] if graph.outputs else "output"
        return SimulationResult(outputs={name: out}, outputs_valid=True, timesteps_run=int(x.shape[-2]),
                                node_states=[{"Vmem": rec["Vmem"][..., t, :], "Spikes": rec["Spikes"][..., t, :]} for t in range(x.shape[-2])]
                                if step_by_step else [],
                                spike_counts={"hidden": int(rec["Spikes"].sum()), name: int(out.sum())},
                                batch=x.shape[0] if x.ndim == 3 else None)

    def profile(self, graph, input_data=None, n_steps: int = 1, *, dt: float | None = None) -> ProfileResult:
        """Clock cycles per step from the chip's cycle model at the run's firing rates, and the
        clock that runs it in real time; labelled a model (``latency_source == "cycle model"``,
        ``cycles_per_step``, ``clock_hz``). No energy figure: the power model is not wired here."""
        sim = self.simulate(graph, input_data, n_steps, dt=dt)
        d = self.compile(graph, dt=dt)
        chip = _module(self.chip_id)
        cfg = d.xylo_config
        steps = max(sim.timesteps_run, 1)
        # Firing probabilities per neuron and step (a neuron may emit several events a step).
        hidden_rate = min(sim.spike_counts["hidden"] / max(steps * cfg.n_hidden, 1), 1.0)
        out_rate = min(sum(v for k, v in sim.spike_counts.items() if k != "hidden") / max(steps * cfg.n_out, 1), 1.0)
        x = None if input_data is None else np.asarray(list(dict(input_data).values())[0])
        in_rate = 0.0 if x is None else float(np.count_nonzero(x)) / max(x.size, 1)
        cycles = chip.cycles_model(cfg, in_rate, hidden_rate, out_rate)
        cycles = cycles[0] if isinstance(cycles, tuple) else cycles
        clock = chip.est_clock_freq(cfg, d.metadata["dt"] or 1e-3)
        p = ProfileResult(total_latency_us=float(cycles) / clock * 1e6 * steps if clock else 0.0, spike_counts=sim.spike_counts,
                          energy_preset=self.name, latency_source="cycle model")
        p.cycles_per_step = float(cycles)
        p.clock_hz = float(clock)
        return p
