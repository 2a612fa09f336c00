"""The fpga backend's compile descriptor (README §18): the hls4ml configuration of the graph.
Writing the HLS project from it is ``celesta.hls``'s work."""

from __future__ import annotations

import numpy as np

from ._types import HardwareDescriptor

TARGET_PARTS = {"zcu102": "xczu9eg-ffvb1156-2-i", "zcu104": "xczu7ev-ffvc1156-2-e", "zcu111": "xczu28dr-ffvg1517-2-e",
                "ultra96": "xczu3eg-sbva484-1-e", "pynq_z1": "xc7z020clg400-1", "pynq_z2": "xc7z020clg400-1"}
TEMPLATE_PATHS = ["firmware/nnet_utils/if_model.h", "firmware/nnet_utils/lif_model.h",
                  "firmware/nnet_utils/lif_subtractive_model.h", "firmware/nnet_utils/complex_lif.h"]


def _pair(v, default):
    if v is None:
        return default
    if isinstance(v, (int, np.integer)):
        return (int(v), int(v))
    v = tuple(int(x) for x in v)
    return v if len(v) == 2 else (v[0], v[0])


def _layer(graph, name, node, shapes):
    t = type(node).__name__
    if t in ("Conv2d", "SConv", "SDConv"):
        w = node.weight.shape
        s, p = _pair(getattr(node, "stride", 1), (1, 1)), _pair(getattr(node, "padding", 0), (0, 0))
        return {"class_name": "Conv2D", "name": name, "n_filt": int(w[0]), "filt_height": int(w[2]), "filt_width": int(w[3]),
                "stride_height": s[0], "stride_width": s[1], "padding_height": p[0], "padding_width": p[1], "n_in": int(w[1])}
    if t == "Conv1d":
        w = node.weight.shape
        s = getattr(node, "stride", 1)
        p = getattr(node, "padding", 0)
        return {"class_name": "Conv1D", "name": name, "n_filt": int(w[0]), "filt_width": int(w[2]),
                "stride_width": int(s if np.isscalar(s) else s[0]), "padding_width": int(p if np.isscalar(p) else p[0]), "n_in": int(w[1])}
    if t in ("Affine", "SpikingAffine"):
        return {"class_name": "Dense", "name": name, "n_in": int(node.weight.shape[1]), "n_out": int(node.weight.shape[0])}
    if t == "LIF":
        n = int(len(node.tau))
        return {"class_name": "H_LIF", "name": name, "n_in": n, "n_out": n, "threshold": float(node.v_threshold[0]),
                "leak": 1 - 1 / float(node.tau[0])}
    if t in ("MaxPool2d", "AvgPool2d"):
        k = _pair(node.kernel_size, (2, 2))
        s = _pair(node.stride, k)
        p = _pair(getattr(node, "padding", 0), (0, 0))
        return {"class_name": "Pooling2D", "name": name, "pool_height": k[0], "pool_width": k[1], "stride_height": s[0],
                "stride_width": s[1], "padding_height": p[0], "padding_width": p[1], "pool_layer": "Max" if t == "MaxPool2d" else "Avg"}
    if t in ("BatchNorm1d", "BatchNorm2d"):
        return {"class_name": "BatchNormalization", "name": name}
    sizes = {"n_in": int(node.features), "n_out": int(node.features)} if getattr(node, "features", None) else {}
    if t == "ReLU":
        slope = float(getattr(node, "negative_slope", 0) or 0)
        if slope != 0:
            return {"class_name": "Activation", "name": name, **sizes, "activation": "leaky_relu", "leaky_slope": slope}
        return {"class_name": "Activation", "name": name, **sizes, "activation": "relu"}
    if t == "Sigmoid":
        return {"class_name": "Activation", "name": name, **sizes, "activation": "sigmoid"}
    if t == "Flatten":
        preds = graph.predecessors(name)
        shape = shapes.get(preds[0]) if preds else None
        return {"class_name": "Reshape", "name": name, "target_shape": [int(np.prod(shape))] if shape else [1]}
    return None


def _output_shape(node):
    ot = getattr(node, "output_type", None)
    if isinstance(ot, dict) and ot:
        return [int(x) for x in next(iter(ot.values()))]
    return None


def fpga_descriptor(graph, output_dir, project_name, part, clock_period, io_type, default_precision, default_reuse_factor,
                    strategy, bitstream_config) -> HardwareDescriptor:
    order = graph.topological_order() or list(graph.nodes)
    input_shape: list = []
    layers = []
    names: dict = {}
    shapes = {n: _output_shape(v) for n, v in graph.nodes.items()}
    for name in order:
        node = graph.nodes.get(name)
        if node is None:
            continue
        t = type(node).__name__
        if t == "Input":
            input_shape = shapes.get(name) or []
            continue
        if t == "Output":
            continue
        layer = _layer(graph, name, node, shapes)
        if layer is not None:
            layers.append(layer)
        typed = {k: getattr(node, k, None) for k in ("weight_t", "bias_t", "accum_t", "result_t")}
        if any(typed.values()):
            names[name] = {"Precision": {k[:-2]: v for k, v in typed.items() if v}, "ReuseFactor": getattr(node, "reuse_factor", None) or default_reuse_factor}
    hls = {"Model": {"Precision": default_precision, "ReuseFactor": default_reuse_factor, "Strategy": strategy}}
    if names:
        hls["LayerName"] = names
    config = {"OutputDir": output_dir, "ProjectName": project_name, "Part": part, "ClockPeriod": clock_period, "IOType": io_type,
              "Backend": "Vivado", "PytorchModel": "__pytorch_model__", "InputShape": input_shape, "HLSConfig": hls, "Layers": layers}
    meta = {"backend": "fpga", "hls4ml_config": config, "template_paths": list(TEMPLATE_PATHS), "target_parts": dict(TARGET_PARTS)}
    if bitstream_config is not None:
        flags = {k: bool(getattr(bitstream_config, k)) for k in ("csim", "synth", "cosim", "export", "vsynth", "bitfile")}
        meta["bitstream"] = {"enabled": True, "config": flags, "build_script": "build.py", "tcl_script": "build_prj.tcl"}
    return HardwareDescriptor(metadata=meta)
