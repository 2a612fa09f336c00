"""Loading the TALON reference graphs (``celesta.talon.graph/1``) and cases (Tests/Fixtures/talon)."""

import base64
import json
from pathlib import Path

import numpy as np

from celesta import ir

FIXTURES = Path(__file__).resolve().parents[3] / "Tests" / "Fixtures" / "talon"


def array(obj):
    """An array object of a case or graph file as numpy (from ``b64`` or ``values``)."""
    dtype = np.dtype(obj["dtype"])
    if "b64" in obj:
        return np.frombuffer(base64.b64decode(obj["b64"]), dtype.newbyteorder("<")).astype(dtype).reshape(obj["shape"])
    return np.asarray(obj["values"], dtype).reshape(obj["shape"])


def _value(v):
    if "b64" in v:
        return array(v)
    raw = v["value"]
    if v.get("python_type") == "tuple":
        return tuple(raw)
    return raw


def graph_from_doc(doc):
    nodes = {}
    order = doc.get("node_order") or [n["name"] for n in doc["nodes"]]
    for n in sorted(doc["nodes"], key=lambda n: order.index(n["name"])):
        cls = ir.str_to_node(n["type"])
        fields = {k: _value(v) for k, v in n["fields"].items()}
        kw = {}
        if n.get("input_type"):
            kw["input_type"] = {k: np.asarray(v) for k, v in n["input_type"].items()}
        if n.get("output_type"):
            kw["output_type"] = {k: np.asarray(v) for k, v in n["output_type"].items()}
        nodes[n["name"]] = cls(**fields, **kw, talon_compatible=True)
    g = ir.Graph(nodes=nodes, edges=[tuple(e) for e in doc["edges"]], metadata=doc.get("metadata") or {},
                 allow_cycles=doc.get("allow_cycles", False))
    if doc.get("cyclic_config"):
        g.cyclic_config = doc["cyclic_config"]
    return g


def graph(name):
    with open(FIXTURES / "graphs" / f"{name}.graph.json", encoding="utf-8") as f:
        return graph_from_doc(json.load(f))


def case(case_id):
    with open(FIXTURES / "cases" / f"{case_id}.json", encoding="utf-8") as f:
        return json.load(f)


def case_ids(kind):
    return sorted(p.name[:-5] for p in (FIXTURES / "cases").glob(f"{kind}.*.json"))


def inputs(obj):
    """A case's ``input_data``: None, or {name: array}."""
    if obj is None:
        return None
    if "dtype" in obj:  # a bare array (run's input_data)
        return array(obj)
    return {k: array(v) for k, v in obj.items()}
