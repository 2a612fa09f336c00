"""celesta.hls.window_accuracy on the rate-coded task: the float reference and the fixed-point
model classify the same windows; the reported accuracies and gap are what the models give."""

import numpy as np
import pytest

from celesta import hls

NARROW = {"HLSConfig": {"Model": {"Precision": "ap_fixed<16,6>"}, "LayerName": {"fc1": {"Precision": {"weight": "ap_fixed<5,2>"}}}}}
WIDE = {"HLSConfig": {"Model": {"Precision": "ap_fixed<16,6>"}}}


def test_task_is_deterministic():
    a, b = hls.rate_coded_task(seed=3), hls.rate_coded_task(seed=3)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.labels, b.labels) and a.layers == b.layers
    assert a.x.shape == (200, 20, 16) and set(np.unique(a.x)) <= {0.0, 1.0}
    assert not np.array_equal(a.x, hls.rate_coded_task(seed=4).x)


def window_decisions(model, x, reference):
    """Each window run on its own (one sequence at a time, fresh state), its last readout value."""
    return np.array([int(round(model.simulate(w, reference=reference)[-1, 0])) for w in x])


@pytest.mark.parametrize("config", [WIDE, NARROW], ids=["ap_fixed<16,6>", "weights ap_fixed<5,2>"])
def test_accuracies_and_gap_are_what_the_models_give(config, tmp_path):
    task = hls.rate_coded_task()
    model = hls.from_layers(task.layers, config, output_dir=str(tmp_path / "p"))
    r = hls.window_accuracy(model, task.x, task.labels)
    want_float = window_decisions(model, task.x, "float")
    want_fixed = window_decisions(model, task.x, "fixed")
    assert np.array_equal(r.float_decisions, want_float)
    assert np.array_equal(r.fixed_decisions, want_fixed)
    assert r.windows == 200
    assert r.float_accuracy == pytest.approx(np.mean(want_float == task.labels), abs=0)
    assert r.fixed_accuracy == pytest.approx(np.mean(want_fixed == task.labels), abs=0)
    assert r.gap == r.float_accuracy - r.fixed_accuracy
    assert r.agreement == np.mean(want_float == want_fixed)
    # the constructed template matcher solves the task well above chance (0.25)
    assert r.float_accuracy > 0.8


def test_narrow_weights_lose_accuracy_wide_ones_do_not(tmp_path):
    task = hls.rate_coded_task()
    wide = hls.window_accuracy(hls.from_layers(task.layers, WIDE, output_dir=str(tmp_path / "a")), task.x, task.labels)
    narrow = hls.window_accuracy(hls.from_layers(task.layers, NARROW, output_dir=str(tmp_path / "b")), task.x, task.labels)
    assert wide.float_accuracy == narrow.float_accuracy          # the float model ignores the types
    assert abs(wide.gap) <= 0.02
    assert narrow.gap > 0.02 and narrow.agreement < 1


def test_bad_input(tmp_path):
    task = hls.rate_coded_task(n_windows=4)
    model = hls.from_layers(task.layers, WIDE, output_dir=str(tmp_path / "p"))
    with pytest.raises(ValueError, match="one label per window"):
        hls.window_accuracy(model, task.x, task.labels[:3])
    with pytest.raises(ValueError, match="n_windows"):
        hls.window_accuracy(model, task.x[0], task.labels)
    no_readout = hls.from_layers(task.layers[:-1], WIDE, output_dir=str(tmp_path / "q"))
    with pytest.raises(ValueError, match="SNNReadout"):
        hls.window_accuracy(no_readout, task.x, task.labels)
