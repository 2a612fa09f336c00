"""The quantization loss on a window classification task: the float64 reference model and
the bit-exact fixed-point model classify the same windows; their accuracies and the gap.

    task = celesta.hls.rate_coded_task()            # deterministic synthetic data and a network
    model = celesta.hls.from_layers(task.layers, {"HLSConfig": {"Model": {"Precision": "ap_fixed<6,2>"}}})
    r = celesta.hls.window_accuracy(model, task.x, task.labels)
    r.float_accuracy, r.fixed_accuracy, r.gap
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["AccuracyGap", "RateCodedTask", "rate_coded_task", "window_accuracy"]


@dataclass
class AccuracyGap:
    """Accuracies of the float reference and the fixed-point model on the same windows."""

    float_accuracy: float
    fixed_accuracy: float
    #: float_accuracy - fixed_accuracy (positive: the quantized model is worse)
    gap: float
    #: the fraction of windows on which both models decide the same class
    agreement: float
    windows: int
    float_decisions: np.ndarray
    fixed_decisions: np.ndarray


@dataclass
class RateCodedTask:
    """Windows of Poisson-like spikes whose per-input rates depend on the class."""

    x: np.ndarray        # [n_windows][window][n_in] spikes (0/1, float32)
    labels: np.ndarray   # [n_windows] class indices
    rates: np.ndarray    # [n_classes][n_in] spike probability per step
    layers: list         # hls4ml-style layer dicts: Dense -> LIF -> SNNReadout (argmax_spike_count)
    window: int


def rate_coded_task(seed: int = 1, n_in: int = 16, n_classes: int = 4, window: int = 20, n_windows: int = 200,
                    beta: float = 0.875, threshold: float = 0.5) -> RateCodedTask:
    """A deterministic rate-coded classification task and a network that solves it.

    Every class has a rate per input (uniform in [0.05, 0.35] from numpy's default_rng(seed));
    a window of `window` steps carries spikes drawn with its class's rates. The network is a
    template matcher, constructed (not trained): Dense weights = the class rates minus their
    mean over classes, scaled to a largest magnitude of 0.6, no bias; a LIF layer (beta,
    threshold, subtract reset) with one neuron per class; a readout counting spikes over the
    window (argmax_spike_count, fixed_window)."""
    rng = np.random.default_rng(seed)
    rates = rng.uniform(0.05, 0.35, (n_classes, n_in))
    labels = rng.integers(0, n_classes, n_windows)
    x = (rng.random((n_windows, window, n_in)) < rates[labels][:, None, :]).astype(np.float32)
    w = (rates - rates.mean(axis=0)).T
    w = w / np.abs(w).max() * 0.6
    layers = [
        {"name": "x", "class_name": "Input", "n": n_in},
        {"name": "fc1", "class_name": "Dense", "n_in": n_in, "n_out": n_classes, "weight": w.tolist(),
         "bias": [0.0] * n_classes},
        {"name": "lif1", "class_name": "LIFNeuron", "n": n_classes, "reset_mechanism": "subtract",
         "threshold": {"mode": "scalar", "value": threshold}, "beta": {"mode": "scalar", "value": beta}},
        {"name": "readout", "class_name": "SNNReadout", "n_classes": n_classes, "window_size": window,
         "decision_rule": "argmax_spike_count", "state_reset_policy": "fixed_window"},
    ]
    return RateCodedTask(x=x, labels=labels, rates=rates, layers=layers, window=window)


def window_accuracy(model, x, labels) -> AccuracyGap:
    """Classifies every window with the float64 reference and with the fixed-point simulator.

    x: [n_windows][window][n_in], each window an independent sequence from zero state (run as
    one batch, in parallel); labels: [n_windows]. The model must end in an SNNReadout: a
    window's class is the readout's value at the window's last step (binary_logit: 1 when the
    logit is positive, else 0)."""
    a = np.asarray(x)
    lab = np.asarray(labels).astype(np.int64).reshape(-1)
    if a.ndim != 3 or a.shape[0] != lab.shape[0]:
        raise ValueError(f"x must be [n_windows][window][n_in] with one label per window; got x {list(a.shape)}, labels {list(lab.shape)}")
    if a.shape[0] == 0:
        raise ValueError("x has no windows")
    last = model.layers[-1] if model.layers else {}
    if last.get("class_name") != "SNNReadout":
        raise ValueError("window_accuracy needs a model that ends in an SNNReadout")
    logit = last.get("decision_rule") == "binary_logit"

    def decide(y):
        v = y[:, -1, 0]
        return (v > 0).astype(np.int64) if logit else np.rint(v).astype(np.int64)

    d_float = decide(model.simulate(a, reference="float"))
    d_fixed = decide(model.simulate(a))
    acc_float = float(np.mean(d_float == lab))
    acc_fixed = float(np.mean(d_fixed == lab))
    return AccuracyGap(float_accuracy=acc_float, fixed_accuracy=acc_fixed, gap=acc_float - acc_fixed,
                       agreement=float(np.mean(d_float == d_fixed)), windows=int(lab.shape[0]),
                       float_decisions=d_float, fixed_decisions=d_fixed)
