"""Float network modules with Rockpool's names and packages (``celesta.nn.modules``,
``celesta.nn.combinators``), for the Xylo mappers and the float reference simulation.

    from celesta.nn.modules import LinearTorch, LIFTorch
    from celesta.nn.combinators import Sequential, Residual
    net = Sequential(LinearTorch((2, 4)), LIFTorch(4), Residual(LinearTorch((4, 4)), LIFTorch(4)))
    out, state, rec = net(np.ones((100, 2)), record=True)     # Rockpool's float LIF
    spec = celesta.devices.xylo.syns61201.mapper(net.as_graph())

A Rockpool module is accepted wherever a module is (converted by ``from_rockpool``).
"""

from . import combinators, modules
from ._base import LIF, Linear, Module, NetworkGraph, Residual, Sequential
from ._rockpool import from_rockpool
from .modules import LIFTorch, LinearTorch

__all__ = ["Module", "Linear", "LIF", "LinearTorch", "LIFTorch", "Sequential", "Residual", "NetworkGraph",
           "from_rockpool", "modules", "combinators"]
