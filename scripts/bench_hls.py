"""`make bench` rows of the FPGA backend (figures printed, never asserted):

* generate + g++ compile of an 8-16-4 LIF network with a readout (the shared case S01), with the
  precompiled ap_types header warm (hls4ml's compile() of the same model: 4.66 s on this
  machine class; goal <= 2 s);
* the fixed-point simulator against the g++ C simulation of the same generated project,
  784-128-10 LIF with spike input, steps per second (goal >= 50x);
* the simulator batched: 32 independent sequences against one (goal >= 1.8x on 2 cores).
"""

import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

from celesta import hls

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lif_layers(sizes, rng, window):
    layers = [{"name": "x", "class_name": "Input", "n": sizes[0]}]
    for k, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append({"name": f"fc{k + 1}", "class_name": "Dense", "n_in": a, "n_out": b,
                       "weight": (np.round(rng.uniform(-0.3, 0.5, (a, b)) * 64) / 64).tolist(), "bias": [0.0] * b})
        layers.append({"name": f"lif{k + 1}", "class_name": "LIFNeuron", "n": b, "reset_mechanism": "subtract",
                       "threshold": {"mode": "scalar", "value": 1.0}, "beta": {"mode": "scalar", "value": 0.9}})
    layers.append({"name": "readout", "class_name": "SNNReadout", "n_classes": sizes[-1], "window_size": window,
                   "decision_rule": "argmax_spike_count"})
    return layers


def main():
    tmp = tempfile.mkdtemp(prefix="celesta-bench-hls-")
    try:
        with open(os.path.join(ROOT, "Tests", "Fixtures", "hls4ml", "S01_lif_8-16-4_sub_scalar_argmax_w10.json")) as f:
            case = json.load(f)
        times = []
        for k in range(3):
            m = hls.from_layers(case["layers"], case["hls4ml_config"], output_dir=os.path.join(tmp, f"s01_{k}"))
            t0 = time.perf_counter()
            m.compile()
            times.append(time.perf_counter() - t0)
        print(f"hls generate+compile 8-16-4 LIF+readout   first {times[0]:6.2f} s, warm {min(times[1:]):6.2f} s"
              f"   (hls4ml 4.66 s: {4.66 / min(times[1:]):5.1f}x, goal <= 2 s)")

        rng = np.random.default_rng(0)
        big = hls.from_layers(lif_layers([784, 128, 10], rng, 25),
                              {"IOType": "io_stream", "HLSConfig": {"Model": {"Precision": {"default": "ap_fixed<16,6>"}}}},
                              output_dir=os.path.join(tmp, "mnist"))
        steps = 400
        x = (rng.random((steps, 784)) < 0.1).astype(np.float32)
        big.compile()
        big.predict(x[:5])
        t0 = time.perf_counter()
        y_c = big.predict(x)
        t_c = time.perf_counter() - t0
        big.simulate(x[:5])
        t0 = time.perf_counter()
        y_s = big.simulate(x)
        t_s = time.perf_counter() - t0
        same = np.array_equal(big.simulate(np.concatenate([x[:5], x]))[5:], y_c)
        print(f"hls simulator 784-128-10 LIF, spikes      {steps / t_s:10.0f} steps/s; g++ C-sim {steps / t_c:8.0f} steps/s"
              f"   ({t_c / t_s:5.1f}x, goal >= 50x; outputs equal: {same})")
        batch = np.stack([x] * 32)
        t0 = time.perf_counter()
        big.simulate(batch)
        t_b = time.perf_counter() - t0
        print(f"hls simulator batch 32 (2 cores)          {32 * steps / t_b:10.0f} steps/s"
              f"   ({(32 * steps / t_b) / (steps / t_s):4.2f}x batch 1, goal >= 1.8x)")
        del y_s
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
