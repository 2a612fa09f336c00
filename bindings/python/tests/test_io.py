"""celesta.io: TALON's encoders and event files, checked against every shared TALON
`encoding` and `events_h5` case, plus interoperability with h5py both ways."""

import base64
import json
import os
from pathlib import Path

import numpy as np
import pytest

import celesta
from celesta.io import encoding, h5, streaming, throughput
from celesta.io import (COMPACT_H5_CONFIG, EVENT_DTYPE, H5Config, H5EventReader, H5EventWriter, delta_encode,
                        generate_random_events, latency_encode, rate_encode, read_h5, temporal_encode, write_h5)
from celesta.io import _lib

h5py = pytest.importorskip("h5py")

FIX = Path(__file__).resolve().parents[3] / "Tests" / "Fixtures" / "talon"
CASES = FIX / "cases"


def case(name):
    return json.loads((CASES / f"{name}.json").read_text())


def array(a):
    dtype = np.dtype(a["dtype"])
    if "b64" in a:
        return np.frombuffer(base64.b64decode(a["b64"]), dtype=dtype).reshape(a["shape"])
    return np.array(a["values"], dtype=dtype).reshape(a["shape"])


ENCODING = sorted(p.stem for p in CASES.glob("encoding.*.json"))


def test_every_shared_case_is_here():
    assert len(ENCODING) == 14
    assert len(list(CASES.glob("events_h5.*.json"))) == 3


@pytest.mark.parametrize("name", [n for n in ENCODING if n.startswith(("encoding.rate.", "encoding.latency.", "encoding.temporal.", "encoding.delta."))])
def test_encoding_case(name):
    c = case(name)
    a = c["args"]
    if name.startswith("encoding.rate."):
        got = rate_encode(array(a["data"]), a["n_steps"], rate_scale=a["rate_scale"], seed=a["seed"])
        vectors = c["expected"]["rng_test_vectors"]
        assert _lib.pcg64_random_raw(a["seed"], 16).tolist() == [int(v) for v in vectors["pcg64_random_raw_first16"]]
    elif name.startswith("encoding.latency."):
        got = latency_encode(array(a["data"]), a["n_steps"], tau=a["tau"], threshold=a["threshold"])
    elif name.startswith("encoding.temporal."):
        got = temporal_encode(array(a["data"]), a["n_steps"], threshold=a["threshold"])
    else:
        got = delta_encode(array(a["data_sequence"]), threshold=a["threshold"], off_spikes=a["off_spikes"])
    want = array(c["expected"]["spikes"])
    assert got.dtype == np.float32
    assert got.shape == want.shape
    assert np.array_equal(got, want)
    if "spike_count" in c["expected"]:
        assert int(got.sum()) == c["expected"]["spike_count"]


def test_tutorial_shapes_case():
    c = case("encoding.tutorial_shapes")
    signal, sequence = array(c["args"]["signal"]), array(c["args"]["sequence"])
    e = c["expected"]
    r = rate_encode(signal, 100, seed=0)
    assert list(r.shape) == e["rate"]["shape"] and int(r.sum()) == e["rate"]["count"]
    l = latency_encode(signal, 100, tau=5.0)
    assert list(l.shape) == e["latency"]["shape"] and int(l.sum()) == e["latency"]["count"]
    d = delta_encode(sequence, 0.1)
    assert list(d.shape) == e["delta"]["shape"] and int(np.abs(d).sum()) == e["delta"]["abs_count"]


def test_errors_case():
    errors = case("encoding.errors")["expected"]["errors"]
    with pytest.raises(TypeError) as e:
        rate_encode([0.5, 0.2], 4)
    assert str(e.value) == errors["rate_encode(list)"]["message"]
    with pytest.raises(ValueError) as e:
        rate_encode(np.ones(3), 0)
    assert str(e.value) == errors["rate_encode(n_steps=0)"]["message"]
    assert errors["rate_encode(n_steps=2.0)"] is None
    assert rate_encode(np.ones(3), 2.0, seed=1).shape == (2, 3)


def test_encoder_bad_arguments_name_the_argument():
    with pytest.raises(TypeError, match="n_steps"):
        rate_encode(np.ones(3), "2")
    with pytest.raises(ValueError, match="n_steps"):
        rate_encode(np.ones(3), 2.5)
    with pytest.raises(ValueError, match="NaN"):
        rate_encode(np.array([0.5, np.nan]), 4, seed=0)
    with pytest.raises(ValueError, match="seed"):
        rate_encode(np.ones(3), 4, seed=-1)
    with pytest.raises(TypeError, match="data"):
        latency_encode([1, 2], 3)
    with pytest.raises(ValueError, match="n_steps"):
        temporal_encode(np.ones(3), -1)
    with pytest.raises(TypeError, match="data_sequence"):
        delta_encode([[1.0]], 0.1)
    with pytest.raises(ValueError, match="data_sequence"):
        delta_encode(np.array(1.0), 0.1)
    with pytest.raises(TypeError, match="threshold"):
        latency_encode(np.ones(3), 3, threshold="x")
    with celesta.talon_compatible():
        assert rate_encode(np.ones(3), 2.5, seed=1).shape == (2, 3)


def test_rate_encode_other_dtypes_and_seeds():
    ints = np.array([0, 1, 2], dtype=np.int64)
    r = rate_encode(ints, 50, rate_scale=0.3, seed=5)
    assert r.shape == (50, 3) and r[:, 0].sum() == 0
    # Big seeds use several 32-bit words; equal seeds give equal spikes, different ones differ.
    x = np.full((64,), 0.5, np.float32)
    assert np.array_equal(rate_encode(x, 20, seed=2**70 + 3), rate_encode(x, 20, seed=2**70 + 3))
    assert not np.array_equal(rate_encode(x, 20, seed=1), rate_encode(x, 20, seed=2))
    unseeded = rate_encode(x, 20)
    assert set(np.unique(unseeded)) <= {0.0, 1.0}
    assert rate_encode(np.array(0.5, np.float32), 3, seed=1).shape == (3,)


def test_rate_encode_large_input_on_two_threads_is_deterministic():
    rng = np.random.default_rng(0)
    x = rng.random((100, 4096)).astype(np.float32)
    a = rate_encode(x, 5, seed=11)
    b = rate_encode(x, 5, seed=11)
    assert np.array_equal(a, b)
    assert abs(a.mean() - x.mean()) < 0.01


def talon_layout(path):
    """The h5py view of a file in the cases' hdf5_layout form (without values)."""
    out = []
    with h5py.File(path, "r") as f:
        def attrs(obj):
            return {k: (v.decode() if isinstance(v, bytes) else v.item() if hasattr(v, "item") else v) for k, v in obj.attrs.items()}
        out.append({"path": "/", "kind": "group", "attrs": attrs(f)})

        def visit(name, obj):
            if isinstance(obj, h5py.Group):
                out.append({"path": "/" + name, "kind": "group", "attrs": attrs(obj)})
            else:
                out.append({"path": "/" + name, "kind": "dataset", "shape": list(obj.shape),
                            "dtype": obj.dtype.name if obj.dtype.names is None else None,
                            "compression": obj.compression, "compression_opts": obj.compression_opts,
                            "chunks": list(obj.chunks) if obj.chunks else None,
                            "maxshape": [None if m is None else m for m in obj.maxshape], "attrs": attrs(obj)})
        f.visititems(visit)
    return sorted(out, key=lambda o: o["path"])


def expected_layout(layout):
    out = []
    for o in layout:
        o = dict(o)
        o.pop("value", None)
        if o["kind"] == "dataset":
            o["dtype"] = o["dtype"].get("numpy") if o["dtype"]["h5class"] != "compound" else None
        out.append(o)
    return sorted(out, key=lambda o: o["path"])


def roundtrip_events():
    a = case("events_h5.writer_reader_roundtrip")["args"]["events"]
    ev = np.empty(a["n"], dtype=EVENT_DTYPE)
    for k in "txyp":
        ev[k] = array(a[k])
    return ev


def test_writer_reader_roundtrip_case(tmp_path):
    c = case("events_h5.writer_reader_roundtrip")
    e = c["expected"]
    ev = roundtrip_events()
    assert EVENT_DTYPE.descr == [tuple(d) for d in e["EVENT_DTYPE"]] and EVENT_DTYPE.itemsize == e["EVENT_DTYPE_itemsize"]
    path = tmp_path / "w.h5"
    w = H5EventWriter(path, sensor_size=(128, 128))
    w.write(ev)
    assert w.n_buffered == e["after_write_n_buffered"] and w.n_events_written == e["after_write_n_events_written"]
    assert not path.exists()
    w.close()
    assert talon_layout(path) == expected_layout(e["hdf5_layout"])
    for source in (path, FIX / "events" / "events_writer.h5"):
        r = H5EventReader(source, chunk_size=300)
        assert r.n_events == e["n_events"]
        assert np.array_equal(r.read_all(), ev) == e["read_all_equal_input"]
        chunks = list(r)
        assert [len(x) for x in chunks] == e["chunk_lengths"]
        assert np.array_equal(np.concatenate(chunks), ev)
        win = r.read_time_window(10000, 50000)
        tw = e["time_window"]
        assert len(win) == tw["n"] and win["t"][0] == tw["first_t"] and win["t"][-1] == tw["last_t"]
        assert np.array_equal(win, ev[tw["index_start"]:tw["index_end"]])
        assert np.array_equal(r.read_time_window(-5, 200), ev[ev["t"] < 200]) and len(r.read_time_window(50, 50)) == 0
    # TALON's write_h5 file of the same events.
    assert np.array_equal(read_h5(FIX / "events" / "events_write_h5.h5"), ev)


def test_empty_case(tmp_path):
    e = case("events_h5.empty")["expected"]
    path = tmp_path / "empty.h5"
    write_h5(path, np.empty(0, dtype=EVENT_DTYPE))
    got = read_h5(path)
    assert len(got) == e["n"] and got.dtype == EVENT_DTYPE
    assert H5EventReader(path).n_events == e["n_events"]
    assert len(H5EventReader(path).read_time_window(0, 10**6)) == e["window_len"]
    assert talon_layout(path) == expected_layout(e["hdf5_layout"])


def test_compact_and_compound_case(tmp_path):
    e = case("events_h5.layouts_compact_and_compound")["expected"]
    np.random.seed(3)
    ev = generate_random_events(50, sensor_size=(64, 48), duration_us=6000)
    path = tmp_path / "compact.h5"
    write_h5(path, ev, config=COMPACT_H5_CONFIG, compression=None)
    layout = talon_layout(path)
    want = expected_layout(e["compact"]["hdf5_layout"])
    # The attributes' values depend on the random events; the rest is structure.
    for o in want:
        if o["path"] == "/":
            o["attrs"].update(t_start=int(ev["t"].min()), t_end=int(ev["t"].max()))
    assert layout == want
    assert np.array_equal(read_h5(path, config=COMPACT_H5_CONFIG), ev) == e["compact"]["read_back_equal"]
    got = read_h5(FIX / "events" / "events_compound.h5")
    for k in "txyp":
        assert got[k].tolist() == e["compound_fallback_read"][k]
    assert talon_layout(FIX / "events" / "events_compound.h5") == expected_layout(e["compound_layout"])
    assert np.array_equal(read_h5(FIX / "events" / "events_compound.h5", config=H5Config(compound_key="events")), got)


def test_interop_with_h5py_both_ways(tmp_path):
    np.random.seed(1)
    ev = generate_random_events(234_567)
    path = tmp_path / "celesta.h5"
    write_h5(path, ev, sensor_size=(640, 480))
    with h5py.File(path, "r") as f:
        g = f["events"]
        assert g["t"].compression == "gzip" and g["t"].compression_opts == 4 and g["t"].chunks == (100000,)
        assert np.array_equal(g["t"][:], ev["t"]) and np.array_equal(g["p"][:], ev["p"])
        assert g.attrs["n_events"] == len(ev) and g.attrs["sensor_width"] == 640
        assert g.attrs["t_start"] == ev["t"].min() and g.attrs["format"] == "t1c_events_v1"
    # h5py writes (shuffle filter, other chunking, int64 timestamps): Celesta reads it.
    other = tmp_path / "h5py.h5"
    with h5py.File(other, "w") as f:
        g = f.create_group("events")
        g.create_dataset("t", data=ev["t"].astype(np.int64), chunks=(4096,), compression="gzip", shuffle=True)
        g.create_dataset("x", data=ev["x"], chunks=(5000,), compression="gzip", compression_opts=9)
        g.create_dataset("y", data=ev["y"].astype(np.int32))
        g.create_dataset("p", data=ev["p"], compression="gzip", compression_opts=1, shuffle=True, fletcher32=True)
    assert np.array_equal(read_h5(other), ev)
    r = H5EventReader(other)
    assert np.array_equal(r.read_time_window(200_000, 200_900), ev[(ev["t"] >= 200_000) & (ev["t"] < 200_900)])


def test_streaming_writer_buffering_and_big_writes(tmp_path):
    np.random.seed(2)
    ev = generate_random_events(30_000)
    path = tmp_path / "s.h5"
    with H5EventWriter(path, buffer_capacity=10_000, compression=None) as w:
        w.write(ev[:4000])
        assert (w.n_buffered, w.n_events_written) == (4000, 0)
        w.write(ev[4000:5000])
        assert (w.n_buffered, w.n_events_written) == (0, 5000)
        w.write(ev[5000:])
        w.flush()
        assert w.n_events_written == 30_000
    with h5py.File(path, "r") as f:
        assert f["events/t"].maxshape == (None,) and f["events/t"].chunks == (10_000,) and f["events/t"].compression is None
        assert f["events"].attrs["t_start"] == ev["t"][0] and f["events"].attrs["t_end"] == ev["t"][-1]
    assert np.array_equal(read_h5(path), ev)
    # Never given events: no file, as TALON.
    H5EventWriter(tmp_path / "none.h5").close()
    assert not (tmp_path / "none.h5").exists()


def test_bad_event_files_and_arguments(tmp_path):
    ev = generate_random_events(1000)
    good = tmp_path / "good.h5"
    write_h5(good, ev)
    with pytest.raises(KeyError, match="nothere"):
        read_h5(good, config=H5Config(events_group="nothere"))
    with pytest.raises(KeyError, match="/events/q"):
        read_h5(good, config=H5Config(polarity_key="q"))
    with pytest.raises(ValueError, match="cannot detect"):
        read_h5(good, config=H5Config(timestamp_key="time"))
    with pytest.raises(OSError):
        read_h5(tmp_path / "missing.h5")
    # Unsorted timestamps: a clear error for time windows.
    bad = ev.copy()
    bad["t"][[100, 900]] = bad["t"][[900, 100]]
    write_h5(tmp_path / "unsorted.h5", bad)
    with pytest.raises(ValueError, match="not sorted"):
        H5EventReader(tmp_path / "unsorted.h5").read_time_window(int(bad["t"][50]), int(bad["t"][950]))
    # Truncated and corrupted files.
    data = good.read_bytes()
    for cut in (0, 10, len(data) // 3, len(data) // 2, len(data) - 100):
        (tmp_path / "cut.h5").write_bytes(data[:cut])
        with pytest.raises(celesta.CelestaError):
            read_h5(tmp_path / "cut.h5")
    damaged = bytearray(data)
    for i in range(len(data) // 2, len(data) // 2 + 32):
        damaged[i] ^= 0xA5
    (tmp_path / "bad.h5").write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match="damaged"):
        read_h5(tmp_path / "bad.h5")
    # Arguments.
    with pytest.raises(TypeError, match="events"):
        write_h5(tmp_path / "x.h5", [1, 2, 3])
    with pytest.raises(ValueError, match="compression"):
        write_h5(tmp_path / "x.h5", ev, compression="lzf")
    with pytest.raises(ValueError, match="compression_opts"):
        write_h5(tmp_path / "x.h5", ev, compression_opts=12)
    with pytest.raises(TypeError, match="sensor_size"):
        write_h5(tmp_path / "x.h5", ev, sensor_size=640)
    with pytest.raises(TypeError, match="config"):
        read_h5(good, config={"events_group": "events"})
    with pytest.raises(ValueError, match="chunk_size"):
        H5EventReader(good, chunk_size=0)
    # A failed write leaves an existing file untouched.
    (tmp_path / "keep.h5").write_bytes(b"precious")
    with pytest.raises(celesta.CelestaError):
        write_h5(tmp_path / "keep.h5", ev, config=H5Config(x_key="a/b"))
    assert (tmp_path / "keep.h5").read_bytes() == b"precious"
    assert sorted(os.listdir(tmp_path)) == sorted(["good.h5", "unsorted.h5", "cut.h5", "bad.h5", "keep.h5"])


def test_streaming_helpers_and_throughput(tmp_path):
    buf = streaming.EventBuffer(capacity=2)
    ev = generate_random_events(5)
    buf.append(ev[:3])
    buf.append(ev[3:])
    assert len(buf) == 5 and np.array_equal(buf.flush(), ev) and len(buf) == 0
    raw = tmp_path / "ev.bin"
    raw.write_bytes(ev.tobytes())
    assert np.array_equal(streaming.BufferedEventReader(raw, chunk_size=2).read_all(), ev)
    assert [len(c) for c in streaming.BufferedEventReader(raw, chunk_size=2)] == [2, 2, 1]
    r = throughput.benchmark_throughput(n_events=200_000, sensor_size=(64, 48), include_encoding=True)
    assert r.total_events == 200_000 and r.events_per_sec > 0 and r.rgb_fps > 0 and r.event_fps > 0 and r.encoding_fps > 0
    assert "Events processed:    200,000" in r.summary()
    with pytest.raises(ValueError, match="n_events"):
        throughput.benchmark_throughput(n_events=0)
