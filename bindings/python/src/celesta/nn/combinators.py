"""Rockpool's ``rockpool.nn.combinators`` names: ``Sequential`` and ``Residual``."""

from ._base import Residual, Sequential

__all__ = ["Sequential", "Residual"]
