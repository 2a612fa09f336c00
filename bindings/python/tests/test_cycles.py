"""cycles_model and est_clock_freq through the C library, on the shared cycle vectors."""

import json
from pathlib import Path

import numpy as np
import pytest

import celesta
from celesta.devices.xylo import syns61201, syns61300, syns65302

FIXTURES = Path(__file__).resolve().parents[3] / "Tests" / "Fixtures" / "xylo"
MODULES = {"syns61201": syns61201, "syns65302": syns65302}
KEYS = ["weights_in", "weights_rec", "weights_out", "dash_mem", "dash_syn", "dash_syn_2", "threshold", "bias",
        "dash_mem_out", "dash_syn_out", "threshold_out", "bias_out", "weight_shift_in", "weight_shift_rec",
        "weight_shift_out", "aliases"]


def entries():
    for name in ["a2_cycles_set1", "a3_cycles_set1"]:
        doc = json.loads((FIXTURES / f"{name}.json").read_text())
        for entry in doc["entries"]:
            yield doc["chip"], entry


def config_of(chip, entry):
    raw = entry.get("config")
    if raw is None:
        raw = json.loads((FIXTURES / f"{entry['config_ref']}.json").read_text())["config"]
    config, _, msg = MODULES[chip].config_from_specification(**{k: raw[k] for k in KEYS if k in raw})
    assert config is not None, msg
    return config


def test_every_entry():
    checked = 0
    for chip, entry in entries():
        mod = MODULES[chip]
        config = config_of(chip, entry)
        for r in entry["probability_results"]:
            got = mod.cycles_model(config, r["input_sp"], r["hidden_sp"], r["output_sp"])
            if chip == "syns61201":
                assert got == (r["cycles"], r["additional_isyn2_ops"]), entry["name"]
            else:
                assert got == r["cycles"], entry["name"]
            checked += 1
        for c in entry["est_clock_freq"]:
            assert mod.est_clock_freq(config, c["dt"], c["margin"]) == c["clock_hz"], entry["name"]
            checked += 1
        if "rasters" in entry:
            rs = entry["rasters"]
            got = mod.cycles_model(config, np.asarray(rs["input"]), np.asarray(rs["hidden_spikes"]),
                                   np.asarray(rs["output_spikes"]))
            want = entry["raster_result"]
            assert (got[0] if chip == "syns61201" else got) == want["cycles"]
            checked += 1
    assert checked == 87


def test_errors():
    chip, entry = next(entries())
    config = config_of(chip, entry)
    with pytest.raises(celesta.OutOfRangeError) as info:
        syns61201.cycles_model(config, 1.5)
    assert "1.5" in info.value.message
    with pytest.raises(celesta.OutOfRangeError):
        syns61201.est_clock_freq(config, dt=0)
    with pytest.raises(celesta.OutOfRangeError):
        syns61201.est_clock_freq(config, dt=1e-3, margin=-1)
    with pytest.raises(TypeError):
        syns61201.cycles_model("config")


@pytest.mark.parametrize("case", ["v1_random_small", "v1_random_medium_dense", "v1_random_medium_sparse"])
def test_xylo_v1_costs_what_the_same_network_costs_on_audio2(case):
    """Rockpool has no v1 model; Celesta's v1 record carries the Audio 2 model (labelled as
    derived in a profile), so a v1 network costs what the same network costs on Xylo Audio 2."""
    raw = json.loads((FIXTURES / f"{case}.json").read_text())["config"]
    spec = {k: raw[k] for k in KEYS if k in raw}
    v1_config, ok, msg = syns61300.config_from_specification(**spec)
    a2_config, _, msg2 = syns61201.config_from_specification(**spec)
    assert v1_config is not None and a2_config is not None, (msg, msg2)
    for rates in [(1.0, 1.0, 1.0), (0.3, 0.1, 0.5), (0.0, 0.0, 0.0)]:
        got = syns61300.cycles_model(v1_config, *rates)
        assert isinstance(got, tuple) and got == syns61201.cycles_model(a2_config, *rates)
    assert syns61300.est_clock_freq(v1_config, 1e-3) == syns61201.est_clock_freq(a2_config, 1e-3) > 0
    assert celesta.chip("syns61300")["cycles_report_isyn2_ops"] is True
