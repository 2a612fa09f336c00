"""The library copy a celesta.ir.Graph keeps for the calls that only read it (Graph._shared_handle,
used by celesta.sdk's analyses and celesta.graph's mapping): the same copy while the graph is
unchanged, a new one after ANY change (nodes, edges, attributes, metadata, settings, every byte,
shape and dtype of every array, in place or not); never one that does not describe the graph.

The oracle of "describes the graph": the fingerprint (weights and metadata included) and the
analysis of the kept copy equal those of a copy made afresh (Graph._handle) of the same graph."""

import copy
import ctypes
import gc
import weakref

import numpy as np
import pytest

from celesta import _celesta, graph as cg, ir, sdk
from celesta.sdk import _analysis

_lib = _analysis._lib


def fingerprint(handle):
    return _analysis._text(_lib.celesta_ir_fingerprint, handle.ptr, 1, 1)


def chain(layers=3, width=4, seed=0):
    """Input -> layers x (Affine -> LIF) -> Output, with metadata."""
    rng = np.random.default_rng(seed)
    ones = lambda: np.ones(width, np.float32)  # noqa: E731
    names = ["input"] + [f"{kind}{i}" for i in range(layers) for kind in ("fc", "lif")] + ["output"]
    nodes = {name: (ir.Affine(weight=rng.standard_normal((width, width)).astype(np.float32),
                              bias=rng.standard_normal(width).astype(np.float32)) if name.startswith("fc")
                    else ir.LIF(tau=10 * ones(), r=ones(), v_leak=0 * ones(), v_threshold=ones()))
             for name in names[1:-1]}
    nodes["input"] = ir.Input(np.array([width]))
    nodes["output"] = ir.Output(np.array([width]))
    return ir.Graph(nodes=nodes, edges=list(zip(names, names[1:])), metadata={"name": "chain", "tags": ["a", 1, 2.5]})


def rebuilt(g):
    """An independent Graph equal to g (deepcopy cannot copy an Edge)."""
    out = ir.Graph(nodes={k: copy.deepcopy(v) for k, v in g.nodes.items()}, edges=[tuple(e) for e in g.edges],
                   metadata=copy.deepcopy(g.metadata), allow_cycles=g.allow_cycles)
    for k in ir.Graph._SETTINGS:
        setattr(out, k, copy.deepcopy(getattr(g, k)))
    return out


def assert_current(g):
    """The kept copy describes the graph as it is now."""
    kept = g._shared_handle()
    assert fingerprint(kept) == fingerprint(g._handle())
    return kept


def test_unchanged_graph_keeps_one_copy():
    g = chain()
    h = g._shared_handle()
    assert g._shared_handle() is h
    sdk.analyze_graph(g)
    sdk.lint_graph(g)
    sdk.profile_graph(g)
    assert g._shared_handle() is h
    assert fingerprint(h) == fingerprint(g._handle())


def _change_cases():
    """(description, change) pairs: each change makes the graph different."""

    def in_place_element(g):
        g.nodes["fc1"].weight[2, 3] += 1.0

    def in_place_last_byte(g):
        g.nodes["lif2"].v_threshold.view(np.uint8)[-1] ^= 1

    def reassign_equal_shape(g):
        g.nodes["fc0"].bias = g.nodes["fc0"].bias + 1

    def same_bytes_other_shape(g):
        g.metadata["arr"] = np.arange(4.0)
        g._shared_handle()
        g.metadata["arr"] = g.metadata["arr"].reshape(2, 2)

    def same_bytes_other_dtype(g):
        g.nodes["fc0"].bias = g.nodes["fc0"].bias.view(np.int32)

    def add_node(g):
        g.nodes["extra"] = ir.LIF(tau=np.full(4, 10, np.float32), r=np.ones(4, np.float32),
                                  v_leak=np.zeros(4, np.float32), v_threshold=np.ones(4, np.float32))

    def remove_node(g):
        del g.nodes["lif1"]

    def replace_node_other_class(g):
        g.nodes["lif0"] = ir.Affine(weight=np.eye(4, dtype=np.float32), bias=np.zeros(4, np.float32))

    def add_edge(g):
        g.edges.append(ir.Edge("input", "output"))

    def remove_edge(g):
        g.edges.pop()

    def replace_edge_in_place(g):
        g.edges[0] = ("input", "fc1")

    def reorder_edges(g):
        g.edges.reverse()

    def new_edges_list(g):
        g.edges = g.edges[:-1]

    def metadata_nested(g):
        g.metadata["tags"].append("b")

    def metadata_float(g):
        g.metadata["tags"][2] = 2.5000000001

    def metadata_int_vs_float(g):
        g.metadata["tags"][1] = 1.0

    def metadata_bool_vs_int(g):
        g.metadata["tags"][1] = True

    def metadata_list_vs_tuple(g):
        g.metadata["tags"] = tuple(g.metadata["tags"])

    def metadata_array_in_place(g):
        g.metadata["arr"] = np.zeros(3)
        g._shared_handle()  # kept with the array...
        g.metadata["arr"][1] = 5  # ...then changed in place

    def allow_cycles(g):
        g.allow_cycles = True

    def setting(g):
        g.quantization_config = {"bits": 8}

    def port_in_place(g):
        g.nodes["input"].output_type["output"][0] = 8

    def port_renamed(g):
        t = g.nodes["output"].input_type
        t["other"] = t.pop("input")

    def node_attribute(g):
        g.nodes["fc1"].core_id = 3

    def field_other_dtype(g):
        g.nodes["fc2"].bias = g.nodes["fc2"].bias.astype(np.float64)

    def rename_node(g):
        g.nodes["renamed"] = g.nodes.pop("fc2")

    return [(f.__name__, f) for f in (
        in_place_element, in_place_last_byte, reassign_equal_shape, same_bytes_other_shape, same_bytes_other_dtype,
        add_node, remove_node, replace_node_other_class, add_edge, remove_edge, replace_edge_in_place, reorder_edges,
        new_edges_list, metadata_nested, metadata_float, metadata_int_vs_float, metadata_bool_vs_int,
        metadata_list_vs_tuple, metadata_array_in_place, allow_cycles, setting, port_in_place, port_renamed,
        node_attribute, field_other_dtype, rename_node)]


@pytest.mark.parametrize("name,change", _change_cases(), ids=[n for n, _ in _change_cases()])
def test_any_change_gets_a_new_copy(name, change):
    g = chain()
    before = g._shared_handle()
    before_snapshot = ir._snapshot(g)
    change(g)
    assert ir._snapshot(g) != before_snapshot
    assert ir._snapshot_equal(g, before_snapshot) is False  # (the check compared in place)
    after = g._shared_handle()
    assert after is not before
    assert_current(g)


def test_in_place_change_seen_by_the_analyses():
    g = chain()
    p0 = sdk.profile_graph(g)
    f0 = sdk.fingerprint_graph(g)
    g.nodes["fc0"].weight[0, 0] = 123.0
    assert sdk.fingerprint_graph(g) != f0
    g.nodes["extra_fc"] = ir.Affine(weight=np.ones((4, 4), np.float32), bias=np.ones(4, np.float32))
    g.edges.append(("lif2", "extra_fc"))
    assert sdk.analyze_graph(g).total_params == sdk.analyze_graph(rebuilt(g)).total_params
    assert sdk.profile_graph(g).weight_memory > p0.weight_memory
    # the new node has no successor: lint sees it (as on a fresh graph)
    fresh = rebuilt(g)
    assert [i.code for i in sdk.lint_graph(g).issues] == [i.code for i in sdk.lint_graph(fresh).issues]


def test_equal_content_may_keep_the_copy_and_it_is_right():
    g = chain()
    h = g._shared_handle()
    g.nodes["fc0"].weight = g.nodes["fc0"].weight.copy()  # another array, the same elements
    g.metadata = dict(g.metadata)
    assert g._shared_handle() is h
    assert_current(g)


def test_flags_are_part_of_the_key():
    g = chain()
    a = g._shared_handle(0)
    b = g._shared_handle(1)
    assert a is not b
    assert g._shared_handle(1) is b


@pytest.mark.parametrize("kind", ["numpy_scalar", "non_contiguous", "object", "big_int", "subclass_dict", "surrogate"])
def test_values_without_snapshot_are_never_cached(kind):
    g = chain()
    if kind == "numpy_scalar":
        g.metadata["x"] = np.float32(1.5)
    elif kind == "non_contiguous":
        g.nodes["fc0"].weight = np.asfortranarray(g.nodes["fc0"].weight.T)
        assert not g.nodes["fc0"].weight.flags.c_contiguous
    elif kind == "object":
        g.metadata["x"] = object()
    elif kind == "big_int":
        g.metadata["x"] = 1 << 70
    elif kind == "subclass_dict":
        from collections import OrderedDict
        g.metadata = OrderedDict(a=1)
    elif kind == "surrogate":
        g.metadata["x"] = "\udc80"
    assert ir._snapshot(g) is None
    if kind in ("non_contiguous", "numpy_scalar", "subclass_dict"):  # values the library takes
        a = g._shared_handle()
        b = g._shared_handle()
        assert a is not b
        assert fingerprint(a) == fingerprint(b)


def test_graph_subclass_and_missing_attributes_are_not_cached():
    class MyGraph(ir.Graph):
        pass

    g = MyGraph(nodes=chain().nodes, edges=chain().edges)
    assert ir._snapshot(g) is None
    g = chain()
    del g.nodes["lif0"].__dict__["tau"]  # read through the class then: not from __dict__ alone
    assert ir._snapshot(g) is None
    g = chain()
    del g.__dict__["metadata"]
    assert ir._snapshot(g) is None


def test_copies_of_a_graph_do_not_share_and_the_copy_dies_with_the_graph():
    g = chain()
    h = g._shared_handle()
    d = rebuilt(g)
    c = copy.copy(g)
    assert d._shared_handle() is not h
    assert c._shared_handle() is not h
    d.nodes["fc0"].weight[0, 0] = 7.0
    assert fingerprint(d._shared_handle()) != fingerprint(g._shared_handle())
    ref = weakref.ref(h)
    del g, h
    gc.collect()
    assert ref() is None


def test_mapping_leaves_the_kept_copy_unchanged():
    g = chain(layers=6)
    h = g._shared_handle()
    kept = fingerprint(h)
    meta = cg.partition_greedy(g, cg.HardwareSpec.zcu102())
    assert meta.num_cores_used >= 1
    assert g._shared_handle() is h  # partition_greedy does not touch the graph
    assert fingerprint(h) == kept
    assert json_meta(h) is None  # the kept copy holds no partition of its own
    cg.partition(g, cg.HardwareSpec.zcu102(), "greedy")  # sets core ids and metadata
    h2 = assert_current(g)
    assert h2 is not h
    again = cg.partition(g, cg.HardwareSpec.zcu102(), "greedy").partition_metadata
    fresh = rebuilt(g)
    fresh.partition_metadata = None
    for n in fresh.nodes.values():
        n.__dict__.pop("core_id", None)
    assert cg.partition(fresh, cg.HardwareSpec.zcu102(), "greedy").partition_metadata == again
    assert cg.route(g, cg.HardwareSpec.zcu102()).partition_metadata["routing"] is not None
    assert_current(g)


def json_meta(handle):
    return cg._mapping._metadata(handle)


def test_snapshot_function_tags_every_kind():
    snap = lambda v: _celesta.snapshot(v, {}, np.ndarray, {})  # noqa: E731
    distinct = [None, True, False, 0, 1, -1, 1.0, 0.0, -0.0, float("nan"), "", "a", "ab", "b",
                [], (), {}, [1], (1,), [[1]], {"a": 1}, {"a": 1.0}, {"b": 1}, ["ab", "c"], ["a", "bc"],
                np.zeros(2, np.float32), np.zeros(2, np.float64), np.zeros((1, 2), np.float32), np.zeros(4, np.uint8),
                np.ones(2, np.float32)]
    snaps = [snap(v) for v in distinct]
    assert all(isinstance(s, bytes) for s in snaps)
    assert len(set(snaps)) == len(snaps)
    assert snap(np.zeros(2, np.float32)) == snap(np.zeros(2, np.float32))
    for bad in (object(), 1 << 64, np.float64(1.0), bytearray(b"x"), np.zeros((3, 3))[:, 1], "\ud800"):
        assert snap(bad) is None, bad
    deep = []
    for _ in range(100):
        deep = [deep]
    assert snap(deep) is None
    with pytest.raises(TypeError):
        _celesta.snapshot(1, [], np.ndarray, {})
    with pytest.raises(TypeError):
        _celesta.snapshot(1, {}, np.ndarray)


def test_snapshot_reads_the_array_struct_right():
    """The fields read from numpy's array struct: the same bytes as tobytes(), every shape."""
    rng = np.random.default_rng(1)
    for shape in [(), (0,), (5,), (3, 4), (2, 0, 3), (2, 3, 4, 5)]:
        for dtype in (np.float32, np.float64, np.int8, np.int64, np.bool_):
            a = np.asarray(rng.standard_normal(shape) * 10).astype(dtype)
            s = _celesta.snapshot(a, {}, np.ndarray, {})
            assert s.endswith(a.tobytes()) or a.nbytes == 0
            expected = 9 + 9 + 8 * a.ndim + 9 + a.nbytes
            assert len(s) == expected
    itemsizes = {}
    _celesta.snapshot(np.zeros(3, np.int16), {}, np.ndarray, itemsizes)
    assert itemsizes == {np.dtype(np.int16): 2}
    assert ctypes.sizeof(ctypes.c_ssize_t) == 8


def test_graph_copy_arguments_and_independence():
    from celesta import _irlib
    null = _celesta.status_codes()["CELESTA_ERR_NULL_POINTER"]
    g = chain()
    h = g._handle()
    out = ctypes.c_void_p()
    assert _irlib._lib.celesta_ir_graph_copy(None, h.ptr) == null
    assert b"'out'" in _irlib._lib.celesta_last_error()
    assert _irlib._lib.celesta_ir_graph_copy(ctypes.byref(out), None) == null
    assert b"'graph'" in _irlib._lib.celesta_last_error()
    c = h.copy()
    assert c.ptr != h.ptr and fingerprint(c) == fingerprint(h)
    spec = cg.HardwareSpec.zcu102()._json()
    assert cg._mapping._lib.celesta_ir_graph_partition(c.ptr, spec, len(spec), b"greedy", 0) == 0
    assert json_meta(c) is not None and json_meta(h) is None


# --- The watch in front of the snapshot (CPython 3.11/3.12: dict version tags) and the calls
# that read no array element (values=False) ------------------------------------------------

watch_only = pytest.mark.skipif(not ir._WATCH, reason="this Python has no dict version tags to watch")
VALUE_ONLY = {"in_place_element", "in_place_last_byte", "metadata_array_in_place"}


def codes(result):
    return sorted(i.code for i in result.issues)


@watch_only
def test_unchanged_graph_is_found_without_walking_it(monkeypatch):
    g = chain()
    h = g._shared_handle()
    watch = ir._SHARED[g][4]
    assert watch is not None and ir._watch_check(watch, True) and ir._watch_check(watch, False)
    monkeypatch.setattr(ir, "_snapshot_equal", lambda *a: pytest.fail("the graph was walked"))
    assert g._shared_handle() is h and g._shared_handle(values=False) is h


@pytest.mark.parametrize("name,change", _change_cases(), ids=[n for n, _ in _change_cases()])
def test_every_change_breaks_the_watch(name, change):
    g = chain()
    g._shared_handle()
    watch = ir._SHARED[g][4]
    change(g)
    if watch is not None and name not in ("same_bytes_other_shape", "metadata_array_in_place"):  # (those take a copy midway)
        assert not ir._watch_check(watch, True)
        assert ir._watch_check(watch, False) == (name in VALUE_ONLY)


@pytest.mark.parametrize("name,change", _change_cases(), ids=[n for n, _ in _change_cases()])
def test_shape_only_calls_see_every_other_change(name, change):
    g = chain()
    before = g._shared_handle(values=False)
    change(g)
    after = g._shared_handle(values=False)
    if name in VALUE_ONLY:
        # Only elements changed: a call that reads none may keep the copy, and its result is right...
        assert sdk.analyze_graph(g).total_params == sdk.analyze_graph(rebuilt(g)).total_params
        # ...and a call that reads them gets a new one.
        assert g._shared_handle() is not after
    else:
        assert after is not before
    assert_current(g)


def test_next_results_follow_every_change():
    """After the analyses: an array changed in place, an attribute assigned, a node or an edge
    added or removed: the next results are those of the graph as it is then."""
    g = chain()
    base_lint, base = codes(sdk.lint_graph(g)), sdk.analyze_graph(g)
    base_profile = sdk.profile_graph(g)
    lif = g.nodes["lif1"]
    lif.v_threshold[0] = -1.0  # in place
    assert "LIF_NONPOSITIVE_THRESHOLD" in codes(sdk.lint_graph(g))
    lif.v_threshold[0] = 1.0
    assert codes(sdk.lint_graph(g)) == base_lint
    lif.tau = np.full(4, 0.5, np.float32)  # an attribute
    assert "LIF_LOW_TAU" in codes(sdk.lint_graph(g))
    lif.tau = np.full(4, 10.0, np.float32)
    fc0 = g.nodes["fc0"]
    fc0.weight.resize((8, 4), refcheck=False)  # in place, other shapes (shape-only calls see them)
    fc0.bias.resize((8,), refcheck=False)
    assert sdk.analyze_graph(g).total_params == base.total_params + 20
    assert sdk.profile_graph(g).weight_memory == base_profile.weight_memory + 80
    fc0.weight.resize((4, 4), refcheck=False)
    fc0.bias.resize((4,), refcheck=False)
    assert sdk.analyze_graph(g).total_params == base.total_params
    g.nodes["extra"] = ir.Affine(weight=np.ones((4, 4), np.float32), bias=np.ones(4, np.float32))  # a node
    assert sdk.analyze_graph(g).total_params == base.total_params + 20
    assert "UNREACHABLE" in codes(sdk.lint_graph(g))
    g.edges.append(ir.Edge("lif2", "extra"))  # an edge
    assert "UNREACHABLE" not in codes(sdk.lint_graph(g))
    g.edges.pop()  # removed again
    assert "UNREACHABLE" in codes(sdk.lint_graph(g))
    del g.nodes["extra"]
    assert codes(sdk.lint_graph(g)) == base_lint and sdk.analyze_graph(g).total_params == base.total_params


def test_repeated_stores_are_seen():
    """The same attribute store run many times (CPython specializes it, writing into the
    node's dict directly) and the same dict item store: every one is seen."""
    g = chain()
    node = g.nodes["lif1"]
    good, bad = node.v_threshold.copy(), -node.v_threshold
    for i in range(40):
        node.v_threshold = bad if i % 2 else good
        assert ("LIF_NONPOSITIVE_THRESHOLD" in codes(sdk.lint_graph(g))) == bool(i % 2), i
    other = ir.LIF(tau=np.full(4, 0.5, np.float32), r=np.ones(4, np.float32), v_leak=np.zeros(4, np.float32),
                   v_threshold=np.ones(4, np.float32))
    for i in range(40):
        g.nodes["lif1"] = other if i % 2 else node
        assert ("LIF_LOW_TAU" in codes(sdk.lint_graph(g))) == bool(i % 2), i


def test_partition_again_keeps_the_copy_current():
    g = chain(layers=6)
    hw = cg.HardwareSpec.zcu102()
    cg.partition(g, hw)
    h = assert_current(g)
    meta = g.partition_metadata
    cg.partition(g, hw)  # the same result: nothing of the graph changes
    assert g.partition_metadata is meta
    assert g._shared_handle() is h
    if ir._WATCH:
        assert ir._watch_check(ir._SHARED[g][4], True)
    cg.partition(g, hw, "spectral")  # another one: the metadata is replaced
    assert g.partition_metadata is not meta and g.partition_metadata["algorithm"] == "spectral"
    assert g._shared_handle() is not h
    assert_current(g)


def test_apply_core_runs_sets_what_differs_and_checks_its_arguments():
    class Loud(ir.Node):
        stores = 0

        def __setattr__(self, name, value):
            type(self).stores += 1
            super().__setattr__(name, value)

    nodes = {"a": Loud.__new__(Loud), "b": Loud.__new__(Loud), "c": Loud.__new__(Loud)}
    # positions 2 then 0 (two runs of one), cores 5 then 6
    out, watch = _celesta.apply_core_runs(nodes, [2, 1, 0, 1], [5, 1, 6, 1], "core_id")
    assert out == {"c": 5, "a": 6} and list(out) == ["c", "a"]
    again, _ = _celesta.apply_core_runs(nodes, [2, 1, 0, 1], [5, 1, 6, 1], "core_id")
    assert list(again.items()) == [("c", 5), ("a", 6)]
    assert Loud.stores == 2  # the second time every value was there already
    assert (nodes["a"].core_id, nodes["c"].core_id, getattr(nodes["b"], "core_id", None)) == (6, 5, None)
    # one run of positions 0, 1, 2; cores 7, 7, 8
    out, watch = _celesta.apply_core_runs(nodes, [0, 3], [7, 2, 8, 1], "core_id")
    assert list(out.items()) == [("a", 7), ("b", 7), ("c", 8)]
    # The watch holds while nothing changes, and sees a node's attribute, its __dict__ or its
    # class change, and the nodes dict change.
    assert _celesta.watch_check(watch, 0)
    nodes["b"].core_id = 9
    assert not _celesta.watch_check(watch, 0)
    _, watch = _celesta.apply_core_runs(nodes, [0, 3], [7, 2, 8, 1], "core_id")
    assert _celesta.watch_check(watch, 0)
    nodes["c"].__dict__ = dict(nodes["c"].__dict__)
    assert not _celesta.watch_check(watch, 0)
    _, watch = _celesta.apply_core_runs(nodes, [0, 3], [7, 2, 8, 1], "core_id")

    class Other(Loud):
        pass

    nodes["a"].__class__ = Other
    assert not _celesta.watch_check(watch, 0)
    _, watch = _celesta.apply_core_runs(nodes, [0, 3], [7, 2, 8, 1], "core_id")
    nodes["d"] = Loud.__new__(Loud)
    assert not _celesta.watch_check(watch, 0)
    with pytest.raises(ValueError, match="differ in length"):
        _celesta.apply_core_runs(nodes, [0, 1], [1, 2], "core_id")
    with pytest.raises(ValueError, match="not pairs"):
        _celesta.apply_core_runs(nodes, [0], [1, 1], "core_id")
    with pytest.raises(ValueError, match="a run of -1"):
        _celesta.apply_core_runs(nodes, [0, -1], [1, 1], "core_id")
    with pytest.raises(IndexError, match="position 4 of 4"):
        _celesta.apply_core_runs(nodes, [3, 2], [1, 2], "core_id")
    with pytest.raises(IndexError):
        _celesta.apply_core_runs(nodes, [-1, 1], [1, 1], "core_id")
    with pytest.raises(TypeError):
        _celesta.apply_core_runs(nodes, (0, 1), [1, 1], "core_id")
    with pytest.raises(TypeError):
        _celesta.apply_core_runs(nodes, ["0", 1], [1, 1], "core_id")


def test_port_shapes_changed_in_place_are_seen_by_shape_only_calls():
    g = chain()
    before = sdk.analyze_graph(g).total_flops
    g._shared_handle(values=False)
    g.nodes["fc1"].input_type["input"][0] = 8  # the port shape's element: a shape
    g.nodes["fc1"].output_type["output"][0] = 8
    assert g._shared_handle(values=False) is not None
    assert sdk.analyze_graph(g).total_flops == sdk.analyze_graph(rebuilt(g)).total_flops
    assert_current(g)
    assert before is not None


def test_watch_functions_check_their_arguments():
    with pytest.raises(TypeError):
        _celesta.watch_check(object(), True)
    with pytest.raises(TypeError):
        _celesta.snapshot_watch((), {}, np.ndarray, {}, [])
    assert _celesta.watch_usable() in (True, False)
    taken = _celesta.snapshot_watch(({"a": [1]},), {}, np.ndarray, {}, {})
    assert taken[0] == _celesta.snapshot(({"a": [1]},), {}, np.ndarray, {})
    assert _celesta.snapshot_watch((object(),), {}, np.ndarray, {}, {}) is None


# --- Narrower checks: calls that read the structure only (TALON's partitioning) or a few arrays'
# elements (lint), and partition() finding its own writes in place ------------------------------

STRUCTURE = {"add_node", "remove_node", "replace_node_other_class", "add_edge", "remove_edge", "replace_edge_in_place",
             "reorder_edges", "new_edges_list", "rename_node"}


@pytest.mark.parametrize("name,change", _change_cases(), ids=[n for n, _ in _change_cases()])
def test_structure_calls_see_every_change_of_the_structure(name, change):
    """reads="structure" keeps the copy through any change of what a node holds (TALON's
    partitioning reads none of it) and never through a change of the nodes, their order or
    classes, or the edges; the copy then describes the graph again."""
    g = chain()
    before = g._shared_handle(reads="structure")
    change(g)
    after = g._shared_handle(reads="structure")
    if name in STRUCTURE:
        assert after is not before
        assert_current(g)
    elif ir._WATCH and name not in ("same_bytes_other_shape", "metadata_array_in_place"):  # (those take a copy midway)
        assert after is before


@pytest.mark.parametrize("name,change", _change_cases(), ids=[n for n, _ in _change_cases()])
def test_lint_calls_see_every_change_but_unread_elements(name, change):
    """reads="lint" keeps the copy only through element changes of arrays lint does not read
    (a weight); lint's own arrays (a threshold) are compared element by element."""
    g = chain()
    before = g._shared_handle(reads="lint")
    change(g)
    after = g._shared_handle(reads="lint")
    if name == "in_place_element" and ir._WATCH:  # (fc1.weight: lint reads its shape only)
        assert after is before
        assert codes(sdk.lint_graph(g)) == codes(sdk.lint_graph(rebuilt(g)))
    elif name != "metadata_array_in_place":  # (that one takes a copy midway)
        assert after is not before
        assert_current(g)


@pytest.mark.parametrize("field", ["tau", "v_threshold"])
def test_lint_sees_its_arrays_change_in_place(field):
    g = chain()
    h = g._shared_handle(reads="lint")
    assert codes(sdk.lint_graph(g)) == codes(sdk.lint_graph(rebuilt(g)))
    getattr(g.nodes["lif1"], field)[2] = -5.0
    assert g._shared_handle(reads="lint") is not h
    found = codes(sdk.lint_graph(g))
    assert found == codes(sdk.lint_graph(rebuilt(g)))
    assert ("LIF_LOW_TAU" if field == "tau" else "LIF_NONPOSITIVE_THRESHOLD") in found


def test_talon_partition_follows_the_structure_and_keeps_its_copy():
    """TALON's partitioning keeps the library's copy through the core ids and metadata it
    writes, and sees a node or an edge added or removed (results equal to a fresh graph's)."""
    g = chain(layers=6)
    hw = cg.HardwareSpec(max_neurons_per_core=4, num_cores=8)

    def fresh(graph):
        h = rebuilt(graph)
        cg.partition(h, hw, talon_compatible=True)
        return h.partition_metadata

    cg.partition(g, hw, talon_compatible=True)
    h = g._shared_handle(reads="structure")
    cg.partition(g, hw, "edgemap", talon_compatible=True)  # other cores, other metadata...
    assert g._shared_handle(reads="structure") is h  # ...the same structure
    assert g.partition_metadata == fresh_edgemap(g, hw)
    g.nodes["extra"] = ir.LIF(tau=np.full(4, 10, np.float32), r=np.ones(4, np.float32), v_leak=np.zeros(4, np.float32),
                              v_threshold=np.ones(4, np.float32))
    g.edges.append(ir.Edge("lif5", "extra"))
    cg.partition(g, hw, talon_compatible=True)
    assert "extra" in g.partition_metadata["assignments"] and g.partition_metadata == fresh(g)
    g.edges.pop()
    del g.nodes["extra"]
    cg.partition(g, hw, talon_compatible=True)
    assert "extra" not in g.partition_metadata["assignments"] and g.partition_metadata == fresh(g)
    assert_current(g)


def fresh_edgemap(g, hw):
    h = rebuilt(g)
    cg.partition(h, hw, "edgemap", talon_compatible=True)
    return h.partition_metadata


@pytest.mark.parametrize("compatible", [True, False])
def test_partition_again_writes_nothing_and_repairs_what_the_user_changed(compatible):
    """A partition whose result the graph already holds writes nothing (the metadata object
    stays); a core id or the metadata changed by the user since is written again."""
    g = chain(layers=6)
    hw = cg.HardwareSpec(max_neurons_per_core=4 if compatible else 8, num_cores=8)
    cg.partition(g, hw, talon_compatible=compatible)
    meta, cores = g.partition_metadata, {k: v.core_id for k, v in g.nodes.items()}
    expected = copy.deepcopy(meta)
    cg.partition(g, hw, talon_compatible=compatible)
    assert g.partition_metadata is meta and g.partition_metadata == expected
    g.nodes["lif3"].core_id = 7  # the user's change
    cg.partition(g, hw, talon_compatible=compatible)
    assert {k: v.core_id for k, v in g.nodes.items()} == cores and g.partition_metadata == expected
    g.partition_metadata["assignments"]["fc0"] = 5  # in place
    cg.partition(g, hw, talon_compatible=compatible)
    assert g.partition_metadata == expected
    g.partition_metadata = {}  # replaced
    cg.partition(g, hw, talon_compatible=compatible)
    assert g.partition_metadata == expected
    g.nodes["fc1"].__dict__ = {**g.nodes["fc1"].__dict__, "core_id": 6}  # a node's dict replaced
    cg.partition(g, hw, talon_compatible=compatible)
    assert {k: v.core_id for k, v in g.nodes.items()} == cores
    assert_current(g)
