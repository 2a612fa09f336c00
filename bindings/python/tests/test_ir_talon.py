"""Celesta <-> TALON 0.0.x through .t1c files: TALON reads what Celesta writes, and Celesta reads
what TALON writes, array for array. Skipped where TALON's wheel (CPython 3.11) is missing."""

from pathlib import Path

import numpy as np
import pytest

from celesta import ir

talon = pytest.importorskip("talon.ir")

GRAPHS = Path(__file__).resolve().parents[3] / "Tests" / "Fixtures" / "talon" / "graphs"
NAMES = ["conv_snn", "kitchen_sink", "mlp_seed_backend", "recurrent_lif", "skip_mixed"]


def same_fields(a, b, where):
    """Every dataclass field TALON has, equal (arrays by dtype and value)."""
    for name, value in vars(b).items():
        if name in ("input_type", "output_type") or value is None or (isinstance(value, dict) and not value):
            continue
        mine = getattr(a, name, None)
        if isinstance(value, np.ndarray):
            assert isinstance(mine, np.ndarray) and mine.dtype == value.dtype and np.array_equal(mine, value), (where, name)
        else:
            assert np.array_equal(np.asarray(mine), np.asarray(value)), (where, name, mine, value)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("talon_compatible", [False, True])
def test_talon_reads_what_celesta_writes(tmp_path, name, talon_compatible):
    graph = ir.read(GRAPHS / f"{name}.t1c")
    path = tmp_path / f"{name}.t1c"
    ir.write(path, graph, talon_compatible=talon_compatible)
    theirs = talon.read(str(path))
    reference = talon.read(str(GRAPHS / f"{name}.t1c"))
    assert list(theirs.nodes) == list(reference.nodes)
    assert [(e[0], e[1]) if isinstance(e, tuple) else (e.source, e.dest if hasattr(e, "dest") else e.target)
            for e in theirs.edges] == [(e[0], e[1]) if isinstance(e, tuple) else (e.source, e.dest if hasattr(e, "dest") else e.target)
                                       for e in reference.edges]
    for n in reference.nodes:
        assert type(theirs.nodes[n]).__name__ == type(reference.nodes[n]).__name__, n
        same_fields(theirs.nodes[n], reference.nodes[n], n)
    assert talon.read_version(str(path)) == "0.0.1"


@pytest.mark.parametrize("name", NAMES)
def test_celesta_reads_what_talon_writes(tmp_path, name):
    reference = talon.read(str(GRAPHS / f"{name}.t1c"))
    path = tmp_path / f"{name}.t1c"
    talon.write(str(path), reference)
    mine = ir.read(path, talon_compatible=True)
    assert list(mine.nodes) == list(reference.nodes)
    for n, node in reference.nodes.items():
        assert type(mine.nodes[n]).__name__ == type(node).__name__, n
        same_fields(mine.nodes[n], node, n)


def f(*s):
    return np.full(s, 0.5, np.float32)


CONSTRUCTORS = {
 "ReLU(0)": lambda m: m.ReLU(features=0),
 "ReLU(-1)": lambda m: m.ReLU(features=-1),
 "Sigmoid(0)": lambda m: m.Sigmoid(features=0),
 "Dropout(p=2)": lambda m: m.Dropout(features=4, p=2.0),
 "Dropout(p=-0.1)": lambda m: m.Dropout(features=4, p=-0.1),
 "Dropout(0)": lambda m: m.Dropout(features=0),
 "Skip(bad)": lambda m: m.Skip(skip_type="bad"),
 "Concat(1)": lambda m: m.Concat(num_inputs=1),
 "ChannelSplit([])": lambda m: m.ChannelSplit(split_sections=[]),
 "ChannelSplit([2,3], in 4)": lambda m: m.ChannelSplit(split_sections=[2,3], input_type={"input": np.array([4,5,5])}),
 "ChannelSplit([2,2], in 4)": lambda m: m.ChannelSplit(split_sections=[2,2], input_type={"input": np.array([4,5,5])}),
 "Concat(in 2x)": lambda m: m.Concat(num_inputs=2, input_type={"input_0": np.array([2,5]), "input_1": np.array([3,5])}),
 "HybridRegion(bad)": lambda m: m.HybridRegion(mode="bad", features=4),
 "Upsample(bad)": lambda m: m.Upsample(mode="trilinear"),
 "Upsample(in)": lambda m: m.Upsample(scale_factor=2, input_type={"input": np.array([3,4,4])}),
 "Upsample(no in)": lambda m: m.Upsample(scale_factor=2),
 "Conv1d(2D)": lambda m: m.Conv1d(weight=f(4,2), bias=f(4)),
 "Conv2d(bias 3)": lambda m: m.Conv2d(weight=f(4,2,3,3), bias=f(3)),
 "SepConv2d(3D dw)": lambda m: m.SepConv2d(depthwise_weight=f(2,3,3), pointwise_weight=f(8,2,1,1)),
 "SepConv2d(no in)": lambda m: m.SepConv2d(depthwise_weight=f(2,1,3,3), pointwise_weight=f(8,2,1,1)),
 "BatchNorm1d(0)": lambda m: m.BatchNorm1d(num_features=0, weight=f(0), bias=f(0), running_mean=f(0), running_var=f(0)),
 "BatchNorm1d(mismatch)": lambda m: m.BatchNorm1d(num_features=4, weight=f(3), bias=f(4), running_mean=f(4), running_var=f(4)),
 "BatchNorm2d": lambda m: m.BatchNorm2d(num_features=4, weight=f(4), bias=f(4), running_mean=f(4), running_var=f(4)),
 "LayerNorm": lambda m: m.LayerNorm(normalized_shape=(4,), weight=f(4), bias=f(4)),
 "LayerNorm(mismatch)": lambda m: m.LayerNorm(normalized_shape=(4,), weight=f(3), bias=f(4)),
 "PReLU(mismatch)": lambda m: m.PReLU(features=4, weight=f(3)),
 "IF": lambda m: m.IF(v_threshold=f(3)),
 "LIF 2D": lambda m: m.LIF(tau=f(2,3), r=f(2,3), v_leak=f(2,3), v_threshold=f(2,3)),
 "Affine(2D bias)": lambda m: m.Affine(weight=f(2,3), bias=f(2,1)),
 "MaxPool(no in)": lambda m: m.MaxPool2d(kernel_size=(2,2)),
 "AvgPool(in)": lambda m: m.AvgPool2d(kernel_size=(3,3), stride=(2,2), padding=(1,1), ceil_mode=True, input_type={"input": np.array([3,8,8])}),
 "Flatten(in)": lambda m: m.Flatten(start_dim=1, input_type={"input": np.array([2,3,4])}),
 "Flatten(no in)": lambda m: m.Flatten(),
 "SpikingAffine(ok)": lambda m: m.SpikingAffine(weight=f(2,3), bias=f(2)),
 "Input(arr)": lambda m: m.Input(np.array([3,4])),
 "Output(dict)": lambda m: m.Output({"output": np.array([5])}),
 "Softmax": lambda m: m.Softmax(features=5),
 "HybridRegion": lambda m: m.HybridRegion(mode="ann", features=4),
 "DFLDecode": lambda m: m.DFLDecode(reg_max=16),
 "Dist2BBox": lambda m: m.Dist2BBox(stride=8),
 "NMS": lambda m: m.NMS(),
 "Conv2d stride int": lambda m: m.Conv2d(weight=f(4,2,3,3), bias=f(4), stride=2, input_type={"input": np.array([2,8,8])}),
 "SGhostConv": lambda m: m.SGhostConv(primary_weight=f(4,2,1,1), primary_bias=f(4), cheap_weight=f(4,1,3,3), cheap_bias=f(4)),
}


def _outcome(module, call):
    """('ok', port shapes) or (exception kind, message): what a constructor call gives."""
    try:
        node = call(module)
    except ValueError as e:
        return ("ValueError", str(e))
    except Exception as e:  # noqa: BLE001 - the type name is compared
        return (type(e).__name__, str(e))
    as_lists = lambda t: None if t is None else {k: np.asarray(v).tolist() for k, v in t.items()}
    return ("ok", (as_lists(node.input_type), as_lists(node.output_type)))


@pytest.mark.parametrize("label", list(CONSTRUCTORS))
def test_constructors_behave_as_talons_in_compatible_mode(label):
    """Checks, messages and inferred shapes of the installed TALON, call by call."""
    import celesta
    with celesta.talon_compatible():
        mine = _outcome(ir, CONSTRUCTORS[label])
    assert mine == _outcome(talon, CONSTRUCTORS[label])


def test_celesta_mode_refuses_what_talon_lets_through():
    import celesta
    with pytest.raises(ValueError, match="features must be a positive int, got 0"):
        ir.Sigmoid(features=0)
    with pytest.raises(ValueError, match=r"weight must have shape \(4,\), got \(3,\)"):
        ir.BatchNorm1d(num_features=4, weight=f(3), bias=f(4), running_mean=f(4), running_var=f(4))
    # TALON refuses an int kernel size (its Cython signature wants a tuple); Celesta widens it.
    with pytest.raises(TypeError):
        talon.MaxPool2d(kernel_size=2, input_type={"input": np.array([3, 8, 8])})
    assert ir.MaxPool2d(kernel_size=2, input_type=np.array([3, 8, 8])).output_type["output"].tolist() == [3, 4, 4]
