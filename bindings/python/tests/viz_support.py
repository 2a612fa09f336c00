"""Reference graphs for the celesta.viz tests, built in memory from the graph files of
Tests/Fixtures/talon (``celesta.talon.graph/1``: nodes in TALON's insertion order)."""

import base64
import json
from pathlib import Path

import numpy as np

from celesta import ir

FIXTURES = Path(__file__).resolve().parents[3] / "Tests" / "Fixtures" / "talon"


def _value(field):
    if "b64" in field:
        return np.frombuffer(base64.b64decode(field["b64"]), dtype=np.dtype(field["dtype"])).reshape(field["shape"]).copy()
    value, kind = field["value"], field["python_type"]
    if kind == "tuple":
        return tuple(value)
    return value


def load_graph(name: str) -> ir.Graph:
    path = FIXTURES / "viz" / f"{name}.graph.json"
    if not path.exists():
        path = FIXTURES / "graphs" / f"{name}.graph.json"
    doc = json.loads(path.read_text())
    nodes = {}
    for n in doc["nodes"]:
        kwargs = {k: _value(v) for k, v in n["fields"].items()}
        for key in ("input_type", "output_type"):
            if n.get(key):
                kwargs[key] = {k: np.array(v) for k, v in n[key].items()}
        nodes[n["name"]] = ir.str_to_node(n["type"])(**kwargs)
    graph = ir.Graph(nodes, [tuple(e) for e in doc["edges"]], doc.get("metadata") or {}, doc["allow_cycles"])
    if doc.get("cyclic_config"):
        graph.cyclic_config = doc["cyclic_config"]
    return graph


def expected(name: str) -> dict:
    """TALON's graph_to_dict of the graph (array payloads "<omitted>")."""
    if name == "mlp_784_128_10":
        return json.loads((FIXTURES / "cases" / "viz.mlp_784_128_10.json").read_text())["expected"]["graph_to_dict"]
    return json.loads((FIXTURES / "viz" / f"{name}.graph_to_dict.json").read_text())


# The greedy partition of skip_mixed on the 4x4 mesh of 3 neurons per core (shared case
# partition.skip_mixed.mesh_4x4_cap3.greedy).
SKIP_MIXED_CORES = {"input": 0, "fc1": 0, "lif1": 0, "fc2": 0, "if2": 1, "skip": 1, "drop": 1, "bn": 2, "fc3": 2,
                    "relu": 2, "lif3": 3, "output": 3}


def partitioned_skip_mixed() -> ir.Graph:
    graph = load_graph("skip_mixed")
    graph.set_partition(SKIP_MIXED_CORES)
    graph.partition_metadata = {"assignments": dict(SKIP_MIXED_CORES), "num_cores_used": 4,
                                "cross_core_edges": [["fc2", "if2"], ["lif1", "skip"], ["drop", "bn"], ["relu", "lif3"]],
                                "feedback_edges": [], "algorithm": "greedy"}
    return graph
