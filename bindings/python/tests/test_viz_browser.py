"""The HTML views in a real browser: headless Chromium (Debian's `chromium`) opens each page,
which reports what it drew in its #celesta-status element (read back with --dump-dom): every
node and edge, the core regions, pattern groups and timeline lanes, no script error, no
console message (Chromium prints each with --enable-logging=stderr), and, for the tutorial
ConvSNN, the drawing time. Screenshots are taken too; set CELESTA_VIZ_SCREENSHOTS=DIR to keep
them. Skipped when Chromium is not installed (scripts/install-deps.sh installs it)."""

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from celesta import ir, viz
from viz_support import load_graph, partitioned_skip_mixed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (Debian package 'chromium'; scripts/install-deps.sh installs it)")


def chromium(tmp_path, page: Path, *args) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
           "--hide-scrollbars", f"--user-data-dir={tmp_path / 'chromium-profile'}", "--enable-logging=stderr", "--v=0",
           "--window-size=1400,900", *args, page.as_uri()]
    # The browser never loads libcelesta: a sanitizer runtime that scripts/sanitizers.sh preloads
    # into this Python process is not passed on (Chromium hangs at start under ASan's runtime).
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)


def drawn(tmp_path, page: Path) -> dict:
    """The page's status after it has drawn, and no console message."""
    run = chromium(tmp_path, page, "--dump-dom")
    m = re.search(r'<pre id="celesta-status">(.*?)</pre>', run.stdout, re.S)
    assert m, f"no status in the page (exit {run.returncode}): {run.stderr[-2000:]}"
    status = json.loads(html.unescape(m.group(1)))
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    assert status["errors"] == [] and console == [], (status["errors"], console)
    return status


def screenshot(tmp_path, page: Path) -> Path:
    keep = os.environ.get("CELESTA_VIZ_SCREENSHOTS")
    folder = Path(keep) if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    png = folder / (page.stem + ".png")
    run = chromium(tmp_path, page, f"--screenshot={png}")
    assert png.exists(), run.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, len(data)  # a drawing, not a blank page
    return png


def counts(graph: ir.Graph):
    return len(graph.nodes), len(graph.edges)


@pytest.mark.parametrize("name", ["mlp_784_128_10", "kitchen_sink", "recurrent_lif", "viz_patterns"])
def test_graph_view_draws_every_node_and_edge(tmp_path, name):
    graph = load_graph(name)
    page = viz.export_html(graph, tmp_path / f"{name}_graph.html", title=name)
    status = drawn(tmp_path, page)
    assert status["view"] == "graph" and not status["lazy"]
    assert (status["nodes"], status["edges"]) == counts(graph)
    assert status["groups"] == len(viz.graph_to_dict(graph)["groups"])
    if name == "viz_patterns":  # RepConv, SPP, SPPF and a skip connection outlined
        assert status["groups"] == 4
        screenshot(tmp_path, page)


def test_tutorial_convsnn_page_is_small_and_fast(tmp_path):
    graph = load_graph("conv_snn")  # 403,538 parameters
    page = viz.export_html(graph, tmp_path / "convsnn_graph.html", title="Tutorial ConvSNN")
    assert page.stat().st_size < 64_000
    status = drawn(tmp_path, page)
    assert (status["nodes"], status["edges"]) == (10, 9)
    assert status["script_ms"] < 1000, status
    print(f"ConvSNN page: {page.stat().st_size} bytes, drawn in {status['script_ms']} ms "
          f"({status['load_ms']} ms after navigation start)")
    screenshot(tmp_path, page)


def test_partitioned_view_draws_core_regions(tmp_path):
    graph = partitioned_skip_mixed()
    page = Path(viz.visualize_partitioned(graph, tmp_path / "skip_mixed_partitions.html"))
    status = drawn(tmp_path, page)
    assert (status["view"], status["nodes"], status["edges"]) == ("partitioned", 12, 12)
    assert status["regions"] == 4  # each core's nodes are consecutive layers here: one region per core
    screenshot(tmp_path, page)


def test_schedule_draws_a_lane_per_core(tmp_path):
    page = Path(viz.visualize_execution_schedule(partitioned_skip_mixed(), tmp_path / "skip_mixed_schedule.html"))
    status = drawn(tmp_path, page)
    assert (status["view"], status["lanes"], status["nodes"], status["edges"]) == ("schedule", 4, 12, 4)
    screenshot(tmp_path, page)
    single = Path(viz.visualize_execution_schedule(load_graph("conv_snn"), tmp_path / "convsnn_schedule.html"))
    status = drawn(tmp_path, single)
    assert (status["lanes"], status["nodes"], status["edges"]) == (1, 10, 0)


def chain(blocks: int, width: int) -> ir.Graph:
    """Input -> blocks x (Affine width x width -> LIF width) -> Output."""
    import numpy as np
    nodes, edges, prev = {"in": ir.Input(np.array([width]))}, [], "in"
    w, z, one = np.full((width, width), 0.1, np.float32), np.zeros(width, np.float32), np.ones(width, np.float32)
    for i in range(blocks):
        nodes[f"fc{i}"] = ir.Affine(weight=w, bias=z)
        nodes[f"lif{i}"] = ir.LIF(tau=one, r=one, v_leak=z, v_threshold=one)
        edges += [(prev, f"fc{i}"), (f"fc{i}", f"lif{i}")]
        prev = f"lif{i}"
    nodes["out"] = ir.Output(np.array([width]))
    edges.append((prev, "out"))
    return ir.Graph(nodes, edges)


def test_large_graph(tmp_path):
    """802 nodes (400 x Affine 16x16 -> LIF 16), every one drawn."""
    page = viz.export_html(chain(400, 16), tmp_path / "chain.html")
    status = drawn(tmp_path, page)
    assert (status["nodes"], status["edges"], status["lazy"]) == (802, 801, False)
    print(f"802-node chain: {page.stat().st_size} bytes, drawn in {status['script_ms']} ms")


def test_very_large_graph_is_drawn_as_it_comes_into_view(tmp_path):
    """5,002 nodes (2,500 x Affine -> LIF): laid out in full, drawn where the window shows."""
    page = viz.export_html(chain(2500, 4), tmp_path / "chain5002.html")
    status = drawn(tmp_path, page)
    assert status["lazy"] and (status["laid_out_nodes"], status["laid_out_edges"]) == (5002, 5001)
    assert 0 < status["nodes"] < 100 and 0 < status["edges"] < 100  # the top of the chain, in view
    print(f"5,002-node chain: {page.stat().st_size} bytes, drawn in {status['script_ms']} ms")
