"""NIR (``nir`` 1.0.8) files for the Celesta IR: ``read``/``write`` through libhdf5 in the
library (gzip or plain, nested graphs, recurrent edges, metadata), and ``from_nir``/``to_nir``
between ``celesta.ir.Graph`` and the ``nir`` package's objects (which needs ``nir``
installed: ``pip install nir==1.0.8``)."""

from __future__ import annotations

import os
import tempfile

from . import _irlib
from .ir import Graph

__all__ = ["read", "write", "from_nir", "to_nir"]


def read(path) -> Graph:
    """Reads a ``.nir`` file into an IR graph (port shapes inferred as ``nir``'s type check does)."""
    return Graph._from_handle(_irlib.Handle.read(str(path), "nir", 0))


def write(path, graph: Graph, compression: str | None = "gzip") -> None:
    """Writes ``graph`` as NIR, atomically; ``compression=None`` stores arrays uncompressed."""
    if compression not in ("gzip", None):
        raise ValueError(f"compression must be 'gzip' or None, got {compression!r}")
    graph._handle().write(str(path), "nir", 0 if compression else _irlib.UNCOMPRESSED)


def _roundtrip(write_fn, read_fn):
    fd, path = tempfile.mkstemp(suffix=".nir")
    os.close(fd)
    try:
        write_fn(path)
        return read_fn(path)
    finally:
        os.unlink(path)


def from_nir(nir_graph) -> Graph:
    """A ``nir.NIRGraph`` (from the ``nir`` package) as a Celesta IR graph."""
    import nir
    return _roundtrip(lambda p: nir.write(p, nir_graph), read)


def to_nir(graph: Graph):
    """A Celesta IR graph as a ``nir.NIRGraph``."""
    import nir
    return _roundtrip(lambda p: write(p, graph), nir.read)
