"""Writes the HDF5 structure fixtures of this folder (see README.md) with h5py.

    python make_fixtures.py [FOLDER]

Run once with h5py 3.16 (HDF5 2.0); the files are committed, tests do not run this script.
"""
import sys

import h5py
import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else "."

# HDF5 1.8 format: groups with link messages, dense link storage past 8 links (a fractal heap
# indexed by a version-2 B-tree), dense attribute storage past 8 attributes (with one huge
# object: an attribute past the heap's 4 KiB managed-object limit), and layout-3 chunked
# datasets indexed by version-1 B-trees (one of two levels).
with h5py.File(out + "/dense_links_attributes.h5", "w", libver=("v108", "v108")) as f:
    for i in range(12):
        f.create_dataset("d%02d" % i, data=np.arange(i + 1, dtype=np.int32))
    g = f.create_group("g")
    for i in range(10):
        g.create_group("sub%02d" % i).attrs["k"] = i
    for i in range(12):
        f.attrs["a%02d" % i] = np.float64(i) / 3
    f.attrs["big"] = np.arange(1500, dtype=np.int32)
    many = f.create_group("many")
    for i in range(120):  # a heap with an indirect block, a B-tree of depth 1
        many["l%03d" % i] = f["d00"]
    f.create_dataset("chunked", data=np.arange(400, dtype=np.int16), chunks=(4,), compression="gzip")
    f.create_dataset("plainchunks", data=np.arange(40, dtype=np.int16).reshape(4, 10), chunks=(2, 3))

# HDF5 1.10 format: the chunk indexes of layout 4. A single chunk and an implicit index are
# read; the others are refused.
with h5py.File(out + "/chunk_single_implicit_v110.h5", "w", libver=("v110", "v110")) as f:
    f.create_dataset("single", data=np.arange(10, dtype=np.int32), chunks=(10,), compression="gzip")
    space = h5py.h5s.create_simple((40,))
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk((8,))
    dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    dataset = h5py.h5d.create(f.id, b"implicit", h5py.h5t.STD_I32LE, space, dcpl=dcpl)
    dataset.write(h5py.h5s.ALL, h5py.h5s.ALL, np.arange(40, dtype=np.int32))
for name, extra in [("fixed_array", {}), ("extensible_array", {"maxshape": (None,)})]:
    with h5py.File(out + "/chunk_%s_v110.h5" % name, "w", libver=("v110", "v110")) as f:
        f.create_dataset("x", data=np.arange(40, dtype=np.int32), chunks=(8,), **extra)
with h5py.File(out + "/chunk_btree2_v110.h5", "w", libver=("v110", "v110")) as f:
    f.create_dataset("x", data=np.arange(40, dtype=np.int32).reshape(4, 10), chunks=(2, 3), maxshape=(None, None))

# An event file (TALON's compound layout) whose compound dataset is gzip-chunked: the event
# reader reads it through libhdf5's filters (H5Dread), so its chunks are inflated at open.
with h5py.File(out + "/events_compound_gzip.h5", "w") as f:
    kind = np.dtype([("timestamp", "<i8"), ("x", "<i2"), ("y", "<i2"), ("polarity", "i1")])
    n = 20
    events = np.zeros(n, dtype=kind)
    events["timestamp"] = np.arange(n) * 10
    events["x"] = np.arange(n)
    events["y"] = n - 1 - np.arange(n)
    events["polarity"] = np.arange(n) % 2
    f.create_group("events").create_dataset("events", data=events, chunks=(4,), compression="gzip")
