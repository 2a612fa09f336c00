"""celesta.viz: graph_to_dict against TALON's outputs, the three HTML views, and serving a page
on localhost. (The pages are drawn in a browser by test_viz_browser.py.)"""

import base64
import contextlib
import io
import json
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from celesta import ir, viz
from celesta.viz import display
from viz_support import FIXTURES, SKIP_MIXED_CORES, expected, load_graph, partitioned_skip_mixed

NAMES = ["mlp_784_128_10", "skip_mixed", "kitchen_sink", "conv_snn", "recurrent_lif", "viz_patterns"]


def ordered_keys(value, path="$"):
    """Every object's key list, by path (json.loads keeps the text's order)."""
    out = {}
    if isinstance(value, dict):
        out[path] = list(value)
        for k, v in value.items():
            out.update(ordered_keys(v, f"{path}.{k}"))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(ordered_keys(v, f"{path}[{i}]"))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_graph_to_dict_equals_talon(name):
    got = viz.graph_to_dict(load_graph(name))
    want = expected(name)
    assert got == want
    assert ordered_keys(got) == ordered_keys(want)


def test_graph_to_dict_top_keys_and_groups():
    d = viz.graph_to_dict(load_graph("viz_patterns"))
    assert list(d) == ["version", "nodes", "edges", "metadata", "summary", "groups", "node_to_group"]
    assert [g["type"] for g in d["groups"]] == ["RepConv", "SPP", "SPPF", "SkipConnection"]
    assert viz.graph_to_dict(load_graph("viz_patterns"), detect_patterns=False)["groups"] == []


def test_graph_to_dict_of_a_file(tmp_path):
    graph = load_graph("skip_mixed")
    path = tmp_path / "g.t1c"
    ir.write(path, graph)
    assert viz.graph_to_dict(str(path)) == viz.graph_to_dict(graph)
    assert viz.graph_to_dict(path)["summary"]["total_params"] == 644


def test_talon_compatible_embeds_the_arrays():
    graph = load_graph("mlp_784_128_10")
    weight = viz.graph_to_dict(graph, talon_compatible=True)["nodes"][1]["params"]["weight"]
    raw = np.frombuffer(base64.b64decode(weight["data"]), np.float32).reshape(weight["shape"])
    assert np.array_equal(raw, graph.nodes["fc1"].weight)
    assert viz.graph_to_dict(graph)["nodes"][1]["params"]["weight"]["data"] == "<omitted>"


def test_bad_arguments():
    with pytest.raises(TypeError, match="graph must be"):
        viz.graph_to_dict(42)
    with pytest.raises(TypeError, match="path"):
        viz.export_html(load_graph("skip_mixed"), 3.5)
    with pytest.raises(TypeError, match="title"):
        viz.export_html(load_graph("skip_mixed"), "x.html", title=7)
    with pytest.raises(TypeError, match="unexpected keyword"):
        viz.export_html(load_graph("skip_mixed"), "x.html", titel="typo")
    with pytest.raises(ValueError, match="port"):
        display.export_html(load_graph("skip_mixed"), "x.html", serve=True, port=70000)


def test_export_html(tmp_path):
    graph = load_graph("conv_snn")
    out = viz.export_html(graph, tmp_path / "sub" / "graph.html", title="ConvSNN")
    assert isinstance(out, Path) and out.exists()
    text = out.read_text()
    assert "<title>ConvSNN</title>" in text and "http://" not in text and "https://" not in text
    assert out.stat().st_size < 64_000  # 403,538 parameters, summarised
    big = viz.export_html(graph, tmp_path / "talon.html", talon_compatible=True)
    assert big.stat().st_size > 1_500_000  # TALON embeds every weight
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".html"]  # no temporary left


def page_data(path) -> dict:
    text = Path(path).read_text()
    start = text.index('id="celesta-data">') + len('id="celesta-data">')
    return json.loads(text[start:text.index("</script>", start)])


class PartitionResult:
    """A partition result as the mapping engineer's shape: a node-to-core dict."""

    def __init__(self, node_to_core):
        self.node_to_core = node_to_core


def test_visualize_partitioned(tmp_path):
    graph = partitioned_skip_mixed()
    out = viz.visualize_partitioned(graph, str(tmp_path / "p.html"))
    assert out == str(tmp_path / "p.html")
    d = page_data(out)["graph"]
    assert [c["node_count"] for c in d["metadata"]["core_legend"]] == [4, 3, 3, 2]
    assert d["metadata"]["partition"] == {"num_cores_used": 4, "algorithm": "greedy", "cross_core_edges": 4}
    assert {n["id"]: n["hardware"]["core_id"] for n in d["nodes"]} == SKIP_MIXED_CORES
    # The same cores from a mapping, a partition result, or partition_metadata.
    plain = load_graph("skip_mixed")
    for given in (SKIP_MIXED_CORES, PartitionResult(SKIP_MIXED_CORES), {"assignments": SKIP_MIXED_CORES}):
        p = viz.visualize_partitioned(plain, tmp_path / "q.html", partition=given)
        assert {n["id"]: n["hardware"]["core_id"] for n in page_data(p)["graph"]["nodes"]} == SKIP_MIXED_CORES


def test_visualize_partitioned_errors(tmp_path):
    path = tmp_path / "p.html"
    path.write_text("old")
    with pytest.raises(ValueError, match="not partitioned"):
        viz.visualize_partitioned(load_graph("skip_mixed"), path)
    with pytest.raises(ValueError, match="could not be assigned to a core: lif1"):
        viz.visualize_partitioned(load_graph("skip_mixed"), path, partition={"fc1": 0})
    with pytest.raises(TypeError, match="partition"):
        viz.visualize_partitioned(load_graph("skip_mixed"), path, partition=[1, 2])
    with pytest.raises(TypeError, match="core of node 'fc1'"):
        viz.visualize_partitioned(load_graph("skip_mixed"), path, partition={"fc1": "zero"})
    with pytest.raises(ValueError, match="core of node 'fc1'"):
        viz.visualize_partitioned(load_graph("skip_mixed"), path, partition={"fc1": -1})
    assert path.read_text() == "old"


class Profile:
    def __init__(self, per_node_latency):
        self.per_node_latency = per_node_latency


def test_visualize_execution_schedule(tmp_path):
    out = viz.visualize_execution_schedule(partitioned_skip_mixed(), tmp_path / "s.html")
    s = page_data(out)["schedule"]
    assert s["source"] == "partition" and s["makespan"] == 12 and len(s["lanes"]) == 4
    assert [d["source"] + "->" + d["target"] for d in s["dependencies"]] == ["fc2->if2", "lif1->skip", "drop->bn", "relu->lif3"]
    timed = page_data(viz.visualize_execution_schedule(partitioned_skip_mixed(), tmp_path / "t.html",
                                                       profile_result=Profile({"fc1": 10.0, "fc2": 5})))["schedule"]
    assert timed["unit"] == "us" and timed["makespan"] == 15
    unpartitioned = page_data(viz.visualize_execution_schedule(load_graph("conv_snn"), tmp_path / "u.html"))["schedule"]
    assert unpartitioned["source"] == "topological order" and len(unpartitioned["lanes"]) == 1
    with pytest.raises(TypeError, match="profile_result"):
        viz.visualize_execution_schedule(load_graph("conv_snn"), tmp_path / "u.html", profile_result=3)
    with pytest.raises(ValueError, match="latency of node 'fc1'"):
        viz.visualize_execution_schedule(load_graph("conv_snn"), tmp_path / "u.html", profile_result={"fc1": -2.0})


def test_display_serves_the_page_on_localhost(tmp_path):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        out = display.export_html(load_graph("conv_snn"), tmp_path / "model.html", serve=True, timeout=60)
    try:
        urls = display.served_urls()
        assert len(urls) == 1 and urls[0].startswith("http://127.0.0.1:") and urls[0].endswith("/model.html")
        assert urls[0] in buf.getvalue()
        with urllib.request.urlopen(urls[0], timeout=10) as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith("text/html")
            assert r.read() == out.read_bytes()
        with pytest.raises(urllib.error.HTTPError) as e:  # nothing but the page is served
            urllib.request.urlopen(urls[0].rsplit("/", 1)[0] + "/../etc/passwd", timeout=10)
        assert e.value.code == 404
    finally:
        assert display.stop_servers() == 1
    assert display.served_urls() == []
    with pytest.raises(OSError):
        urllib.request.urlopen(urls[0], timeout=5)


def test_display_server_stops_when_idle(tmp_path):
    with contextlib.redirect_stdout(io.StringIO()):
        display.export_html(load_graph("skip_mixed"), tmp_path / "idle.html", serve=True, timeout=0.5)
    import time
    deadline = time.monotonic() + 10
    while display.served_urls() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert display.served_urls() == []
