"""Graphs. Rockpool's graph API (``GraphModule``, ``GraphNode``, ``GraphHolder``,
``connect_modules``, ``as_GraphHolder``; see ``_modules``)."""

from ._modules import (GraphHolder, GraphModule, GraphModuleBase, GraphNode, LIFNeuronWithSynsRealValue,
                       LinearWeights, as_GraphHolder, connect_modules, from_module, to_module)

__all__ = ["GraphNode", "GraphModuleBase", "GraphModule", "GraphHolder", "LinearWeights",
           "LIFNeuronWithSynsRealValue", "connect_modules", "as_GraphHolder", "from_module", "to_module"]
