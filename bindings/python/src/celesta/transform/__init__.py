"""Network transformations, with Rockpool's names: ``celesta.transform.quantize_methods``."""

from . import quantize_methods

__all__ = ["quantize_methods"]
