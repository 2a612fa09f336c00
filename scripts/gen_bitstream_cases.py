#!/usr/bin/env python3
"""Generate Tests/Fixtures/talon/bitstream/cases.json: TALON's fpga build_bitstream on small graphs
that cover every primitive of parameters.h (Conv2d, Conv1d, BatchNorm2d, pools, ReLU/leaky,
Sigmoid, Flatten, Affine with zero weights, LIF), per-node types and reuse factors, io_parallel,
no Input node and odd threshold / leak values. The shared fpga cases cover only the two tutorial
graphs.

Run with TALON's venv (t1c-talon 0.0.1, talon-backend 0.0.3):
    /work/main/.bench/talon-venv/bin/python scripts/gen_bitstream_cases.py
Each case holds the graph as a spec (nodes in order, a chain of edges; arrays as
{dtype, shape, values}) that the tests rebuild with celesta.ir, the settings, and TALON's
outputs: parameters_h, hls4ml_config, hls4ml_config.json (the file's text), result keys,
written_files and the descriptor's bitstream flags.
"""
import json
import os
import tempfile

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "talon", "bitstream", "cases.json")


def arr(values, dtype="float32"):
    a = np.asarray(values, dtype)
    return {"dtype": dtype, "shape": list(a.shape), "values": a.ravel().tolist()}


def rnd(seed, shape):
    return np.round(np.random.default_rng(seed).standard_normal(shape), 3).astype(np.float32)


T = {"weight_t": "ap_fixed<9,3>", "bias_t": "ap_fixed<7,2>", "accum_t": "ap_fixed<24,10>", "result_t": "ap_fixed<12,4>", "reuse_factor": 4}

W = rnd(1, (6, 4))
W[0, :2] = 0
W[1, 1] = -0.0
CASES = [
    {"name": "every_primitive", "settings": {"output_dir": "prj_a", "project_name": "snn_all", "clock_period": 3, "io_type": "io_stream"},
     "bitstream": {"csim": True, "synth": True, "cosim": False, "export": False, "vsynth": False, "bitfile": False},
     "nodes": [
         ["inp", "Input", {"input_type": {"input": [1, 8, 8]}}],
         ["c1", "Conv2d", {"weight": arr(rnd(2, (3, 1, 3, 5))), "bias": arr(rnd(3, 3)), "stride": [2, 1], "padding": [0, 2],
                           "weight_t": "ap_fixed<8,3>", "reuse_factor": 4}],
         ["c1d", "Conv1d", {"weight": arr(rnd(4, (2, 3, 5))), "bias": arr(rnd(5, 2)), "weight_t": "ap_fixed<8,2>", "reuse_factor": 5}],
         ["bn", "BatchNorm2d", {"num_features": 2, "weight": arr([1.0, 0.5]), "bias": arr([0.1, -0.1]), "running_mean": arr([0.0, 0.2]),
                                "running_var": arr([1.0, 1.0])}],
         ["ap", "AvgPool2d", {"kernel_size": [3, 3], "stride": None, "padding": [1, 0], "reuse_factor": 2}],
         ["mp", "MaxPool2d", {"kernel_size": [2, 2], "stride": [1, 1]}],
         ["r", "ReLU", {"features": 5, "negative_slope": 0.1}],
         ["s", "Sigmoid", {"features": 7, "result_t": "ap_fixed<4,1>"}],
         ["fl", "Flatten", {"result_t": "ap_fixed<8,2>"}],
         ["fc", "Affine", {"weight": arr(W), "bias": arr(rnd(6, 6)), "accum_t": "ap_fixed<24,12>", "result_t": "ap_fixed<18,8>"}],
         ["lif", "LIF", {"tau": arr([3.0, 4, 5, 6, 7, 8]), "r": arr([1.0] * 6), "v_leak": arr([0.0] * 6),
                         "v_threshold": arr([0.123456789, 1, 1, 1, 1, 1]), "bias_t": "ap_fixed<12,4>"}],
         ["out", "Output", {"output_type": {"output": [6]}}],
     ]},
    {"name": "typed_parallel_no_input", "settings": {"output_dir": "prj_b/", "project_name": "p", "clock_period": 2, "io_type": "io_parallel",
                                                     "default_precision": "ap_fixed<20,10>", "default_reuse_factor": 2, "strategy": "Resource"},
     "bitstream": None,
     "nodes": [
         ["bn", "BatchNorm2d", {"num_features": 3, "weight": arr([1.0, 2, 3]), "bias": arr([0.0, 0, 1]), "running_mean": arr([0.0, 0, 0]),
                                "running_var": arr([1.0, 1, 1]), **T}],
         ["fc", "Affine", {"weight": arr(rnd(7, (6, 4))), "bias": arr(rnd(8, 6)), "weight_t": "ap_fixed<8,1>", "bias_t": "ap_fixed<6,1>",
                           "reuse_factor": 3}],
         ["fc0", "Affine", {"weight": arr(np.zeros((2, 6))), "bias": arr([0.0, 0.0]), "reuse_factor": 0}],
         ["lif", "LIF", {"tau": arr([0.5, 2]), "r": arr([1.0, 1]), "v_leak": arr([0.0, 0]), "v_threshold": arr([1e20, 1]), **T}],
         ["lif2", "LIF", {"tau": arr([1e-3], "float64"), "r": arr([1.0], "float64"), "v_leak": arr([0.0], "float64"),
                          "v_threshold": arr([2.5e-5], "float64")}],
     ]},
]


def build(spec):
    from talon import ir

    def value(v):
        if isinstance(v, dict) and "dtype" in v:
            return np.asarray(v["values"], v["dtype"]).reshape(v["shape"])
        if isinstance(v, list):
            return tuple(v)
        return v

    nodes = {}
    for name, kind, fields in spec["nodes"]:
        kw = {}
        for k, v in fields.items():
            if k in ("input_type", "output_type"):
                kw[k] = {p: np.asarray(s) for p, s in v.items()}
            else:
                kw[k] = value(v)
        nodes[name] = getattr(ir, kind)(**kw)
    order = [n[0] for n in spec["nodes"]]
    return ir.Graph(nodes=nodes, edges=[(order[i], order[i + 1]) for i in range(len(order) - 1)])


def main():
    from talon.backend import BitstreamConfig, get_backend

    out = []
    cwd = os.getcwd()
    for spec in CASES:
        g = build(spec)
        cfg = BitstreamConfig(**spec["bitstream"]) if spec["bitstream"] else None
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)
            try:
                r = get_backend("fpga").build_bitstream(g, **spec["settings"], bitstream_config=cfg, write_to_disk=True)
                with open(os.path.join(spec["settings"]["output_dir"], "hls4ml_config.json"), encoding="utf-8") as f:
                    config_json = f.read()
            finally:
                os.chdir(cwd)
        out.append({**spec, "expected": {
            "result_keys": list(r), "parameters_h": r["parameters_h"], "hls4ml_config": r["hls4ml_config"],
            "hls4ml_config_json": config_json, "written_files": r["written_files"],
            "bitstream_metadata_config": r["descriptor"].metadata["bitstream"]["config"]}})
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"generator": "scripts/gen_bitstream_cases.py", "talon": "t1c-talon 0.0.1, talon-backend 0.0.3", "cases": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
