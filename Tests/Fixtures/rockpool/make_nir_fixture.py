"""Makes `rockpool_to_nir.nir` and `rockpool_to_nir.json`: a network built in Rockpool's torch
modules, exported with Rockpool's own NIR export (`rockpool.nn.modules.to_nir` + `nir.write`), and
the spikes and states that Rockpool's own `XyloSim` gives for it on Xylo Audio 2 and 3.

Run ONCE, by hand, in a throwaway venv outside the repository (CI never runs it: it needs torch):

    python3.11 -m venv /tmp/rp-nir-venv
    /tmp/rp-nir-venv/bin/pip install "numpy<2" scipy rockpool==3.1.0 xylosim==0.1.3 torch \
        nir==1.0.4 nirtorch==1.0          # torch: the CPU wheel; nir <= 1.0.4 is Rockpool 3.1.0's pin
    /tmp/rp-nir-venv/bin/python Tests/Fixtures/rockpool/make_nir_fixture.py

samna (SynSense's closed dev-kit library) is not needed: its import is stubbed as the interop
tests do. The test that reads these files is bindings/python/tests/test_rockpool_nir.py (it needs
neither Rockpool nor torch).

The network: LinearTorch(3 -> 8) -> LIFTorch(8) -> LinearTorch(8 -> 2) -> LIFTorch(2), weights from
a fixed numpy seed, per-neuron time constants that are whole powers of two of `dt` (so that every
dash is exact), thresholds 1, no bias. Rockpool 3.1.0's export writes each LIFTorch as a CubaLIF
with `r = tau_mem * exp(-dt / tau_mem) / dt`, `w_in` left at NIR's default 1 and `v_leak` 0 (it
drops the bias and a recurrent `w_rec`, so the network has neither), and each LinearTorch without
bias as a NIR Linear with `weight` (out, in).

The expected outputs are Rockpool's own deployment of the same torch network:
`mapper(net.as_graph())` -> `channel_quantize` -> `XyloSim.from_specification` (Rockpool's
`config_from_specification` needs the real samna) on a fixed input raster with several events per step. The
script checks that Rockpool's `from_nir` of the written file maps to the same quantized
specification (so the file carries the network), and that the network spikes.

`rockpool_to_nir.json` (schema `celesta.rockpool.nir/1`): `versions`, `dt`, `input` ([T][3]
events), and per chip (`xa2`, `xa3`) the quantized specification Rockpool made (`spec`: weights,
thresholds, dashes, shifts) and Rockpool's `XyloSim` results (`output`: [T][2] output spikes;
`record`: every array of its record dict, [T][n]).
"""

import json
import os
import sys
import types
from importlib.metadata import version

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bindings", "python", "tests", "support"))
import samna_stub  # noqa: E402

samna_stub.install()

import nir  # noqa: E402
import torch  # noqa: E402
from rockpool.devices.xylo import syns61201, syns65302  # noqa: E402
from rockpool.nn.combinators import Sequential  # noqa: E402
from rockpool.nn.modules import LIFTorch, LinearTorch, from_nir, to_nir  # noqa: E402
from rockpool.transform import quantize_methods as q  # noqa: E402

DT = 1e-3
NAME = "rockpool_to_nir"
SPEC_KEYS = ("weights_in", "weights_rec", "weights_out", "dash_mem", "dash_mem_out", "dash_syn", "dash_syn_2",
             "dash_syn_out", "threshold", "threshold_out", "bias", "bias_out", "weight_shift_in",
             "weight_shift_rec", "weight_shift_out", "aliases")


def network():
    rng = np.random.default_rng(2026)
    torch.manual_seed(2026)
    t = lambda a: torch.tensor(np.asarray(a), dtype=torch.float32)  # noqa: E731
    return Sequential(
        LinearTorch((3, 8), weight=t(rng.normal(0, 1.0, (3, 8)))),
        LIFTorch(8, tau_mem=t(DT * 2.0 ** rng.integers(2, 6, 8)), tau_syn=t(DT * 2.0 ** rng.integers(1, 4, 8)),
                 threshold=t(np.ones(8)), dt=DT),
        LinearTorch((8, 2), weight=t(rng.normal(0, 1.0, (8, 2)))),
        LIFTorch(2, tau_mem=t(DT * np.array([16.0, 8.0])), tau_syn=t(DT * np.array([4.0, 8.0])),
                 threshold=t(np.array([6.0, 10.0])), dt=DT),
    )


def check_file(graph, net):
    """The file carries the network: every weight, time constant and threshold as Rockpool's
    export wrote it (Rockpool's own `from_nir` reads it back, but its mapper then refuses the
    result: each layer gets its own `dt` estimate, `tau_mem / (1 + r)`, and "All neurons in the
    network must share a common `dt`")."""
    linears = [n for n in graph.nodes.values() if isinstance(n, nir.Linear)]
    lifs = [n for n in graph.nodes.values() if isinstance(n, nir.CubaLIF)]
    assert len(linears) == 2 and len(lifs) == 2 and len(graph.nodes) == 6, graph.nodes
    for node, module in zip(linears, (net[0], net[2])):
        assert np.array_equal(node.weight, module.weight.detach().numpy().T)
    for node, module in zip(lifs, (net[1], net[3])):
        tau = module.tau_mem.detach().numpy().reshape(-1)
        assert np.array_equal(node.tau_mem, tau) and np.array_equal(node.tau_syn, module.tau_syn.detach().numpy().reshape(-1))
        assert np.allclose(node.r, tau * np.exp(-DT / tau) / DT, rtol=1e-6) and np.all(node.w_in == 1)
    back = from_nir(graph)
    assert sum(isinstance(m, LIFTorch) for m in back.modules()) == 2


def deploy(chip, graph, x):
    spec = chip.mapper(graph, weight_dtype="float", threshold_dtype="float", dash_dtype="float")
    spec.update(q.channel_quantize(**spec))
    # XyloSim.from_specification: Rockpool's config_from_specification needs the real samna.
    sim = chip.XyloSim.from_specification(**{k: v for k, v in spec.items() if k != "mapped_graph"})
    out, _, rec = sim(x, record=True)
    return spec, rp(out), {k: rp(v) for k, v in rec.items()}


def rp(value):
    """A Rockpool result without its batch dimension of 1."""
    arr = np.asarray(value)
    return arr[0] if arr.ndim >= 3 and arr.shape[0] == 1 else arr


def plain(value):
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    arr = np.asarray(value)
    if arr.dtype.kind == "f" and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    return arr.tolist()


def main():
    net = network()
    graph = to_nir(net, torch.zeros((1, 3)))
    path = os.path.join(HERE, NAME + ".nir")
    nir.write(path, graph)

    x = np.random.default_rng(7).poisson(0.9, (200, 3)).astype(int)
    check_file(nir.read(path), net)
    chips = {}
    for key, chip in (("xa2", syns61201), ("xa3", syns65302)):
        spec, out, rec = deploy(chip, net.as_graph(), x)
        assert out.sum() > 20 and np.asarray(rec["Spikes"]).sum() > 100, (key, out.sum())
        chips[key] = {
            "spec": {k: plain(spec[k]) for k in SPEC_KEYS},
            "output": plain(out),
            "record": {k: plain(v) for k, v in rec.items() if isinstance(v, np.ndarray) and v.ndim == 2},
        }
        print(key, "output spikes per channel:", out.sum(axis=0), "hidden spikes:", np.asarray(rec["Spikes"]).sum())
    fixture = {
        "format": "celesta.rockpool.nir/1",
        "file": NAME + ".nir",
        "made_by": "Tests/Fixtures/rockpool/make_nir_fixture.py",
        "versions": {p: version(p) for p in ("rockpool", "nir", "nirtorch", "torch", "numpy", "xylosim")},
        "dt": DT,
        "input": plain(x),
        "chips": chips,
    }
    with open(os.path.join(HERE, NAME + ".json"), "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
