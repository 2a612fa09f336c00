"""``celesta.graph``: graphs and their mapping onto hardware; one module for both tools' names.

TALON's ``talon.graph`` (mapping a graph onto the cores of a hardware spec): ``HardwareSpec``
(with the presets ``zynq_7020()``, ``zynq_us_plus()``, ``zcu102()``, ``t1c_asic_target()`` and
``validate()``), ``partition(graph, hw, algorithm)`` (greedy, edgemap, spectral), ``allocate``,
``place`` and ``route``, with TALON's names, signatures and result dataclasses. Where TALON is
wrong Celesta's default is the corrected behaviour; ``talon_compatible=True`` (or ``with
celesta.talon_compatible():``) gives TALON's exactly (README, "Differences from TALON, on
purpose").

Rockpool's graph API (``GraphModule``, ``GraphNode``, ``GraphHolder``, ``connect_modules``,
``as_GraphHolder``; see ``_modules``).
"""

from ._mapping import (CoreBudget, HardwareSpec, PartitionResult, PlacementResult, ResourceMap, RoutingTable,
                       allocate, partition, partition_edgemap, partition_greedy, partition_spectral, place, route)
from ._modules import (GraphHolder, GraphModule, GraphModuleBase, GraphNode, LIFNeuronWithSynsRealValue,
                       LinearWeights, as_GraphHolder, connect_modules, from_module, to_module)

__all__ = ["HardwareSpec", "CoreBudget", "ResourceMap", "PlacementResult", "RoutingTable", "PartitionResult",
           "partition", "partition_greedy", "partition_edgemap", "partition_spectral", "allocate", "place", "route",
           "GraphNode", "GraphModuleBase", "GraphModule", "GraphHolder", "LinearWeights",
           "LIFNeuronWithSynsRealValue", "connect_modules", "as_GraphHolder", "from_module", "to_module"]
