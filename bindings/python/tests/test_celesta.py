"""Tests of the celesta Python package (run by `make test` in the project venv)."""

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import celesta
from celesta import _celesta

ROOT = Path(__file__).resolve().parents[3]
CLI = ROOT / "build" / "bin" / "celesta"


def test_version_matches_header_library_and_metadata():
    header = (_celesta.HEADER_VERSION_MAJOR, _celesta.HEADER_VERSION_MINOR, _celesta.HEADER_VERSION_PATCH)
    assert celesta.version_info == header
    assert celesta.__version__ == "%d.%d.%d" % header
    assert importlib.metadata.version("celesta") == celesta.__version__


def test_build_info_names_linked_libraries():
    info = celesta.build_info()
    assert info.startswith(f"celesta {celesta.__version__} (")
    assert "libusb 1." in info and "hdf5 1." in info


def test_chips_table():
    chips = celesta.chips()
    assert [c["id"] for c in chips] == ["syns61201", "syns65302", "syns61300"]
    a2, a3, v1 = chips
    assert a2["name"] == "Xylo Audio 2" and a2["max_hidden_neurons"] == 1000 and a2["max_output_neurons"] == 8
    assert a3["max_hidden_neurons"] == 992 and a3["max_input_expansion_neurons"] == 128
    assert a3["max_output_neurons"] == 32 and a3["recommended_max_output_neurons"] == 16
    assert v1["bias_bits"] == 0 and v1["core_version"] == 1
    for c in chips:
        assert c["weight_bits"] == 8 and c["state_bits"] == 16 and c["threshold_bits"] == 16
        assert (c["dash_min"], c["dash_max"]) == (0, 15)
        assert c["max_hidden_spikes_per_step"] == 31 and c["max_input_events_per_step"] == 15
        assert isinstance(c["aliases"], list) and c["aliases"]


def test_chip_lookup_by_id_name_alias():
    assert celesta.chip("xa3")["id"] == "syns65302"
    assert celesta.chip("Xylo Audio 2")["id"] == "syns61201"
    assert celesta.chip("XYLO_V1")["id"] == "syns61300"
    assert celesta.chip("syns65302") == celesta.chips()[1]


def test_chips_equal_cli_json():
    out = subprocess.run([str(CLI), "chips", "--json"], check=True, capture_output=True, text=True).stdout
    assert json.loads(out) == celesta.chips()


def test_unknown_chip_raises_not_found():
    with pytest.raises(celesta.NotFoundError) as info:
        celesta.chip("xa9")
    err = info.value
    assert isinstance(err, celesta.CelestaError) and isinstance(err, LookupError)
    assert err.status == -3 and err.status_name == "CELESTA_ERR_NOT_FOUND"
    assert "'xa9'" in err.message and "syns65302" in err.message
    assert not err.message.startswith("CELESTA_"), "the status prefix is stripped from the message"


def test_bad_arguments():
    with pytest.raises(TypeError):
        celesta.chip(3)
    with pytest.raises(celesta.NotFoundError) as info:
        _celesta.chip_info(3)
    assert "'index' is 3" in info.value.message
    with pytest.raises(IndexError):
        _celesta.chip_info(-1)
    with pytest.raises(ValueError):  # embedded NUL cannot cross the C boundary
        celesta.chip("xa3\0")
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate has no UTF-8 form
        celesta.chip("\udcff")


def test_every_status_code_has_an_exception_class():
    codes = _celesta.status_codes()
    assert codes["CELESTA_OK"] == 0
    errors = {name: code for name, code in codes.items() if code != 0}
    assert len(errors) == len(celesta.ERRORS_BY_STATUS)
    for name, code in errors.items():
        cls = celesta.ERRORS_BY_STATUS[code]
        assert cls.status == code and cls.status_name == name
        assert issubclass(cls, celesta.CelestaError)
        assert celesta.status_name(code) == name
    assert celesta.status_name(12345) == "CELESTA_UNKNOWN_STATUS"


def test_wheel_bundles_the_library_and_needs_no_library_path():
    package_dir = Path(celesta.__file__).parent
    assert (package_dir / "libcelesta.so.0").is_file()
    ext = Path(_celesta.__file__)
    assert ".abi3." in ext.name, "limited-API extension"
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    code = "import celesta, os; print(celesta.__version__); print(open('/proc/self/maps').read())"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd="/", check=True,
                         capture_output=True, text=True).stdout
    assert out.splitlines()[0] == celesta.__version__
    assert str(package_dir / "libcelesta.so.0") in out, "the bundled copy is the one loaded"
