"""`make bench` rows of the FPGA backend (figures printed, never asserted):

* generate + g++ compile of an 8-16-4 LIF network with a readout (the shared case S01), with the
  precompiled ap_types header warm (hls4ml's compile() of the same model: 4.66 s on this
  machine class; goal <= 2 s), wall and CPU time (the host is shared: the load is printed):
  every compilation from source (cold: CELESTA_HLS_OBJECT_CACHE=0; also the same layers at
  other types), then with the compiled object cached (the same network compiled again:
  generate + link);
* the fixed-point simulator against the g++ C simulation of the same generated project,
  784-128-10 LIF with spike input, steps per second (goal >= 50x);
* the simulator batched: 32 independent sequences against one (goal >= 1.8x on 2 cores), with
  the CPU time / wall (cores kept busy) and the CPU time per sequence against batch 1;
* the accuracy of the float reference and of the fixed-point model on a window classification
  task (celesta.hls.rate_coded_task), and their gap, at two precisions.
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


def load_average():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def main():
    tmp = tempfile.mkdtemp(prefix="celesta-bench-hls-")
    try:
        with open(os.path.join(ROOT, "Tests", "Fixtures", "hls4ml", "S01_lif_8-16-4_sub_scalar_argmax_w10.json")) as f:
            case = json.load(f)
        def compile_times(runs, label, config=None):
            times, cpus = [], []
            for k in range(runs):
                t0, c0 = time.perf_counter(), os.times()
                m = hls.from_layers(case["layers"], config or case["hls4ml_config"], output_dir=os.path.join(tmp, f"s01_{label}_{k}"))
                m.compile()
                c1 = os.times()
                times.append(time.perf_counter() - t0)
                # g++ runs as a child process: its CPU time is the children's
                cpus.append(c1.children_user + c1.children_system - c0.children_user - c0.children_system
                            + c1.user + c1.system - c0.user - c0.system)
            return times, cpus

        # Every compilation from source (the compiled-object cache off; the precompiled ap_types
        # header warm after the first), then the same network again with its object cached.
        os.environ["CELESTA_HLS_OBJECT_CACHE"] = "0"
        try:
            times, cpus = compile_times(3, "nocache")
            # the same layers at other types (rounding, saturation, widths): nothing of them is cached
            other = {"IOType": case["hls4ml_config"].get("IOType", "io_stream"),
                     "HLSConfig": {"Model": {"Precision": "ap_fixed<14,5,AP_RND,AP_SAT>"}}}
            otimes, ocpus = compile_times(2, "nocache_other", other)
        finally:
            del os.environ["CELESTA_HLS_OBJECT_CACHE"]
        warm = min(times[1:])
        print(f"hls generate+compile 8-16-4 LIF+readout, cold (no object cache)   first {times[0]:6.2f} s, warm {warm:6.2f} s wall,"
              f" {min(cpus[1:]):5.2f} s CPU   (hls4ml 4.66 s: {4.66 / warm:5.1f}x, goal <= 2 s; load {load_average():.1f})")
        print(f"    cold, the same layers in ap_fixed<14,5,AP_RND,AP_SAT>: {min(otimes):6.2f} s wall, {min(ocpus):5.2f} s CPU"
              f"   (load {load_average():.1f})")
        ctimes, ccpus = compile_times(3, "cached")
        cached = min(ctimes[1:])
        print(f"    the same network again, object cached: {cached:6.2f} s wall, {min(ccpus[1:]):5.2f} s CPU"
              f"   (hls4ml 4.66 s: {4.66 / cached:5.1f}x; load {load_average():.1f})")

        rng = np.random.default_rng(0)
        big = hls.from_layers(lif_layers([784, 128, 10], rng, 25),
                              {"IOType": "io_stream", "HLSConfig": {"Model": {"Precision": {"default": "ap_fixed<16,6>"}}}},
                              output_dir=os.path.join(tmp, "mnist"))
        steps = 400
        x = (rng.random((steps, 784)) < 0.1).astype(np.float32)
        big.compile(optimize=True)   # the anchor at its best (hls4ml's build_lib.sh uses -O3)
        big.predict(x[:5])
        t0 = time.perf_counter()
        y_c = big.predict(x)
        t_c = time.perf_counter() - t0
        big.simulate(x[:5])
        t0, c0 = time.perf_counter(), time.process_time()
        y_s = big.simulate(x)
        t_s, c_s = time.perf_counter() - t0, time.process_time() - c0
        same = np.array_equal(big.simulate(np.concatenate([x[:5], x]))[5:], y_c)
        print(f"hls simulator 784-128-10 LIF, spikes      {steps / t_s:10.0f} steps/s; g++ C-sim -O2 {steps / t_c:8.0f} steps/s"
              f"   ({t_c / t_s:5.1f}x, goal >= 50x; outputs equal: {same})")
        batch = np.stack([x] * 32)
        t0, c0 = time.perf_counter(), time.process_time()
        y_b = big.simulate(batch)
        t_b, c_b = time.perf_counter() - t0, time.process_time() - c0
        cores = os.cpu_count() or 1
        print(f"hls simulator batch 32 ({cores} cores)          {32 * steps / t_b:10.0f} steps/s"
              f"   ({(32 * steps / t_b) / (steps / t_s):4.2f}x batch 1, goal >= 1.8x; load {load_average():.1f})")
        # Parallel efficiency: CPU time / wall (how many cores the batch kept busy) and the CPU
        # time per sequence against batch 1 (extra work of the batch path: should be ~1).
        print(f"    batch 32: CPU {c_b:6.2f} s / wall {t_b:6.2f} s = {c_b / t_b:4.2f} cores busy;"
              f" CPU per sequence {c_b / 32 * 1000:6.1f} ms vs batch 1 {c_s * 1000:6.1f} ms ({c_b / 32 / c_s:4.2f}x);"
              f" all 32 equal batch 1: {all(np.array_equal(y_b[i], y_s) for i in range(32))}")

        # The quantization loss on a window classification task (celesta.hls.rate_coded_task).
        task = hls.rate_coded_task()
        for label, cfg in [("ap_fixed<16,6>", {"HLSConfig": {"Model": {"Precision": "ap_fixed<16,6>"}}}),
                           ("fc1 weights ap_fixed<5,2>", {"HLSConfig": {"Model": {"Precision": "ap_fixed<16,6>"},
                                                                       "LayerName": {"fc1": {"Precision": {"weight": "ap_fixed<5,2>"}}}}})]:
            m = hls.from_layers(task.layers, cfg, output_dir=os.path.join(tmp, "task"))
            r = hls.window_accuracy(m, task.x, task.labels)
            print(f"hls accuracy, rate-coded 16-4 task ({r.windows} windows of {task.window}), {label:26s}"
                  f" float {r.float_accuracy:.3f}, fixed {r.fixed_accuracy:.3f}, gap {r.gap:+.3f}")
        del y_s
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
