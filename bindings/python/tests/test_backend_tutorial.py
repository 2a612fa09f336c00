"""The backend tutorial (seeds 004, its CPU part) run as a test with `talon` replaced by
`celesta` in its imports. Its printed numbers that do not depend on its unseeded random
weights are compared with the tutorial's output; the simulation's spike counts are those of
the reference case that replays the tutorial with recorded weights and input."""

import contextlib
import io

import numpy as np
import pytest

import celesta
from celesta import backend as celesta_backend

import _talon_cases as tc

TUTORIAL = '''
from celesta import backend
print(f"Available backends: {backend.list_backends()}")
cpu = backend.get_backend("cpu")
print(f"\\nCPU backend: {cpu.name}")
caps = cpu.get_capabilities()
print(f" Supported primitives: {len(caps.supported_primitives)}")
print(f" Supported precisions: {caps.supported_precisions}")
print(f" Supports cyclic: {caps.supports_cyclic}")
print(f" Max graph size: {caps.max_graph_size:,}")
print("Energy presets:")
for name, preset in backend.ENERGY_PRESETS.items():
    print(f" {name}:")
    print(f" MAC: {preset['mac_pj']} pJ")
    print(f" Spike: {preset['spike_pj']} pJ")
    print(f" {preset['description']}")
import numpy as np
from celesta import ir
nodes = {
    "input": ir.Input(np.array([784])),
    "fc1": ir.Affine(
        weight=np.random.randn(128, 784).astype(np.float32) * 0.01,
        bias=np.zeros(128, dtype=np.float32),
    ),
    "lif1": ir.LIF(
        tau=np.ones(128, dtype=np.float32) * 10.0,
        r=np.ones(128, dtype=np.float32),
        v_leak=np.zeros(128, dtype=np.float32),
        v_threshold=np.ones(128, dtype=np.float32),
    ),
    "fc2": ir.Affine(
        weight=np.random.randn(10, 128).astype(np.float32) * 0.01,
        bias=np.zeros(10, dtype=np.float32),
    ),
    "lif2": ir.LIF(
        tau=np.ones(10, dtype=np.float32) * 10.0,
        r=np.ones(10, dtype=np.float32),
        v_leak=np.zeros(10, dtype=np.float32),
        v_threshold=np.ones(10, dtype=np.float32),
    ),
    "output": ir.Output(np.array([10])),
}
edges = [
    ("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"),
    ("fc2", "lif2"), ("lif2", "output"),
]
graph = ir.Graph(nodes=nodes, edges=edges)
print(f"Graph: {len(graph.nodes)} nodes, {len(graph.edges)} edges")
val = cpu.validate(graph)
print(f"Validation:")
print(f" Valid: {val.is_valid}")
print(f" Unsupported nodes: {val.unsupported_nodes}")
print(f" Warnings: {val.warnings}")
config = backend.CompileConfig()
compiled = cpu.compile(graph, config)
print(f"Compiled: {type(compiled).__name__}")
x = np.random.randn(1, 784).astype(np.float32)
sim = cpu.simulate(graph, {"input": x}, n_steps=3)
print(f"Simulation:")
print(f" Steps run: {sim.timesteps_run}")
print(f" Outputs valid: {sim.outputs_valid}")
print(f" Spike counts: {sim.spike_counts}")
prof = cpu.profile(graph)
print(f"Profile (neuromorphic_int8):")
print(f" Total latency: {prof.total_latency_us:.2f} μs")
print(f" MAC operations: {prof.mac_ops:,}")
print(f" Energy estimate: {prof.energy_estimate_uj:.4f} μJ")
print(f" MAC energy: {prof.mac_energy_uj:.4f} μJ")
print(f" Spike energy: {prof.spike_energy_uj:.4f} μJ")
print(f" SRAM energy: {prof.sram_energy_uj:.4f} μJ")
print(f" Peak memory: {prof.peak_memory_bytes:,} bytes")
print(f" Weight memory: {prof.weight_memory_bytes:,} bytes")
print(f" Energy preset: {prof.energy_preset}")
print(f"\\n Per-layer energy:")
for layer, energy in prof.per_layer_energy_uj.items():
    print(f" {layer}: {energy:.4f} μJ")
prof_zcu = cpu.profile(graph, energy_preset="zcu102")
print(f"Profile (ZCU102):")
print(f" Energy preset: {prof_zcu.energy_preset}")
print(f" Energy estimate: {prof_zcu.energy_estimate_uj:.4f} μJ")
prof_custom = cpu.profile(
    graph,
    energy_per_mac_pj=2.0,
    energy_per_spike_pj=0.5,
    energy_per_sram_read_pj=3.0,
)
print(f"Custom preset energy: {prof_custom.energy_estimate_uj:.4f} μJ")
fpga = backend.get_backend("fpga")
val = fpga.validate(graph)
print(f"FPGA validation: {val.is_valid}")
print(f" Supported precisions: {fpga.get_capabilities().supported_precisions}")
'''

# The tutorial's printed lines that do not depend on its random weights.
EXPECTED = """Available backends: ['cpu', 'fpga']
CPU backend: cpu
 Supported primitives: 22
 Supported precisions: ['fp32', 'fp16', 'int16', 'int8', 'int4']
 Supports cyclic: True
 Max graph size: 1,000,000
 45nm_cmos:
 MAC: 0.9 pJ
 Spike: 0.1 pJ
 Standard 45 nm CMOS process (Horowitz 2014)
 neuromorphic_int8:
 MAC: 4.6 pJ
 Spike: 0.9 pJ
 zcu102:
 Alias for zynq_us_plus (XCZU9EG-2FFVB1156 on ZCU102)
Graph: 6 nodes, 5 edges
 Valid: True
 Unsupported nodes: []
 Warnings: []
Compiled: HardwareDescriptor
 Steps run: 3
 Outputs valid: True
 MAC operations: 101,632
 Energy estimate: 0.9777 μJ
 MAC energy: 0.4675 μJ
 Spike energy: 0.0000 μJ
 SRAM energy: 0.5102 μJ
 Peak memory: 413,568 bytes
 Weight memory: 407,080 bytes
 Energy preset: neuromorphic_int8
 fc1: 0.9640 μJ
 lif1: 0.0013 μJ
 fc2: 0.0123 μJ
 lif2: 0.0001 μJ
 Energy preset: zcu102
 Energy estimate: 0.7334 μJ
FPGA validation: True
 Supported precisions: ['fp32', 'int16', 'int8', 'int4', 'ap_fixed<16,6>']""".splitlines()


def _run_tutorial():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(TUTORIAL, "tutorial_004", "exec"), {})
    return out.getvalue().splitlines()


def test_tutorial_prints_talons_numbers_in_talon_compatible_mode():
    with celesta.talon_compatible():
        lines = _run_tutorial()
    for line in EXPECTED:
        assert line in lines, line


def test_tutorial_runs_in_celestas_mode():
    lines = _run_tutorial()
    # Celesta lists the Xylo backends too and computes more primitives than TALON's 22.
    assert lines[0].startswith("Available backends: ['cpu', 'fpga', 'xylo-a2'")
    assert int(next(x for x in lines if "Supported primitives" in x).split(": ")[1]) > 30
    for line in (" MAC operations: 101,632", " Weight memory: 407,080 bytes", " Steps run: 3", "Compiled: HardwareDescriptor"):
        assert line in lines, line


def test_tutorial_spike_counts_match_the_replayed_case():
    c = tc.case("simulate.mlp_seed_backend.run2")
    g = tc.graph("mlp_seed_backend")
    cpu = celesta_backend.get_backend("cpu")
    with celesta.talon_compatible():
        sim = cpu.simulate(g, tc.inputs(c["args"]["input_data"]), n_steps=3)
    assert sim.spike_counts == c["expected"]["spike_counts"]
