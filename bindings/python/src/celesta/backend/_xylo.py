"""The Xylo chips as backends (``xylo-a2``, ``xylo-a3``, ``xylo-v1``): validation by the mapper's
design rules (in the library), compile = map + quantize + configuration, simulate = the
bit-exact Xylo simulator, profile = the chip's cycle and power models (models, not
measurements), computed by the library (``celesta_backend_profile``). The chip of each backend
comes from the library's chip table (the backend record's ``chip``)."""

from __future__ import annotations

import numpy as np

from . import _native
from ._types import HardwareDescriptor, ProfileResult, SimulationResult, ValidationResult


def _module(chip_id):
    import importlib
    return importlib.import_module(f"celesta.devices.xylo.{chip_id}")


class XyloBackend:
    """One Xylo chip. ``dt``: the time step in the unit of the graph's time constants (None: the
    graph's ``metadata["dt"]``, else 1e-3 s; TALON's graphs count time in steps: ``dt=1``)."""

    def __init__(self, record: dict):
        self.name = record["name"]
        self._record = record
        self.chip_id = record.get("chip")

    def get_capabilities(self):
        """The chip backend's capabilities, from the library's registry record."""
        from ._registry import _capabilities
        return _capabilities(self._record)

    def get_constraints(self):
        """A chip has no TALON per-core view (its limits are its chip record's):
        ``NotImplementedError``, as the library's record gives no ``hardware_constraints``."""
        from ._registry import _constraints
        return _constraints(self.name)

    def validate(self, graph) -> ValidationResult:
        d = _native.validate(self.name, graph)
        return ValidationResult(d["is_valid"], d["unsupported_nodes"], d["warnings"], d["errors"])

    def compile(self, graph, config=None, *, dt: float | None = None) -> HardwareDescriptor:
        """Maps, quantizes (per channel) and configures, in the library (celesta_backend_compile).
        ``descriptor.xylo_config`` is the chip's ``XyloConfiguration``; the weight tables hold
        the quantized specification."""
        from ._registry import _descriptor
        doc = _native.compile(self.name, graph, {"settings": {"dt": dt}})
        d = _descriptor(doc)
        spec = {**{k: v for k, v in d.weight_tables[0].items()}, **doc["settings"]}
        xylo_config, ok, msg = _module(self.chip_id).config_from_specification(**spec)
        if not ok:
            raise ValueError(f"the configuration for {self.name} is invalid: {msg}")
        d.xylo_config = xylo_config
        return d

    def simulate(self, graph, input_data=None, n_steps: int = 1, step_by_step: bool = False, *, dt: float | None = None,
                 talon_compatible=None, progress=None) -> SimulationResult:
        """Runs the compiled network on the bit-exact simulator. ``input_data`` maps the Input to
        integer event counts [T, n_in] (or [B, T, n_in]); None: zeros for ``n_steps`` steps.
        ``progress``: as ``XyloSim.evolve`` takes it."""
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
        out, _, rec = sim(x, record=True, progress=progress)
        name = graph.outputs[0] if graph.outputs else "output"
        return SimulationResult(outputs={name: out}, outputs_valid=True, timesteps_run=int(x.shape[-2]),
                                node_states=[{"Vmem": rec["Vmem"][..., t, :], "Spikes": rec["Spikes"][..., t, :]} for t in range(x.shape[-2])]
                                if step_by_step else [],
                                spike_counts={"hidden": int(rec["Spikes"].sum()), name: int(out.sum())},
                                batch=x.shape[0] if x.ndim == 3 else None)

    def profile(self, graph, input_data=None, n_steps: int = 1, *, dt: float | None = None, progress=None) -> ProfileResult:
        """The library's models on a simulated run: clock cycles per step from the chip's cycle
        model at the run's firing rates (``cycles_per_step``), the clock that runs it in real
        time (``clock_hz``), latency = cycles / clock per step (``latency_source == "cycle
        model"``), and the dev kit's per-rail power model at that clock over the run's activity
        (``power_watts`` {rail: W}, ``power_total_watts``, ``run_seconds``; ``energy_estimate_uj``
        = total power x run time, ``energy_source == "power model"``). Models, not
        measurements. Xylo v1 has no kit and no reference model: its cycle model is Xylo Audio
        2's (``latency_source == "derived cycle model"``) and its power model Audio 2's SNN-core
        rail alone (``power_watts == {"snn_core": W}``, ``energy_source == "derived power
        model"``), each labelled as derived with its assumptions in ``model_notes``. ``progress`` as for the cpu's ``simulate`` (steps of the
        chip model's run, after each block)."""
        from ._profile import profile_result
        inputs = None if input_data is None else {k: np.asarray(v) for k, v in dict(input_data).items()}
        return profile_result(_native.profile(self.name, graph, inputs, n_steps=int(n_steps), dt=dt, progress=progress))
