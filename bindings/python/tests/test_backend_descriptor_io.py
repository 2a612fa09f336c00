"""HardwareDescriptor's files read back through the library (celesta_backend_result_read):
from_json / from_binary give the descriptor again, writing it again gives the same bytes (also
for the library's own files), the dataclass stays editable, damaged files raise ParseError
naming the file; and the registry's data comes from the library for every built-in backend
(capabilities, TALON's cpu list, get_constraints, query_backends), while a backend registered
from Python stays Python."""

import ctypes
import json

import numpy as np
import pytest

import celesta
from celesta import backend
from celesta.backend import HardwareDescriptor, NeuronConfig, _native

import _talon_cases as tc


def _compiled(case_id):
    c = tc.case(case_id)
    g = tc.graph(c["graph"].split("/")[-1].split(".")[0])
    options = {}
    if "partitioned" in case_id:
        for core, names in c["expected"]["execution_schedule"].items():
            for n in names[0]:
                g.nodes[n].core_id = int(core)
        options = {"target_precision": "int16", "optimize_for": "energy"}
    return g, options, backend.get_backend("cpu").compile(g, backend.CompileConfig(**options))


@pytest.mark.parametrize("case_id", [c for c in tc.case_ids("compile") if "mlp_784" not in c])
def test_write_read_write_gives_the_same_bytes(case_id, tmp_path):
    _, _, d = _compiled(case_id)
    d.to_json(tmp_path / "a.json")
    back = HardwareDescriptor.from_json(tmp_path / "a.json")
    back.to_json(tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    # Every field back, arrays with their dtype.
    assert back.metadata == d.metadata and back.routing_tables == d.routing_tables
    assert back.execution_schedule == d.execution_schedule
    for core, configs in d.neuron_configs.items():
        assert [(n.node_name, n.node_type, n.core_id, n.precision) for n in back.neuron_configs[core]] == \
            [(n.node_name, n.node_type, n.core_id, n.precision) for n in configs]
    for core, table in d.weight_tables.items():
        assert list(back.weight_tables[core]) == list(table)
        for key, value in table.items():
            got = back.weight_tables[core][key]
            assert got.dtype == value.dtype and got.shape == value.shape and np.array_equal(got, value, equal_nan=True), key
    for flag in (False, True):
        d.to_binary(tmp_path / "a.bin", talon_compatible=flag)
        again = HardwareDescriptor.from_binary(tmp_path / "a.bin")
        assert again.neuron_configs == {} and again.metadata == d.metadata
        assert (again.weight_tables == {}) == flag
        again.to_binary(tmp_path / "b.bin", talon_compatible=flag)
        assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes(), flag


def test_the_librarys_files_read_back_to_the_same_bytes(tmp_path):
    g, options, d = _compiled("compile.cpu.skip_mixed")
    handle = g._handle()
    text = json.dumps(options).encode()
    out = ctypes.c_void_p()
    lib = celesta._irlib._lib
    celesta._irlib.check(lib.celesta_backend_compile(ctypes.byref(out), b"cpu", handle.ptr, text, len(text)))
    try:
        for name, fmt, flags in (("lib.json", 0, 0), ("lib.bin", 1, 0), ("talon.bin", 1, 1)):
            celesta._irlib.check(lib.celesta_backend_result_write(out.value, str(tmp_path / name).encode(), fmt, flags))
    finally:
        lib.celesta_backend_result_free(out.value)
    HardwareDescriptor.from_json(tmp_path / "lib.json").to_json(tmp_path / "py.json")
    assert (tmp_path / "py.json").read_bytes() == (tmp_path / "lib.json").read_bytes()
    HardwareDescriptor.from_binary(tmp_path / "lib.bin").to_binary(tmp_path / "py.bin")
    assert (tmp_path / "py.bin").read_bytes() == (tmp_path / "lib.bin").read_bytes()
    HardwareDescriptor.from_binary(tmp_path / "talon.bin").to_binary(tmp_path / "pyt.bin", talon_compatible=True)
    assert (tmp_path / "pyt.bin").read_bytes() == (tmp_path / "talon.bin").read_bytes()


def test_every_dtype_nan_and_scalars_survive(tmp_path):
    arrays = {
        "f32": np.array([[np.nan, np.inf], [-np.inf, 0.1]], np.float32), "f16": np.array([1.5, -2.25], np.float16),
        "f64": np.array([1e-300, 1 / 3]), "i8": np.array([-128, 127], np.int8), "i64": np.array([2 ** 62, -(2 ** 63)], np.int64),
        "u8": np.array([0, 255], np.uint8), "u64": np.array([2 ** 63 - 1], np.uint64), "b": np.array([True, False]),
        "empty": np.zeros((2, 0), np.int32), "scalar": np.array(3.5, np.float32),
    }
    d = HardwareDescriptor(neuron_configs={2: [NeuronConfig("n", "Custom", 2, "fp32", {"tau": arrays["f32"], "k": (1, 2), "note": "é"})]},
                           weight_tables={2: {f"n.{k}": v for k, v in arrays.items()}}, routing_tables={"hops": {"a": [1, 2.0]}},
                           execution_schedule={2: [["n"]]}, metadata={"backend": "custom", "nan": float("nan")})
    d.to_json(tmp_path / "a.json")
    back = HardwareDescriptor.from_json(tmp_path / "a.json")
    back.to_json(tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    for k, v in arrays.items():
        got = back.weight_tables[2][f"n.{k}"]
        assert got.dtype == v.dtype and got.shape == v.shape and np.array_equal(got, v, equal_nan=v.dtype.kind == "f"), k
    assert back.neuron_configs[2][0].parameters["k"] == [1, 2] and back.neuron_configs[2][0].parameters["note"] == "é"
    d.to_binary(tmp_path / "a.bin")
    again = HardwareDescriptor.from_binary(tmp_path / "a.bin")
    again.to_binary(tmp_path / "b.bin")
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()
    assert np.isnan(again.metadata["nan"]) and again.weight_tables[2]["n.u64"][0] == 2 ** 63 - 1


def test_a_descriptor_read_back_is_editable(tmp_path):
    _, _, d = _compiled("compile.cpu.skip_mixed")
    d.to_json(tmp_path / "a.json")
    back = HardwareDescriptor.from_json(tmp_path / "a.json")
    key = next(iter(back.weight_tables[0]))
    back.weight_tables[0][key] = back.weight_tables[0][key] * 2
    back.metadata["optimize_for"] = "energy"
    back.neuron_configs[0][0].precision = "int4"
    back.to_json(tmp_path / "b.json")
    edited = HardwareDescriptor.from_json(tmp_path / "b.json")
    assert np.array_equal(edited.weight_tables[0][key], d.weight_tables[0][key] * 2)
    assert edited.metadata["optimize_for"] == "energy" and edited.neuron_configs[0][0].precision == "int4"
    # A binary read back counts its configurations until some are given.
    d.to_binary(tmp_path / "a.bin")
    again = HardwareDescriptor.from_binary(tmp_path / "a.bin")
    again.neuron_configs = {0: [NeuronConfig("x", "LIF", 0, "int8", {})]}
    again.to_binary(tmp_path / "c.bin")
    assert HardwareDescriptor.from_binary(tmp_path / "c.bin")._binary_config_count == 1


def test_damaged_files_raise_parse_errors_naming_the_file(tmp_path):
    _, _, d = _compiled("compile.cpu.skip_mixed")
    d.to_json(tmp_path / "a.json")
    d.to_binary(tmp_path / "a.bin")
    for name, reader in (("a.json", HardwareDescriptor.from_json), ("a.bin", HardwareDescriptor.from_binary)):
        raw = (tmp_path / name).read_bytes()
        bad = tmp_path / f"bad-{name}"
        talon_length = 14 + int.from_bytes(raw[6:10], "little")  # where TALON's binary ends: that prefix reads
        for cut in range(0, len(raw), max(1, len(raw) // 150)):
            if name == "a.bin" and cut == talon_length:
                continue
            bad.write_bytes(raw[:cut])
            with pytest.raises(celesta.ParseError, match=f"bad-{name}"):
                reader(bad)
        rng = np.random.default_rng(1)
        for i in rng.integers(0, len(raw), 200):
            flipped = bytearray(raw)
            flipped[i] ^= 0xFF
            bad.write_bytes(bytes(flipped))
            try:
                reader(bad)
            except ValueError as e:
                assert f"bad-{name}" in str(e) and isinstance(e, celesta.ParseError)
    (tmp_path / "bad2.bin").write_bytes(b"XXXX" + (tmp_path / "a.bin").read_bytes()[4:])
    with pytest.raises(celesta.ParseError, match="T1CB"):
        HardwareDescriptor.from_binary(tmp_path / "bad2.bin")
    with pytest.raises(celesta.ParseError, match=r"\$\.weight_tables\.0\.w\.data.*out of range"):
        (tmp_path / "r.json").write_text(json.dumps({"metadata": {}, "neuron_configs": {}, "routing_tables": {}, "execution_schedule": {},
                                                     "weight_tables": {"0": {"w": {"shape": [1], "dtype": "int8", "data": [300]}}}}))
        HardwareDescriptor.from_json(tmp_path / "r.json")


def _engine_caps(r):
    return (r["supported_primitives"], r["supported_precisions"], r["supports_cyclic"], r["max_graph_size"], r["constraints"])


def test_the_registry_data_is_the_engines_for_every_backend():
    records = _native.backends()
    assert [r["name"] for r in records] == [n for n in backend.list_backends() if n in {r["name"] for r in records}]
    for r in records:
        b = backend.get_backend(r["name"])
        c = b.get_capabilities()
        assert (c.supported_primitives, c.supported_precisions, c.supports_cyclic, c.max_graph_size, c.primitive_constraints) == _engine_caps(r)
        if r["hardware_constraints"] is None:
            with pytest.raises(NotImplementedError):
                b.get_constraints()
        else:
            assert vars(b.get_constraints()) == r["hardware_constraints"]
        if r["talon_capabilities"] is not None:
            t = b.get_capabilities(talon_compatible=True)
            assert (t.supported_primitives, t.supported_precisions, t.supports_cyclic, t.max_graph_size,
                    t.primitive_constraints) == _engine_caps(r["talon_capabilities"])
    cpu = next(r for r in records if r["name"] == "cpu")
    assert len(cpu["talon_capabilities"]["supported_primitives"]) == 22 and "IF" not in cpu["talon_capabilities"]["supported_primitives"]
    assert "IF" in cpu["supported_primitives"] and next(r for r in records if r["name"] == "fpga")["talon_capabilities"] is None
    # query_backends is the engine's data filtered, in both modes.
    prims = sorted({p for r in records for p in r["supported_primitives"] + (r["talon_capabilities"] or r)["supported_primitives"]})
    precs = sorted({p for r in records for p in r["supported_precisions"]})
    for talon in (False, True):
        visible = [r for r in records if not talon or r["name"] in ("cpu", "fpga")]
        caps = {r["name"]: (r["talon_capabilities"] or r) if talon else r for r in visible}
        def query(**kw):  # the built-in backends among the answers (other tests may register their own)
            return [n for n in backend.query_backends(talon_compatible=talon, **kw) if n in caps or n in {r["name"] for r in records}]
        for p in prims:
            assert query(primitive=p) == [n for n, c in caps.items() if p in c["supported_primitives"]], p
        for p in precs:
            assert query(precision=p) == [n for n, c in caps.items() if p in c["supported_precisions"]], p


def test_a_python_backend_stays_python():
    class Echo(backend.Backend):
        name = "echo-io"

        def get_capabilities(self):
            return backend.BackendCapabilities(["Echo"], ["fp32"], False, 10)

        def validate(self, graph):
            return backend.ValidationResult(True)

    backend.register_backend(Echo)
    try:
        assert backend.query_backends(primitive="Echo") == ["echo-io"]
        assert "echo-io" not in {r["name"] for r in _native.backends()}
        assert backend.query_backends(primitive="Echo", talon_compatible=True) == ["echo-io"]
    finally:
        backend.unregister_backend("echo-io")
