"""compile and TALON's validation in the library (celesta_backend_compile,
celesta_backend_validate_flags_json): the shared compile, validate and fpga cases in both modes
(the ``talon_compatible=`` switch and the ``with celesta.talon_compatible():`` block), the
descriptor's parameters against an independent reference (TALON's ``node.to_dict()`` rules
written here), the library's own to_json / to_binary files byte for byte against
``HardwareDescriptor``'s, and a Xylo chip's compile against the devices API's map + quantize +
configure."""

import contextlib
import ctypes
import hashlib
import json

import numpy as np
import pytest

import celesta
from celesta import backend, ir
from celesta.backend import _native
from celesta.devices.xylo import xa3
from celesta.transform import quantize_methods as q

import _talon_cases as tc
from test_backend_talon import _same_json, _vd
from test_backend_xylo import talon_graph
from test_ir_xylo import DT, ir_net, rockpool_net

MODES = ["celesta", "talon-block", "talon-flag"]


def _mode(mode):
    return celesta.talon_compatible() if mode == "talon-block" else contextlib.nullcontext()


def _reference_parameters(node) -> dict:
    """TALON's rule, independently: ``to_dict()`` without ``type``, without the fields TALON leaves
    out while they hold their default."""
    params = node.to_dict()
    params.pop("type", None)
    for f in type(node)._descriptor.get("fields", []):
        if f.get("omitted_when_default") and f["name"] in params:
            v = params[f["name"]]
            if not isinstance(v, np.ndarray) and v == f["default"]:
                del params[f["name"]]
    return params


def _same_value(a, b, where):
    if isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), where
    elif isinstance(b, dict):
        assert isinstance(a, dict) and list(a) == list(b), where
        for k in b:
            _same_value(a[k], b[k], f"{where}.{k}")
    elif isinstance(b, (list, tuple)):
        assert list(a) == list(b) if not any(isinstance(x, np.ndarray) for x in b) else len(a) == len(b), where
    else:
        assert a == b and type(a) is type(b) or (isinstance(a, float) and a == b), (where, a, b)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case_id", tc.case_ids("compile"))
def test_compile_cases_in_both_modes(case_id, mode):
    c = tc.case(case_id)
    e = c["expected"]
    g = tc.graph(c["graph"].split("/")[-1].split(".")[0])
    config = None
    if "partitioned" in case_id:
        for core, names in e["execution_schedule"].items():
            for n in names[0]:
                g.nodes[n].core_id = int(core)
        config = backend.CompileConfig(target_precision="int16", optimize_for="energy")
    with _mode(mode):
        cpu = backend.get_backend("cpu", talon_compatible=True if mode == "talon-flag" else None)
        d = cpu.compile(g, config)
    assert d.metadata == e["metadata"]
    assert {str(k): v for k, v in d.execution_schedule.items()} == e["execution_schedule"]
    assert {str(k): [[n.node_name, n.node_type, n.core_id, n.precision] for n in v] for k, v in d.neuron_configs.items()} == e["neuron_config_names"]
    assert {str(k): list(v) for k, v in d.weight_tables.items()} == e["weight_table_keys"]
    # Each node's parameters, as TALON's to_dict() rule gives them.
    for core, configs in d.neuron_configs.items():
        for n in configs:
            _same_value(n.parameters, _reference_parameters(g.nodes[n.node_name]), n.node_name)
            for key, value in n.parameters.items():
                if isinstance(value, np.ndarray) and value.ndim >= 1:
                    assert np.array_equal(d.weight_tables[core][f"{n.node_name}.{key}"], value)


def _library_files(name, graph, options, tmp_path):
    """The library's own to_json, to_binary and TALON's to_binary of a compile."""
    handle = graph._handle()
    text = json.dumps(options).encode()
    out = ctypes.c_void_p()
    lib = celesta._irlib._lib
    celesta._irlib.check(lib.celesta_backend_compile(ctypes.byref(out), name.encode(), handle.ptr, text, len(text)))
    try:
        files = {}
        for key, fmt, flags in (("json", 0, 0), ("binary", 1, 0), ("talon", 1, 1)):
            path = tmp_path / f"library.{key}"
            celesta._irlib.check(lib.celesta_backend_result_write(out.value, str(path).encode(), fmt, flags))
            files[key] = path.read_bytes()
        return files
    finally:
        lib.celesta_backend_result_free(out.value)


@pytest.mark.parametrize("case_id", tc.case_ids("compile"))
def test_library_files_equal_the_descriptors(case_id, tmp_path):
    """For C and the CLI the library writes the files itself: the same bytes as
    HardwareDescriptor.to_json / to_binary, and TALON's sha256 for TALON's binary."""
    c = tc.case(case_id)
    e = c["expected"]
    g = tc.graph(c["graph"].split("/")[-1].split(".")[0])
    options = {}
    if "partitioned" in case_id:
        for core, names in e["execution_schedule"].items():
            for n in names[0]:
                g.nodes[n].core_id = int(core)
        options = {"target_precision": "int16", "optimize_for": "energy"}
    lib = _library_files("cpu", g, options, tmp_path)
    d = backend.get_backend("cpu").compile(g, backend.CompileConfig(**options))
    d.to_json(tmp_path / "d.json")
    d.to_binary(tmp_path / "d.bin")
    d.to_binary(tmp_path / "t.bin", talon_compatible=True)
    assert lib["json"] == (tmp_path / "d.json").read_bytes()
    assert lib["binary"] == (tmp_path / "d.bin").read_bytes()
    assert lib["talon"] == (tmp_path / "t.bin").read_bytes()
    if "to_json_content" in e:
        _same_json(json.loads(lib["json"]), e["to_json_content"], "to_json")
    if "to_binary" in e:
        assert hashlib.sha256(lib["talon"]).hexdigest() == e["to_binary"]["sha256"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case_id", tc.case_ids("validate"))
def test_validate_cases_in_both_modes(case_id, mode):
    """cpu: TALON's checks in TALON-compatible mode (the flag or the block); fpga: the same in both."""
    c = tc.case(case_id)
    e = c["expected"]
    which = case_id.split(".")[1]
    flag = True if mode == "talon-flag" else None
    if "graphs" in c["args"]:
        if mode == "celesta":
            return  # TALON's dangling-edge graphs: the cpu reports them as errors in Celesta's mode (below)
        for key, spec in c["args"]["graphs"].items():
            nodes = {n: (ir.Input(np.array([2])) if d.startswith("Input") else ir.Output(np.array([2]))) for n, d in spec["nodes"].items()}
            g = ir.Graph(nodes=nodes, edges=[tuple(x) for x in spec["edges"]])
            with _mode(mode):
                assert _vd(backend.get_backend("cpu").validate(g, talon_compatible=flag)) == e[key], key
                if "fpga_" + key in e:
                    assert _vd(backend.get_backend("fpga").validate(g)) == e["fpga_" + key], key
        return
    g = tc.graph(c["graph"].split("/")[-1].split(".")[0])
    with _mode(mode):
        if which == "fpga":
            assert _vd(backend.get_backend("fpga").validate(g)) == e["validation"]
        elif mode != "celesta":
            assert _vd(backend.get_backend("cpu").validate(g, talon_compatible=flag)) == e["validation"]
        else:
            v = backend.get_backend("cpu").validate(g)
            assert v.is_valid == e["validation"]["is_valid"] or v.errors, v


def test_celesta_validate_names_what_talon_lets_through():
    g = ir.Graph(nodes={"a": ir.Input(np.array([2]))}, edges=[("a", "ghost")])
    talon = backend.get_backend("cpu").validate(g, talon_compatible=True)
    assert not talon.is_valid and talon.unsupported_nodes == ["ghost"] and talon.errors == []
    v = backend.get_backend("cpu").validate(g)
    assert not v.is_valid and "ghost" in v.unsupported_nodes
    empty = backend.get_backend("cpu").validate(ir.Graph())
    assert empty.errors == ["Graph has no nodes"] and not empty.is_valid


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["mlp_784_128_10", "conv_snn"])
def test_fpga_compile_cases_in_both_modes(name, mode):
    c = tc.case(f"fpga.{name}")
    e = c["expected"]
    a = c["args"]
    with _mode(mode):
        d = backend.get_backend("fpga").compile(tc.graph(name), output_dir=a["output_dir"], project_name=a["project_name"], part=a["part"],
                                                clock_period=a["clock_period"], default_precision=a["default_precision"],
                                                default_reuse_factor=a["default_reuse_factor"], strategy=a["strategy"],
                                                bitstream_config=backend.BitstreamConfig(**e["bitstream_metadata_config"]))
    assert d.metadata["hls4ml_config"] == e["hls4ml_config"]
    assert d.metadata["template_paths"] == e["template_paths"]
    assert d.metadata["target_parts"] == e["compile_metadata_target_parts"]
    # TALON's keys; the scripts are Celesta's own, the texts build_bitstream writes
    assert list(d.metadata["bitstream"]) == ["enabled", "config", "build_script", "tcl_script"]
    assert d.metadata["bitstream"]["enabled"] is True and d.metadata["bitstream"]["config"] == e["bitstream_metadata_config"]
    assert "set_part {xczu9eg-ffvb1156-2-i}" in d.metadata["bitstream"]["tcl_script"]
    assert d.metadata["bitstream"]["build_script"].startswith("#!/usr/bin/env python3")
    with _mode(mode), pytest.raises(ValueError) as err:
        backend.get_backend("fpga").compile(tc.graph("skip_mixed"))
    assert str(err.value) == tc.case("fpga.unsupported_skip_mixed")["expected"]["message"]


def test_fpga_compile_precisions_per_layer_and_bad_settings():
    g = tc.graph("mlp_784_128_10")
    first = next(n for n, v in g.nodes.items() if type(v).__name__ == "Affine")
    g.nodes[first].weight_t = "ap_fixed<8,3>"
    g.nodes[first].reuse_factor = 4
    d = backend.get_backend("fpga").compile(g, default_reuse_factor=2, clock_period=4.5)
    assert d.metadata["hls4ml_config"]["HLSConfig"]["LayerName"] == {first: {"Precision": {"weight": "ap_fixed<8,3>"}, "ReuseFactor": 4}}
    assert d.metadata["hls4ml_config"]["HLSConfig"]["Model"]["ReuseFactor"] == 2
    assert d.metadata["hls4ml_config"]["ClockPeriod"] == 4.5 and "bitstream" not in d.metadata
    with pytest.raises(ValueError, match="default_reuse_factor"):
        backend.get_backend("fpga").compile(g, default_reuse_factor="four")
    with pytest.raises(ValueError, match="project_name"):
        backend.get_backend("fpga").compile(g, project_name=3)


def test_fpga_capabilities_come_from_the_library():
    caps = backend.get_backend("fpga").get_capabilities()
    record = next(r for r in _native.backends() if r["name"] == "fpga")
    assert caps.supported_primitives == record["supported_primitives"] == sorted(caps.supported_primitives)
    assert caps.primitive_constraints["LIF"] == {"max_neurons": 262144}


@pytest.mark.parametrize("name, alias", [("xylo-a2", "xa2"), ("xylo-a3", "xa3"), ("xylo-v1", "xylo_v1")])
def test_xylo_compile_equals_the_devices_path(name, alias):
    """The library's map + quantize + configuration equals the devices API's mapper,
    channel_quantize and config_from_specification."""
    import importlib
    chip = importlib.import_module(f"celesta.devices.xylo.{alias}")
    g = talon_graph()
    d = backend.get_backend(name).compile(g, dt=1.0)
    spec = chip.mapper(g, weight_dtype="float", threshold_dtype="float", dash_dtype="float", dt=1.0)
    spec.update(q.channel_quantize(**spec))
    arrays = {k: np.asarray(v) for k, v in spec.items() if isinstance(v, np.ndarray)}
    assert list(d.weight_tables) == [0] and list(d.weight_tables[0]) == list(arrays)
    for k, v in arrays.items():
        got = d.weight_tables[0][k]
        assert got.dtype == v.dtype and got.shape == v.shape and np.array_equal(got, v), k
    assert d.metadata["backend"] == name and d.metadata["chip"] == celesta._celesta.chip_find(alias)["id"]
    assert d.metadata["dt"] == spec["dt"] and d.metadata["warnings"] and all("dash_syn 1" in w for w in d.metadata["warnings"])
    config, ok, _ = chip.config_from_specification(**{k: v for k, v in spec.items() if k != "mapped_graph"})
    assert ok and d.xylo_config.n_hidden == config.n_hidden
    x = np.random.default_rng(3).integers(0, 3, (30, 3))
    a, _, _ = chip.XyloSim.from_config(d.xylo_config, dt=1.0)(x)
    b, _, _ = chip.XyloSim.from_config(config, dt=1.0)(x)
    assert np.array_equal(a, b)


def test_xylo_compile_of_a_recurrent_network_and_its_errors():
    rng = np.random.default_rng(11)
    _, params = rockpool_net(rng)
    g = ir_net(params)
    d = backend.get_backend("xylo-a3").compile(g, dt=DT)
    spec = xa3.mapper(g, dt=DT)
    spec.update(q.channel_quantize(**spec))
    assert np.array_equal(d.weight_tables[0]["weights_rec"], spec["weights_rec"]) and np.any(spec["weights_rec"])
    with pytest.raises(celesta.UnsupportedError, match="conv1"):
        backend.get_backend("xylo-a3").compile(tc.graph("conv_snn"))
    with pytest.raises(ValueError, match="'dt'"):
        backend.get_backend("xylo-a3").compile(g, dt=-1.0)


@pytest.mark.parametrize("talon_compatible", [False, True])
def test_compile_refuses_an_unknown_execution_mode_in_both_modes(talon_compatible):
    # TALON stores any string; Celesta refuses it (README differences table), in both modes.
    g = ir.Graph({"input": ir.Input(np.array([2])),
                  "fc": ir.Affine(weight=np.ones((2, 2), np.float32), bias=np.zeros(2, np.float32)),
                  "output": ir.Output(np.array([2]))}, [("input", "fc"), ("fc", "output")])
    ctx = celesta.talon_compatible() if talon_compatible else contextlib.nullcontext()
    with ctx:
        for name in ("cpu", "fpga"):
            with pytest.raises(ValueError, match="execution_mode.*'bogus'"):
                backend.get_backend(name).compile(g, backend.CompileConfig(execution_mode="bogus"))
        assert backend.get_backend("cpu").compile(g, backend.CompileConfig(execution_mode="cyclic")).metadata["execution_mode"] == "cyclic"
