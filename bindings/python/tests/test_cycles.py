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
    v1 = json.loads((FIXTURES / "v1_random_small.json").read_text())["config"]
    v1_config, _, _ = syns61300.config_from_specification(**{k: v1[k] for k in KEYS if k in v1})
    with pytest.raises(celesta.UnsupportedError):
        syns61300.cycles_model(v1_config)
