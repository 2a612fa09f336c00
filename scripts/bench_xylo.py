#!/usr/bin/env python3
"""Simulator benchmark of `make bench`: Celesta's XyloSim against the reference simulator.

Networks (fixed seeds, the same inputs for both): 2-4-2, 16-63-8, 16-1000-8 with dense
recurrent weights, 16-1000-8 with recurrent fan-out 32; then the same sizes in the
high-activity regime (Xylo's multi-spike mode: >= 5 spikes per hidden neuron per step on
average, ~16 input events per step with counts up to 6; 16-63-8 with two synapses), whose
goals are >= 20x the reference on 16-63-8, >= 100x on dense 16-1000-8, >= 15x on fan-out 32
and <= 1 ns per delivered event. Prints time steps per second,
delivered synaptic events per second, ns per delivered event, the batch speed-up on all
cores, the Python overhead per call, and the ratios against two references: xylosim 0.1.3 called
directly (installed into the venv by `make bench`), and Rockpool 3.1.0's `XyloSim` wrapper
around it, which is what a Rockpool user runs: Rockpool needs numpy < 2, so it runs in
`.venv-rockpool` (made by scripts/rockpool_venv.sh) as a subprocess, on the same networks and
inputs (passed in an .npz file), and says whether its output spikes equal Celesta's.
Figures are printed, never asserted.

Usage: bench_xylo.py                     (Celesta's side; calls Rockpool's side itself)
       bench_xylo.py --rockpool DIR      (Rockpool's side, in .venv-rockpool: times the rows in
                                          DIR/rows.npz, writes DIR/rockpool.json)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROCKPOOL_PY = os.path.join(HERE, "..", ".venv-rockpool", "bin", "python")
sys.path.insert(0, HERE)


def network(n_in, n_hidden, n_out, seed, density=None, fanout=None):
    rng = np.random.default_rng(seed)
    w_in = rng.integers(-60, 61, size=(n_in, n_hidden, 1))
    if fanout is not None:
        w_rec = np.zeros((n_hidden, n_hidden, 1), dtype=np.int64)
        for i in range(n_hidden):
            targets = rng.choice(n_hidden, size=fanout, replace=False)
            w_rec[i, targets, 0] = rng.integers(-40, 41, size=fanout)
    else:
        w_rec = rng.integers(-12, 13, size=(n_hidden, n_hidden, 1))
        if density is not None:
            w_rec *= rng.random((n_hidden, n_hidden, 1)) < density
    w_out = rng.integers(-60, 61, size=(n_hidden, n_out))
    return dict(
        weights_in=w_in, weights_rec=w_rec, weights_out=w_out,
        dash_mem=np.full(n_hidden, 4), dash_syn=np.full(n_hidden, 3), dash_syn_2=np.full(n_hidden, 3),
        threshold=np.full(n_hidden, 60 * int(np.sqrt(n_hidden)) + 200), dash_mem_out=np.full(n_out, 4), dash_syn_out=np.full(n_out, 3),
        threshold_out=np.full(n_out, 300), aliases=[[] for _ in range(n_hidden)],
    )


NETWORKS = [
    ("2-4-2", network(2, 4, 2, 11), 20000),
    ("16-63-8", network(16, 63, 8, 12), 5000),
    ("16-1000-8 dense", network(16, 1000, 8, 13), 300),
    ("16-1000-8 fan-out 32", network(16, 1000, 8, 14, fanout=32), 2000),
]


def multi_spike_network(n_in, n_hidden, n_out, seed, threshold, fanout=None, n_syn=1):
    """A network in the multi-spike regime: mostly positive input weights and thresholds low
    enough for >= 5 spikes per hidden neuron per step on `multi_spike_raster`."""
    rng = np.random.default_rng(seed)
    w_in = rng.integers(-10, 61, size=(n_in, n_hidden, n_syn))
    if fanout is not None:
        w_rec = np.zeros((n_hidden, n_hidden, n_syn), dtype=np.int64)
        for i in range(n_hidden):
            targets = rng.choice(n_hidden, size=fanout, replace=False)
            w_rec[i, targets, :] = rng.integers(-12, 13, size=(fanout, n_syn))
    else:
        w_rec = rng.integers(-3, 4, size=(n_hidden, n_hidden, n_syn))
    return dict(
        weights_in=w_in, weights_rec=w_rec, weights_out=rng.integers(-60, 61, size=(n_hidden, n_out)),
        dash_mem=np.full(n_hidden, 2), dash_syn=np.full(n_hidden, 2), dash_syn_2=np.full(n_hidden, 3),
        threshold=np.full(n_hidden, threshold), dash_mem_out=np.full(n_out, 4), dash_syn_out=np.full(n_out, 3),
        threshold_out=np.full(n_out, 300), aliases=[[] for _ in range(n_hidden)],
    )


def multi_spike_raster(steps, n_in, seed):
    """~16 input events per step over 16 channels, counts 1..6."""
    rng = np.random.default_rng(seed)
    return ((rng.random((steps, n_in)) < 0.3) * rng.integers(1, 7, size=(steps, n_in))).astype(np.int32)


MULTI_SPIKE = [
    ("16-63-8 2 syn, multi", multi_spike_network(16, 63, 8, 21, 700, n_syn=2), 3000),
    ("16-1000-8 dense, multi", multi_spike_network(16, 1000, 8, 22, 250), 200),
    ("16-1000-8 fo32, multi", multi_spike_network(16, 1000, 8, 23, 250, fanout=32), 1000),
]


def raster(steps, n_in, seed):
    rng = np.random.default_rng(seed)
    return (rng.random((steps, n_in)) < 0.1).astype(np.int32) * rng.integers(1, 4, size=(steps, n_in)).astype(np.int32)


def delivered_events(spec, x, record):
    """Synaptic additions the core performs: input events x fan-out + hidden spikes x fan-out."""
    fan_in = (np.asarray(spec["weights_in"]) != 0).sum(axis=(1, 2))
    fan_rec = (np.asarray(spec["weights_rec"]) != 0).sum(axis=(1, 2)) + (np.asarray(spec["weights_out"]) != 0).sum(axis=1)
    events = (np.minimum(x, 15) * fan_in).sum()
    events += (record["Spikes"] * fan_rec).sum()
    return int(events)


def best_time(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def reference_factory():
    """A function spec -> evolve(x) for xylosim 0.1.3 called directly, and its name, or (None, why)."""
    try:
        from xylo_reference import make_xylosim  # scripts/xylo_reference.py
        return make_xylosim, "xylosim 0.1.3"
    except Exception as err:  # noqa: BLE001
        return None, f"reference simulator unavailable ({type(err).__name__}: {err})"


SPEC_ARRAYS = ("weights_in", "weights_rec", "weights_out", "dash_mem", "dash_syn", "dash_syn_2", "threshold",
               "dash_mem_out", "dash_syn_out", "threshold_out")
ROCKPOOL_STEPS = 300  # steps timed on Rockpool's side (its wrapper is slow on the large rows)


def rockpool_rates(rows):
    """Rockpool's XyloSim steps/s per row name, run in .venv-rockpool (None where it cannot
    run), and whether its output spikes equal Celesta's on each row; or (None, why)."""
    if not os.path.exists(ROCKPOOL_PY):
        return None, "no .venv-rockpool (scripts/rockpool_venv.sh makes it)"
    with tempfile.TemporaryDirectory() as tmp:
        arrays = {}
        for k, (name, spec, x, _) in enumerate(rows):
            arrays[f"{k}/input"] = x[:ROCKPOOL_STEPS]
            for key in SPEC_ARRAYS:
                arrays[f"{k}/{key}"] = np.asarray(spec[key])
        np.savez(os.path.join(tmp, "rows.npz"), **arrays)
        with open(os.path.join(tmp, "rows.json"), "w") as f:
            json.dump([name for name, _, _, _ in rows], f)
        run = subprocess.run([ROCKPOOL_PY, os.path.abspath(__file__), "--rockpool", tmp], capture_output=True, text=True)
        if run.returncode != 0:
            return None, f"Rockpool's side failed: {run.stderr.strip().splitlines()[-1:]}"
        with open(os.path.join(tmp, "rockpool.json")) as f:
            rates = json.load(f)
        outputs = np.load(os.path.join(tmp, "rockpool_out.npz"))
        same = {name: bool(np.array_equal(outputs[str(k)], celesta_out[:ROCKPOOL_STEPS]))
                for k, (name, _, _, celesta_out) in enumerate(rows)}
    return (rates, same), "rockpool 3.1.0 XyloSim"


def rockpool_side(folder):
    """In .venv-rockpool: Rockpool's XyloSim (syns61201, which wraps xylosim) on every row."""
    sys.path.insert(0, os.path.join(HERE, "..", "bindings", "python", "tests", "support"))
    import samna_stub  # Rockpool imports samna for its dev-kit modules only

    samna_stub.install()
    from rockpool.devices.xylo.syns61201 import XyloSim

    data = np.load(os.path.join(folder, "rows.npz"))
    with open(os.path.join(folder, "rows.json")) as f:
        names = json.load(f)
    rates, outputs = {}, {}
    for k, name in enumerate(names):
        spec = {key: data[f"{k}/{key}"] for key in SPEC_ARRAYS}
        spec["aliases"] = [[] for _ in range(spec["weights_rec"].shape[0])]
        x = data[f"{k}/input"]
        sim = XyloSim.from_specification(**spec)
        out, _, _ = sim(x, record=False)
        outputs[str(k)] = np.asarray(out)
        rates[name] = len(x) / best_time(lambda: (sim.reset_state(), sim(x, record=False)))
    with open(os.path.join(folder, "rockpool.json"), "w") as f:
        json.dump(rates, f)
    np.savez(os.path.join(folder, "rockpool_out.npz"), **outputs)


def main():
    from celesta.devices.xylo import xa2

    make_ref, ref_name = reference_factory()
    print(f"references: {ref_name} (called directly); Rockpool's XyloSim (in .venv-rockpool, "
          f"first {ROCKPOOL_STEPS} steps)")
    rows = [(name, spec, steps, raster) for name, spec, steps in NETWORKS]
    rows += [(name, spec, steps, multi_spike_raster) for name, spec, steps in MULTI_SPIKE]
    only = os.environ.get("BENCH_XYLO_ONLY")  # a substring of the row names: only those rows
    figures, timed = [], []
    for name, spec, steps, make_input in rows:
        if only and only not in name:
            continue
        x = make_input(steps, spec["weights_in"].shape[0], 7)
        sim = xa2.XyloSim.from_specification(**spec)
        out, _, rec = sim(x, record=True)
        events = delivered_events(spec, x, rec)
        sim.reset_state()
        t = best_time(lambda: (sim.reset_state(), sim(x)))
        rate = steps / t
        ref_rate = None
        if make_ref is not None:
            ref = make_ref(spec)
            ref_steps = min(steps, ROCKPOOL_STEPS)
            t_ref = best_time(lambda: ref(x[:ref_steps]), repeat=3)
            ref_rate = ref_steps / t_ref
        figures.append((name, rec["Spikes"].sum() / steps, rate, events / t, t / max(events, 1) * 1e9, ref_rate))
        timed.append((name, spec, x, np.asarray(out)))
    rockpool, why = rockpool_rates(timed)
    if rockpool is None:
        print(f"Rockpool's XyloSim: skipped ({why})")
    print(f"{'network':<24}{'spk/step':>9}{'steps/s':>12}{'events/s':>12}{'ns/event':>9}"
          f"{'xylosim/s':>11}{'ratio':>8}{'rockpool/s':>11}{'ratio':>8}  same spikes")
    for name, spikes, rate, event_rate, ns, ref_rate in figures:
        ratio = f"{rate / ref_rate:7.1f}x" if ref_rate else "     n/a"
        ref_text = f"{ref_rate:11.0f}" if ref_rate else f"{'n/a':>11}"
        rp_rate = rockpool[0].get(name) if rockpool else None
        rp_text = f"{rp_rate:11.0f}{rate / rp_rate:7.1f}x" if rp_rate else f"{'n/a':>11}{'n/a':>8}"
        same = ("yes" if rockpool[1][name] else "NO") if rockpool else ""
        print(f"{name:<24}{spikes:9.1f}{rate:12.0f}{event_rate:12.3e}{ns:9.2f}{ref_text}{ratio}{rp_text}  {same}")

    if only:
        return
    # Batches on all cores, and the per-call overhead of the Python layer.
    name, spec, steps = NETWORKS[3]
    x = raster(steps, 16, 8)
    batch = np.stack([x] * (os.cpu_count() or 1) * 4)
    sim = xa2.XyloSim.from_specification(**spec)
    # Interleaved and best of 7: this machine's speed drifts between runs.
    t_single = t_batch = float("inf")
    for _ in range(7):
        t_single = min(t_single, best_time(lambda: [sim(b) for b in batch], repeat=1))
        t_batch = min(t_batch, best_time(lambda: sim(batch), repeat=1))
    print(f"batch of {len(batch)} on {name}: {t_single / t_batch:.2f}x the sequential rate ({os.cpu_count()} cores)")
    small = xa2.XyloSim.from_specification(**NETWORKS[0][1])
    one = raster(1, 2, 9)
    n = 20000
    def calls():
        for _ in range(n):
            small(one)
    t_call = best_time(calls, repeat=5) / n
    long = raster(n, 2, 9)
    t_engine = best_time(lambda: small(long), repeat=5) / n
    print(f"python overhead per evolve call (1 step, 2-4-2, best of 5): {(t_call - t_engine) * 1e6:.2f} us "
          f"({t_call * 1e6:.2f} us per call, {t_engine * 1e9:.0f} ns of it simulating the step)")


def bench_map_quantize():
    """Mapper + channel quantization of a 16-1000-8 float network through the CLI (process
    start and JSON reading included), against the 1.6 s the issue measured for Rockpool."""
    import json
    import subprocess
    import tempfile

    rng = np.random.default_rng(21)
    n_in, n_h, n_out = 16, 1000, 8

    def lif(n, rec):
        layer = {"type": "LIF", "n_in": n, "n_out": n, "tau_mem": [0.02] * n, "tau_syn": [0.01] * n,
                 "threshold": [1.0] * n, "bias": [0.0] * n, "dt": 1e-3, "has_rec": rec}
        if rec:
            layer["w_rec"] = (rng.normal(0, 0.1, (n, n)) * (rng.random((n, n)) < 0.03)).round(6).tolist()
        return layer

    net = {"layers": [
        {"type": "Linear", "n_in": n_in, "n_out": n_h, "weight": rng.normal(0, 0.5, (n_in, n_h)).round(6).tolist()},
        lif(n_h, True),
        {"type": "Linear", "n_in": n_h, "n_out": n_out, "weight": rng.normal(0, 0.5, (n_h, n_out)).round(6).tolist()},
        lif(n_out, False)]}
    cli = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "bin", "celesta")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "net.json")
        with open(path, "w") as f:
            json.dump(net, f)
        spec, config = os.path.join(tmp, "spec.json"), os.path.join(tmp, "config.json")

        def run():
            subprocess.run([cli, "xylo", "map", path, "--chip", "xa2", "--output", spec], check=True, capture_output=True)
            subprocess.run([cli, "xylo", "quantize", spec, "--method", "channel", "--output", config], check=True,
                           capture_output=True)
        t = best_time(run)
    print(f"map + channel quantize 16-1000-8 (CLI, files included): {t * 1e3:.0f} ms; "
          f"{1.6 / t:.1f}x Rockpool's 1.6 s (figure from the issue)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--rockpool":
        rockpool_side(sys.argv[2])
        sys.exit(0)
    main()
    if not os.environ.get("BENCH_XYLO_ONLY"):
        bench_map_quantize()
