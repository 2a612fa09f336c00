"""Rockpool's ``rockpool.nn.modules`` names: ``Linear``, ``LIF`` and their torch-flavoured
aliases ``LinearTorch``, ``LIFTorch`` (the same classes: Celesta has one float simulator)."""

from ._base import LIF, Linear, Module

LinearTorch = Linear
LIFTorch = LIF

__all__ = ["Module", "Linear", "LIF", "LinearTorch", "LIFTorch"]
