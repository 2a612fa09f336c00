"""celesta.sdk analysis against every shared TALON case of the kinds analyze, profile, lint,
fingerprint, quantize, convert and energy_sdk (Tests/Fixtures/talon/cases), in TALON-compatible
mode (equal to TALON) and in Celesta's default mode (equal where TALON is right, the documented
difference where a case records a quirk); then argument checks."""

import base64
import dataclasses
import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

import celesta
from celesta import ir, sdk

FIX = Path(__file__).resolve().parents[3] / "Tests" / "Fixtures" / "talon"
CASES = sorted(FIX.glob("cases/*.json"))


def cases(kind):
    out = [json.loads(p.read_text()) for p in CASES if p.name.startswith(kind + ".")]
    assert out, kind
    return out


def ids(cs):
    return [c["id"] for c in cs]


def value(v):
    """A field of a reference graph file: an array object or {"value", "python_type"}."""
    if "b64" in v:
        return np.frombuffer(base64.b64decode(v["b64"]), dtype=np.dtype(v["dtype"]).newbyteorder("<")).reshape(v["shape"]).copy()
    if "dtype" in v and "value" not in v:  # a large array the case only describes
        assert v["note"] == "all zeros"
        return np.zeros(v["shape"], np.dtype(v["dtype"]))
    raw, kind = v["value"], v.get("python_type")
    if kind == "tuple":
        return tuple(raw)
    return raw


def load(doc, talon_compatible=None):
    nodes = {}
    for n in doc["nodes"]:
        cls = ir.str_to_node(n["type"])
        fields = {k: value(v) for k, v in n["fields"].items()}
        for key in ("input_type", "output_type"):
            if n.get(key):
                fields[key] = {k: np.asarray(s, np.int64) for k, s in n[key].items()}
        nodes[n["name"]] = cls(talon_compatible=talon_compatible, **fields)
    g = ir.Graph(nodes, [tuple(e) for e in doc["edges"]], doc.get("metadata") or {}, doc.get("allow_cycles", False))
    if doc.get("cyclic_config"):
        g.cyclic_config = doc["cyclic_config"]
    return g


_GRAPHS = {}


def graph_of(case, talon_compatible=None):
    if "inline_graph" in case.get("args", {}):
        return load(case["args"]["inline_graph"], talon_compatible)
    name = Path(case["graph"]).name.replace(".graph.json", "")
    if "talon.ir.read(t1c)" in case["talon_call"]:
        return ir.read(FIX / "graphs" / f"{name}.t1c", talon_compatible=True)
    if name not in _GRAPHS:
        _GRAPHS[name] = load(json.loads((FIX / "graphs" / f"{name}.graph.json").read_text()))
    return _GRAPHS[name]


def plain(x):
    """Dataclasses as dicts and tuples as lists, as the cases store them."""
    if dataclasses.is_dataclass(x):
        return {f.name: plain(getattr(x, f.name)) for f in dataclasses.fields(x)}
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    return x


def same(actual, expected, where=""):
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), (where, sorted(actual) if isinstance(actual, dict) else actual, sorted(expected))
        for k in expected:
            same(actual[k], expected[k], f"{where}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), (where, actual, expected)
        for i, (a, e) in enumerate(zip(actual, expected)):
            same(a, e, f"{where}[{i}]")
    elif isinstance(expected, float) and not isinstance(actual, bool):
        assert math.isclose(actual, expected, rel_tol=1e-12, abs_tol=0.0) or actual == expected, (where, actual, expected)
    else:
        assert actual == expected and type(actual) is type(expected), (where, actual, expected)


def uncounted(g):
    """TALON's analyze counts no parameters of these (its quirk)."""
    return any(type(n).__name__ in ("Conv1d", "IF", "BatchNorm1d", "BatchNorm2d", "PReLU", "LayerNorm") for n in g.nodes.values())


# --- analyze / summarize ------------------------------------------------------------------

@pytest.mark.parametrize("case", cases("analyze"), ids=ids(cases("analyze")))
def test_analyze(case):
    g = graph_of(case)
    e = case["expected"]
    same(plain(sdk.analyze_graph(g, talon_compatible=True)), e["graph_stats"], case["id"])
    with celesta.talon_compatible():
        if "summarize" in e:
            assert sdk.summarize(g) == e["summarize"]
            assert sdk.summarize(g, verbose=True) == e["summarize_verbose"]
    mine = sdk.analyze_graph(g)
    if uncounted(g):
        assert mine.total_params > e["graph_stats"]["total_params"]
        assert mine.total_flops == e["graph_stats"]["total_flops"]
    else:
        same(plain(mine), e["graph_stats"], case["id"])


def test_analyze_takes_a_path_and_counts_every_parameter():
    stats = sdk.analyze_graph(str(FIX / "graphs" / "skip_mixed.t1c"))
    layers = {l.name: l for l in stats.layers}
    assert layers["bn"].params == 64 and layers["if2"].params == 16
    assert isinstance(stats.layers[0], sdk.LayerStats) and isinstance(layers["fc1"].output_shape, tuple)
    assert sdk.analyze_graph(str(FIX / "graphs" / "skip_mixed.t1c"), talon_compatible=True).total_params == 564


def test_format_helpers():
    assert [sdk.format_number(n) for n in (999, 12345, 403538, 1031168)] == ["999", "12,345", "403.5K", "1.03M"]
    assert [sdk.format_bytes(n) for n in (512, 1536, 1614152, 3 << 30)] == ["512 B", "1.5 KB", "1.5 MB", "3.00 GB"]
    with pytest.raises(TypeError, match="n must be an int"):
        sdk.format_number(1.5)


# --- profile ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", cases("profile"), ids=ids(cases("profile")))
def test_profile(case):
    g = graph_of(case)
    e = case["expected"]
    p = sdk.profile_graph(g, talon_compatible=True)
    same(plain(p), e["hardware_profile"], case["id"])
    if "format_profile" in e:
        assert sdk.format_profile(p) == e["format_profile"]
    if not uncounted(g):
        same(plain(sdk.profile_graph(g)), e["hardware_profile"], case["id"])


def test_profile_of_a_recurrent_graph():
    g = graph_of(cases("fingerprint")[[c["id"] for c in cases("fingerprint")].index("fingerprint.recurrent_lif")])
    with pytest.raises(TypeError, match="'>' not supported between instances of 'NoneType' and 'int'"):
        sdk.profile_graph(g, talon_compatible=True)
    p = sdk.profile_graph(g)
    assert p.lif_layers == 2 and p.state_memory == 4 * 36


# --- lint ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case", cases("lint"), ids=ids(cases("lint")))
@pytest.mark.parametrize("compatible", [True, False])
def test_lint(case, compatible):
    g = graph_of(case, compatible)
    e = case["expected"]
    r = sdk.lint_graph(g, talon_compatible=compatible)
    same(r.to_dict(), e["lint"], case["id"])
    assert len(r.errors) == e["lint"]["errors"] and r.is_valid == e["lint"]["is_valid"]
    same(sdk.lint_graph(g, strict=True, talon_compatible=compatible).to_dict(), e["lint_strict"], case["id"])


def test_lint_checks_skip_aliases():
    nodes = {"i": ir.Input(np.array([4])), "s": ir.Skip(skip_type="add", input_type={"input": np.array([4])}, output_type={"output": np.array([4])}),
             "o": ir.Output(np.array([4]))}
    g = ir.Graph(nodes, [("i", "s"), ("s", "o")])
    codes = [i.code for i in sdk.lint_graph(g).issues]
    assert "SKIP_MERGE_INPUTS" in codes
    assert "SKIP_MERGE_INPUTS" not in [i.code for i in sdk.lint_graph(g, talon_compatible=True).issues]
    issue = next(i for i in sdk.lint_graph(g).issues if i.code == "SKIP_MERGE_INPUTS")
    assert issue.severity == sdk.Severity.WARNING == "warning" and issue.node == "s"


# --- fingerprint --------------------------------------------------------------------------

@pytest.mark.parametrize("case", cases("fingerprint"), ids=ids(cases("fingerprint")))
def test_fingerprint(case):
    g = graph_of(case)
    e = case["expected"]
    assert sdk.fingerprint_graph(g) == e["fingerprint_full"]
    assert sdk.fingerprint_graph(g, include_weights=False) == e["fingerprint_structure"]
    assert sdk.fingerprint_graph(g, include_metadata=True) == e["fingerprint_with_metadata"]
    assert list(sdk.fingerprint_graph_dual(g)) == e["dual"]
    assert sdk.verify_fingerprint(g, e["fingerprint_full"]) is e["verify_full"]
    assert sdk.verify_fingerprint(g, "0" * 64) is False
    q = sdk.quantize_weights(g, talon_compatible=True)
    assert sdk.fingerprint_graph(q) == e["after_quantize_weights"]["fingerprint_full"]
    assert sdk.fingerprint_graph(sdk.quantize_weights(g), include_weights=False) == e["after_quantize_weights"]["fingerprint_structure"]


def test_stamp():
    g = graph_of(next(c for c in cases("fingerprint") if c["id"] == "fingerprint.recurrent_lif"))
    s = sdk.stamp_graph(g, notes="v1", git_commit="abc", quantization_config={"bits": 8})
    p = sdk.get_stamp(s)
    assert p["fingerprint_full"] == sdk.fingerprint_graph(g) and p["notes"] == "v1" and p["quantization_config"] == {"bits": 8}
    assert p["timestamp"].endswith("Z") and "T" in p["timestamp"]
    assert s.allow_cycles and not sdk.stamp_graph(g, talon_compatible=True).allow_cycles
    assert sdk.get_stamp(g) is None and "provenance" not in g.metadata
    with pytest.raises(TypeError, match="notes must be a str"):
        sdk.stamp_graph(g, notes=5)


# --- quantize / convert / merge / prune ---------------------------------------------------

@pytest.mark.parametrize("case", cases("quantize"), ids=ids(cases("quantize")))
def test_quantize(case):
    g = graph_of(case)
    e = case["expected"]
    bits, per_channel = case["args"]["bits"], case["args"]["per_channel"]
    qt = sdk.quantize_weights(g, bits=bits, per_channel=per_channel, talon_compatible=True)
    qc = sdk.quantize_weights(g, bits, per_channel)
    assert {n: type(v).__name__ for n, v in qt.nodes.items()} == e["node_types"]
    assert qt.metadata == e["metadata"] and qc.metadata == e["metadata"]
    for name, arrays in e["quantized_arrays"].items():
        if "weight_bits" in arrays:
            assert qt.nodes[name].weight_bits == qc.nodes[name].weight_bits == arrays["weight_bits"]
        for f, a in arrays.items():
            if not isinstance(a, dict):
                continue
            t = getattr(qt.nodes[name], f)
            assert t.dtype == np.float32 and hashlib.sha256(t.tobytes()).hexdigest() == a["sha256"], (name, f)
            c = getattr(qc.nodes[name], f)
            assert c.dtype == np.int8, (name, f)
            # TALON's values as numbers (its -0.0 are 0 in an integer)
            d = sdk.dequantized(qc.nodes[name], f)
            assert d.dtype == np.float32 and np.array_equal(d, t), (name, f)
    after = e["profile_after"]
    if "error" in after:
        assert not qt.allow_cycles and qc.allow_cycles
        with pytest.raises(TypeError):
            sdk.profile_graph(qt, talon_compatible=True)
        qc.validate()
    else:
        p = sdk.profile_graph(qt, talon_compatible=True)
        assert (p.weight_memory, p.total_memory, p.estimated_quantized_memory) == (
            after["weight_memory"], after["total_memory"], after["estimated_quantized_memory"])
        assert sdk.profile_graph(qc, talon_compatible=True).weight_memory < p.weight_memory


def test_quantize_rejects_bad_arguments():
    g = graph_of(cases("quantize")[0])
    with pytest.raises(TypeError, match="bits must be an int"):
        sdk.quantize_weights(g, bits=8.0)
    with pytest.raises(ValueError, match=r"bits must be in \[2, 32\], got 1"):
        sdk.quantize_weights(g, bits=1)
    with pytest.raises(TypeError, match="per_channel must be a bool"):
        sdk.quantize_weights(g, per_channel="yes")
    with pytest.raises(TypeError, match="graph must be"):
        sdk.quantize_weights(42)
    with pytest.raises(TypeError):
        sdk.quantize_weights(g, bit=8)


def test_convert():
    case = cases("convert")[0]
    e = case["expected"]
    g = graph_of(case)
    for compatible in (True, False):
        c = sdk.convert_to_spiking(g, weight_bits=6, accumulator_bits=20, spike_mode="rate", talon_compatible=compatible)
        assert {n: type(v).__name__ for n, v in c.nodes.items()} == e["node_types"]
        for k, v in e["metadata"].items():
            assert c.metadata[k] == v
        fc1 = c.nodes["fc1"]
        assert (fc1.spike_mode, fc1.weight_bits, fc1.accumulator_bits) == ("rate", 6, 20)
        assert np.array_equal(fc1.weight, g.nodes["fc1"].weight)
        same(plain(sdk.profile_graph(c, talon_compatible=compatible)), e["profile_after"])
        same(sdk.lint_graph(c, talon_compatible=compatible).to_dict(), e["lint_after"])
        assert sdk.fingerprint_graph(c, include_weights=False) == e["fingerprint_structure_after"]
    with pytest.raises(ValueError, match="spike_mode"):
        sdk.convert_to_spiking(g, spike_mode="temporal")


def test_merge_prune_and_batch_convert(tmp_path):
    a = graph_of(cases("energy_sdk")[0])
    m = sdk.merge_graphs(a, a)
    assert len(m.nodes) == 2 * len(a.nodes) and m.metadata == {"merged_from": 2}
    with pytest.raises(ValueError, match="Node name collision"):
        sdk.merge_graphs(a, a, prefix=False)
    assert sdk.prune_disconnected(a) is a
    nodes = dict(a.nodes)
    nodes["lonely"] = ir.ReLU(features=4)
    b = ir.Graph(nodes, list(a.edges))
    p = sdk.prune_disconnected(b)
    assert "lonely" not in p.nodes and p.metadata["pruned_nodes"] == ["lonely"]
    src = FIX / "graphs" / "mlp_seed_backend.t1c"
    r = sdk.batch_convert([src], tmp_path / "out", processor=lambda g: sdk.convert_to_spiking(g))
    assert r[0].success and r[0].stats == {"nodes": 6, "edges": 5}
    assert type(ir.read(r[0].destination).nodes["fc1"]).__name__ == "SpikingAffine"
    r = sdk.batch_convert([src], tmp_path / "out")
    assert not r[0].success and r[0].error == "Destination exists (use overwrite=True)"
    r = sdk.batch_convert([tmp_path / "missing.t1c"], tmp_path / "out")
    assert not r[0].success and r[0].error


# --- energy -------------------------------------------------------------------------------

@pytest.mark.parametrize("case", cases("energy_sdk"), ids=ids(cases("energy_sdk")))
def test_energy(case):
    g = graph_of(case)
    e = case["expected"]
    if "ENERGY_TABLE" in e:
        assert sdk.ENERGY_TABLE == e["ENERGY_TABLE"]
    runs = e.get("runs") or [{"spike_rate": 0.1, "timesteps": 10, "energy_table": None, "result": e["result"]}]
    for run in runs:
        r = sdk.estimate_energy(g, run["spike_rate"], run["timesteps"], run["energy_table"])
        same(plain(r), run["result"], case["id"])


def test_energy_rejects_bad_arguments():
    g = graph_of(cases("energy_sdk")[0])
    with pytest.raises(TypeError, match="spike_rate must be a number"):
        sdk.estimate_energy(g, spike_rate="0.1")
    with pytest.raises(TypeError, match="timesteps must be an int"):
        sdk.estimate_energy(g, timesteps=1.5)
    with pytest.raises(ValueError, match="timesteps must be >= 0"):
        sdk.estimate_energy(g, timesteps=-1)
    with pytest.raises(ValueError, match="unknown key 'mac'"):
        sdk.estimate_energy(g, energy_table={"mac": 1.0})
    with pytest.raises(TypeError, match="graph must be a celesta.ir.Graph"):
        sdk.estimate_energy("model.t1c")
