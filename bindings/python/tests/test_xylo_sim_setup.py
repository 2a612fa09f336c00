"""Building a XyloSim does not write the configuration as JSON: the chip of a configuration built
for a chip is known, and read from the JSON form at most once otherwise."""

import numpy as np
import pytest

from celesta import _celesta
from celesta.devices.xylo import XyloConfiguration, xa2, xa3


def spec(n_hidden=40, seed=3):
    rng = np.random.default_rng(seed)
    return dict(weights_in=rng.integers(-60, 61, (4, n_hidden, 1)), weights_rec=rng.integers(-3, 4, (n_hidden, n_hidden, 1)),
                weights_out=rng.integers(-60, 61, (n_hidden, 2)), dash_mem=np.full(n_hidden, 2),
                dash_syn=np.full(n_hidden, 2), threshold=np.full(n_hidden, 300), dash_mem_out=np.full(2, 4),
                dash_syn_out=np.full(2, 3), threshold_out=np.full(2, 300))


def counting_to_json(monkeypatch):
    calls = []
    original = _celesta.config_to_json

    def counted(handle):
        calls.append(handle)
        return original(handle)

    monkeypatch.setattr(_celesta, "config_to_json", counted)
    return calls


@pytest.mark.parametrize("module, chip", [(xa2, "syns61201"), (xa3, "syns65302")])
def test_from_specification_writes_no_json(monkeypatch, module, chip):
    calls = counting_to_json(monkeypatch)
    sim = module.XyloSim.from_specification(**spec())
    config, ok, _ = module.config_from_specification(**spec())
    assert calls == []
    assert sim.config.chip == chip and config.chip == chip
    out, _, _ = sim(np.ones((5, 4), dtype=np.int32))
    assert out.shape == (5, 2) and out.dtype == np.int64


def test_a_loaded_configuration_reads_its_chip_once(monkeypatch, tmp_path):
    config, _, _ = xa3.config_from_specification(**spec())
    config.save(tmp_path / "c.json")
    loaded = XyloConfiguration.load(tmp_path / "c.json")
    calls = counting_to_json(monkeypatch)
    assert loaded.chip == "syns65302"
    xa3.XyloSim(loaded)
    assert loaded.chip == "syns65302"
    assert len(calls) == 1
    # A configuration of another chip is still refused by the simulator.
    with pytest.raises(Exception, match="syns65302"):
        xa2.XyloSim(loaded)
