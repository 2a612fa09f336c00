"""Rockpool's graph API (``rockpool.graph``): graph modules joined by graph nodes.

A ``GraphModule`` is a unit of computation (a weight block, a population of neurons) with
``input_nodes`` and ``output_nodes``; a ``GraphNode`` is one signal, with the
``source_modules`` that drive it and the ``sink_modules`` that read it. ``connect_modules``
joins one module's outputs to another's inputs; a ``GraphHolder`` holds a whole subgraph by its
input and output nodes (``as_GraphHolder`` wraps one module). The computational classes are
``LinearWeights`` (``weights`` ``[n_in, n_out]``) and ``LIFNeuronWithSynsRealValue``
(``tau_mem``, ``tau_syn``, ``threshold``, ``bias``, ``dt``), as Rockpool's.

``celesta.graph.from_module(net)`` gives the graph of a ``celesta.nn`` network (its
``as_graph()`` result has ``input_nodes`` / ``output_nodes`` too), and the Xylo mappers take a
graph built here: a chain of weights and neuron populations, with recurrent weights from a
population's outputs back to its inputs, or any graph made from a module.
"""

from __future__ import annotations

import numpy as np

__all__ = ["GraphNode", "GraphModuleBase", "GraphModule", "GraphHolder", "LinearWeights",
           "LIFNeuronWithSynsRealValue", "connect_modules", "as_GraphHolder", "from_module", "to_module"]


class _UniqueList(list):
    """A list that keeps each item once, in the order first added (identity, not equality)."""

    def __init__(self, items=()):
        super().__init__()
        self.extend(items)

    def append(self, item):
        if not any(x is item for x in self):
            super().append(item)

    def extend(self, items):
        for item in items:
            self.append(item)

    def remove(self, item):
        for i, x in enumerate(self):
            if x is item:
                del self[i]
                return
        raise ValueError(f"{item!r} is not in the list")


class GraphNode:
    """One signal of a graph: ``source_modules`` drive it, ``sink_modules`` read it."""

    def __init__(self, source_modules=None, sink_modules=None, name: str | None = None):
        self.source_modules = _UniqueList(source_modules or [])
        self.sink_modules = _UniqueList(sink_modules or [])
        self.name = name

    def add_source(self, module: "GraphModuleBase") -> None:
        """Adds ``module`` as a source of this node and this node as one of its outputs."""
        self.source_modules.append(module)
        if not any(n is self for n in module.output_nodes):
            module.output_nodes.append(self)

    def add_sink(self, module: "GraphModuleBase") -> None:
        """Adds ``module`` as a sink of this node and this node as one of its inputs."""
        self.sink_modules.append(module)
        if not any(n is self for n in module.input_nodes):
            module.input_nodes.append(self)

    def remove_source(self, module: "GraphModuleBase") -> None:
        self.source_modules.remove(module)

    def remove_sink(self, module: "GraphModuleBase") -> None:
        self.sink_modules.remove(module)

    def __repr__(self):
        return f"GraphNode {self.name or id(self)} with {len(self.source_modules)} source(s) and {len(self.sink_modules)} sink(s)"


class GraphModuleBase:
    """What every graph module has: ``input_nodes``, ``output_nodes``, a ``name`` and the
    ``computational_module`` it stands for (or None)."""

    def __init__(self, input_nodes=None, output_nodes=None, name: str | None = None, computational_module=None):
        self.input_nodes = _UniqueList(input_nodes or [])
        self.output_nodes = _UniqueList(output_nodes or [])
        self.name = name
        self.computational_module = computational_module

    @property
    def size_in(self) -> int:
        return len(self.input_nodes)

    @property
    def size_out(self) -> int:
        return len(self.output_nodes)

    @property
    def shape(self) -> tuple:
        return (self.size_in, self.size_out)

    def add_input(self, node: GraphNode) -> None:
        self.input_nodes.append(node)

    def add_output(self, node: GraphNode) -> None:
        self.output_nodes.append(node)

    def remove_input(self, node: GraphNode) -> None:
        self.input_nodes.remove(node)

    def remove_output(self, node: GraphNode) -> None:
        self.output_nodes.remove(node)

    def clear_inputs(self) -> None:
        del self.input_nodes[:]

    def clear_outputs(self) -> None:
        del self.output_nodes[:]

    @classmethod
    def _factory(cls, size_in: int, size_out: int, name: str | None = None, computational_module=None,
                 *args, **kwargs) -> "GraphModuleBase":
        """A new module with ``size_in`` new input nodes and ``size_out`` new output nodes;
        further arguments go to the constructor (e.g. ``weights``)."""
        for label, size in (("size_in", size_in), ("size_out", size_out)):
            if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 0:
                raise ValueError(f"{cls.__name__}._factory: '{label}' must be an int >= 0, not {size!r}")
        inputs = [GraphNode() for _ in range(int(size_in))]
        outputs = [GraphNode() for _ in range(int(size_out))]
        return cls(inputs, outputs, name, computational_module, *args, **kwargs)

    def __repr__(self):
        return f"{type(self).__name__} '{self.name}' with {self.size_in} input nodes -> {self.size_out} output nodes"


class GraphModule(GraphModuleBase):
    """A unit of computation in a graph; registers itself as the sink of its input nodes and
    the source of its output nodes. Subclass it for specific computations."""

    def __init__(self, input_nodes=None, output_nodes=None, name: str | None = None, computational_module=None):
        super().__init__(input_nodes, output_nodes, name, computational_module)
        for node in self.input_nodes:
            node.add_sink(self)
        for node in self.output_nodes:
            node.add_source(self)

    def remove_input(self, node: GraphNode) -> None:
        super().remove_input(node)
        node.remove_sink(self)

    def remove_output(self, node: GraphNode) -> None:
        super().remove_output(node)
        node.remove_source(self)


class GraphHolder(GraphModuleBase):
    """A whole subgraph, held by its ``input_nodes`` and ``output_nodes`` (the modules in
    between are reached through the nodes; the holder does not register itself on them)."""


class LinearWeights(GraphModule):
    """A weight block: ``weights`` ``[len(input_nodes), len(output_nodes)]``."""

    def __init__(self, input_nodes=None, output_nodes=None, name: str | None = None, computational_module=None,
                 weights=None):
        super().__init__(input_nodes, output_nodes, name, computational_module)
        w = np.asarray(weights if weights is not None else np.zeros(self.shape), dtype=np.float64)
        if w.shape != self.shape:
            raise ValueError(f"LinearWeights '{name}': 'weights' has shape {w.shape} but the nodes give {self.shape}")
        self.weights = w


class LIFNeuronWithSynsRealValue(GraphModule):
    """A LIF population in float parameters: one input node per synapse (``n_syn`` per neuron,
    interleaved), one output node per neuron; ``tau_mem``, ``threshold``, ``bias`` per neuron,
    ``tau_syn`` per input, ``dt`` seconds."""

    def __init__(self, input_nodes=None, output_nodes=None, name: str | None = None, computational_module=None,
                 tau_mem=0.02, tau_syn=0.02, threshold=1.0, bias=0.0, dt: float = 1e-3):
        super().__init__(input_nodes, output_nodes, name, computational_module)
        n_in, n_out = self.shape
        if n_out == 0 or n_in % n_out:
            raise ValueError(f"LIFNeuronWithSynsRealValue '{name}': {n_in} input nodes for {n_out} neurons; "
                             "each neuron needs the same number of synapses")
        self.tau_mem = np.broadcast_to(np.asarray(tau_mem, dtype=np.float64), (n_out,)).copy()
        self.tau_syn = np.broadcast_to(np.asarray(tau_syn, dtype=np.float64), (n_in,)).copy()
        self.threshold = np.broadcast_to(np.asarray(threshold, dtype=np.float64), (n_out,)).copy()
        self.bias = np.broadcast_to(np.asarray(bias, dtype=np.float64), (n_out,)).copy()
        self.dt = float(dt)


def connect_modules(source: GraphModuleBase, dest: GraphModuleBase, source_indices=None, dest_indices=None) -> None:
    """Joins ``source``'s output nodes to ``dest``'s input nodes (all of them, or those at
    ``source_indices`` / ``dest_indices``, which must be as many): each pair is merged into the
    source's node, which ``dest`` then reads."""
    src = list(source.output_nodes) if source_indices is None else [source.output_nodes[i] for i in np.atleast_1d(source_indices)]
    dst = list(dest.input_nodes) if dest_indices is None else [dest.input_nodes[i] for i in np.atleast_1d(dest_indices)]
    if len(src) != len(dst):
        raise ValueError(f"connect_modules: {len(src)} source output nodes but {len(dst)} destination input nodes")
    for s_node, d_node in zip(src, dst):
        if s_node is d_node:
            continue
        for sink in list(d_node.sink_modules):
            for i, n in enumerate(sink.input_nodes):
                if n is d_node:
                    sink.input_nodes[i] = s_node
            s_node.sink_modules.append(sink)
        for i, n in enumerate(dest.input_nodes):  # a GraphHolder is not among the node's sinks
            if n is d_node:
                dest.input_nodes[i] = s_node
        for source_module in d_node.source_modules:
            s_node.source_modules.append(source_module)
            for i, n in enumerate(source_module.output_nodes):
                if n is d_node:
                    source_module.output_nodes[i] = s_node


def as_GraphHolder(g: GraphModuleBase) -> GraphHolder:
    """``g`` held as a ``GraphHolder`` with the same input and output nodes."""
    return GraphHolder(list(g.input_nodes), list(g.output_nodes), g.name, g.computational_module)


# ---- celesta.nn networks <-> graphs ------------------------------------------------------

def _graph_of(module, name: str) -> GraphModuleBase:
    from ..nn import LIF, Linear, Residual, Sequential

    if isinstance(module, Linear):
        return LinearWeights._factory(*module.shape, name, module, weights=module.weight)
    if isinstance(module, LIF):
        neurons = LIFNeuronWithSynsRealValue._factory(*module.shape, name, module, tau_mem=module.tau_mem,
                                                      tau_syn=module.tau_syn, threshold=module.threshold,
                                                      bias=module.bias, dt=module.dt)
        if module.has_rec:
            LinearWeights(list(neurons.output_nodes), list(neurons.input_nodes), f"{name}_recurrent", module,
                          weights=module.w_rec)
        return as_GraphHolder(neurons)
    if isinstance(module, (Sequential, Residual)):
        parts = [_graph_of(m, f"{name}_{n}") for n, m in zip(module.names, module.modules)]
        for a, b in zip(parts, parts[1:]):
            connect_modules(a, b)
        if isinstance(module, Residual):
            # The skip: every input node also drives the matching output (Rockpool draws it as
            # an identity weight block from the block's inputs to its outputs).
            LinearWeights(list(parts[0].input_nodes), list(parts[-1].output_nodes), f"{name}_skip", module,
                          weights=np.eye(module.size_in))
        return GraphHolder(list(parts[0].input_nodes), list(parts[-1].output_nodes), name, module)
    raise TypeError(f"from_module: {type(module).__name__} is not a celesta.nn module")


def from_module(module) -> GraphHolder:
    """The graph of a ``celesta.nn`` network (Rockpool's ``module.as_graph()``), a
    ``GraphHolder`` whose ``computational_module`` is ``module``."""
    return _graph_of(module, type(module).__name__)


def to_module(graph):
    """The ``celesta.nn`` network a graph stands for: its ``computational_module`` when it has
    one, else the chain read from the nodes (weights, neurons and recurrent weights; a graph
    that is not such a chain is refused with ``ValueError`` naming the module)."""
    from ..nn import LIF, Linear, Module, Sequential

    if isinstance(getattr(graph, "computational_module", None), Module):
        return graph.computational_module
    layers, seen = [], set()
    nodes = list(graph.input_nodes)
    while nodes:
        forward = _UniqueList()
        forward.extend(m for n in nodes for m in n.sink_modules if id(m) not in seen)
        if not forward:
            break
        if len(forward) != 1:
            names = ", ".join(str(m.name) for m in forward) or "none"
            raise ValueError(f"to_module: the graph branches after {len(layers)} modules (next: {names}); "
                             "only chains of weights and neurons are read")
        m = forward[0]
        seen.add(id(m))
        if isinstance(m, LinearWeights):
            layers.append(Linear(m.shape, weight=m.weights))
        elif isinstance(m, LIFNeuronWithSynsRealValue):
            rec = [r for n in m.output_nodes for r in n.sink_modules
                   if isinstance(r, LinearWeights) and all(any(o is i for i in m.input_nodes) for o in r.output_nodes)]
            w_rec = None
            if rec:
                seen.add(id(rec[0]))
                w_rec = rec[0].weights
            layers.append(LIF(m.shape, tau_mem=m.tau_mem, tau_syn=m.tau_syn, threshold=m.threshold, bias=m.bias,
                              dt=m.dt, w_rec=w_rec))
        else:
            raise ValueError(f"to_module: module '{m.name}' is a {type(m).__name__}; "
                             "only LinearWeights and LIFNeuronWithSynsRealValue are read")
        if any(o is n for o in m.output_nodes for n in graph.output_nodes):
            break
        nodes = list(m.output_nodes)
    if not layers:
        raise ValueError("to_module: the graph holds no module")
    return Sequential(*layers)
