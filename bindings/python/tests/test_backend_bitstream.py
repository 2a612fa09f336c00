"""The fpga backend's build_bitstream (TALON's, README §18) in the library
(celesta_backend_build_bitstream): every shared fpga case (result keys, written files in order,
parameters.h and hls4ml_config.json by sha256 and content, the descriptor's flags), TALON's
outputs on graphs that cover every primitive of parameters.h (Tests/Fixtures/talon/bitstream,
made by scripts/gen_bitstream_cases.py), Celesta's own headers compiled and run with g++, its
build.py run end to end, write_to_disk=False writing nothing, the folder rules and an atomic
failure."""

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import celesta
from celesta import backend, ir

import _talon_cases as tc

ROOT = Path(__file__).resolve().parents[3]
FPGA = backend.get_backend("fpga")
KEYS = ["hls4ml_config", "parameters_h", "build_script", "tcl_script", "template_paths", "descriptor", "written_files"]
TALON_BYTES = ("firmware/parameters.h", "hls4ml_config.json")   # TALON's files, byte for byte
OWN = ("firmware/nnet_utils/if_model.h", "firmware/nnet_utils/lif_model.h", "firmware/nnet_utils/lif_subtractive_model.h",
       "firmware/nnet_utils/complex_lif.h", "build.py", "build_prj.tcl")


def _case_call(name, output_dir=None, **kw):
    c = tc.case(f"fpga.{name}")
    a = c["args"]
    return c, FPGA.build_bitstream(tc.graph(name), output_dir=a["output_dir"] if output_dir is None else output_dir, project_name=a["project_name"], part=a["part"],
                                   clock_period=a["clock_period"], default_precision=a["default_precision"],
                                   default_reuse_factor=a["default_reuse_factor"], strategy=a["strategy"],
                                   bitstream_config=backend.BitstreamConfig(csim=True, synth=False, cosim=False, export=False, vsynth=False,
                                                                            bitfile=False), **kw)


@pytest.mark.parametrize("name", ["mlp_784_128_10", "conv_snn"])
def test_shared_fpga_cases(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # the case's paths are relative to the working folder
    c, r = _case_call(name, write_to_disk=True)
    e = c["expected"]
    assert sorted(r) == e["result_keys"] and list(r) == KEYS
    assert r["written_files"] == e["written_files"]
    assert r["template_paths"] == e["template_paths"]
    assert r["hls4ml_config"] == e["hls4ml_config"]
    d = r["descriptor"]
    assert isinstance(d, backend.HardwareDescriptor)
    assert d.metadata["bitstream"]["config"] == e["bitstream_metadata_config"] and d.metadata["bitstream"]["enabled"] is True
    assert d.metadata["bitstream"]["build_script"] == r["build_script"] and d.metadata["bitstream"]["tcl_script"] == r["tcl_script"]
    assert sorted(d.metadata) == sorted(e["compile_metadata_keys"] + ["bitstream"])
    files = e["files"]
    assert sorted(files) == sorted(e["written_files"])
    on_disk = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert on_disk == sorted(e["written_files"])
    for rel in TALON_BYTES:
        exp = files[f"hls4ml_project/{rel}"]
        data = (tmp_path / "hls4ml_project" / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == exp["sha256"] and len(data) == exp["size"], rel
        assert data.decode() == exp["content"]
    assert r["parameters_h"] == files["hls4ml_project/firmware/parameters.h"]["content"]
    assert r["build_script"] == (tmp_path / "hls4ml_project/build.py").read_text()
    assert r["tcl_script"] == (tmp_path / "hls4ml_project/build_prj.tcl").read_text()
    for rel in OWN:   # Celesta's own files: present, not TALON's
        assert hashlib.sha256((tmp_path / "hls4ml_project" / rel).read_bytes()).hexdigest() != files[f"hls4ml_project/{rel}"]["sha256"]
    tcl = r["tcl_script"]
    assert "set_part {xczu9eg-ffvb1156-2-i}" in tcl and "create_clock -period 5 -name default" in tcl and "set_clock_uncertainty 0.62" in tcl
    assert "array set opt {csim 1 synth 0 cosim 0 export 0 vsynth 0 bitfile 0}" in tcl and "set_top snn_demo" in tcl
    assert 'STEPS = {"csim": True, "synth": False, "cosim": False, "export": False, "vsynth": False, "bitfile": False}' in r["build_script"]
    compile(r["build_script"], "build.py", "exec")
    assert os.access(tmp_path / "hls4ml_project/build.py", os.X_OK)


def test_unsupported_case_is_refused_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    c = tc.case("fpga.unsupported_skip_mixed")
    with pytest.raises(ValueError) as err:
        FPGA.build_bitstream(tc.graph("skip_mixed"), write_to_disk=True)
    assert str(err.value) == c["expected"]["message"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", ["celesta", "talon"])
def test_not_written_without_write_to_disk(tmp_path, monkeypatch, mode):
    monkeypatch.chdir(tmp_path)
    _, r = _case_call("mlp_784_128_10", talon_compatible=mode == "talon")
    assert list(r) == KEYS[:-1] and list(tmp_path.iterdir()) == []


def _spec_graph(spec):
    def value(v):
        if isinstance(v, dict) and "dtype" in v:
            return np.asarray(v["values"], v["dtype"]).reshape(v["shape"])
        return tuple(v) if isinstance(v, list) else v

    nodes = {}
    for name, kind, fields in spec["nodes"]:
        kw = {k: ({p: np.asarray(s) for p, s in v.items()} if k in ("input_type", "output_type") else value(v)) for k, v in fields.items()}
        nodes[name] = getattr(ir, kind)(**kw, talon_compatible=True)
    order = [n[0] for n in spec["nodes"]]
    return ir.Graph(nodes=nodes, edges=[(order[i], order[i + 1]) for i in range(len(order) - 1)])


CASES = json.loads((ROOT / "Tests/Fixtures/talon/bitstream/cases.json").read_text())["cases"]


@pytest.mark.parametrize("spec", CASES, ids=[c["name"] for c in CASES])
def test_talon_outputs_on_every_primitive(spec, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    e = spec["expected"]
    cfg = backend.BitstreamConfig(**spec["bitstream"]) if spec["bitstream"] else None
    r = FPGA.build_bitstream(_spec_graph(spec), **spec["settings"], bitstream_config=cfg, write_to_disk=True)
    assert list(r) == e["result_keys"]
    assert r["parameters_h"] == e["parameters_h"]
    assert r["hls4ml_config"] == e["hls4ml_config"]
    assert (tmp_path / spec["settings"]["output_dir"] / "hls4ml_config.json").read_text() == e["hls4ml_config_json"]
    assert r["written_files"] == e["written_files"]
    assert r["descriptor"].metadata["bitstream"]["config"] == e["bitstream_metadata_config"]


def test_folder_rules_overwrite_and_talon_merge(tmp_path):
    out = tmp_path / "prj"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    with pytest.raises(ValueError, match="not empty"):
        _case_call("mlp_784_128_10", output_dir=str(out), write_to_disk=True)
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
    # TALON's way: written into the folder, the other file kept
    _, r = _case_call("mlp_784_128_10", output_dir=str(out), write_to_disk=True, talon_compatible=True)
    assert (out / "mine.txt").read_text() == "keep" and all(Path(f).is_file() for f in r["written_files"])
    with celesta.talon_compatible():
        _case_call("mlp_784_128_10", output_dir=str(out), write_to_disk=True)
    # overwrite replaces the folder as a whole
    _, r = _case_call("mlp_784_128_10", output_dir=str(out), write_to_disk=True, overwrite=True)
    assert not (out / "mine.txt").exists()
    assert sorted(str(p) for p in out.rglob("*") if p.is_file()) == sorted(r["written_files"])
    assert [p.name for p in tmp_path.iterdir()] == ["prj"]   # no temporary folder left
    with pytest.raises(ValueError, match="output_dir"):
        _case_call("mlp_784_128_10", output_dir="", write_to_disk=True)
    with pytest.raises(TypeError):
        FPGA.build_bitstream(tc.graph("mlp_784_128_10"), write_to_disks=True)


def test_failed_write_leaves_nothing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(celesta.CelestaError) as err:
        _case_call("mlp_784_128_10", output_dir=str(blocker / "prj"), write_to_disk=True)
    assert str(blocker) in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"] and blocker.read_text() == "x"


def _toolchain():
    ap = glob.glob(str(ROOT / ".venv/lib/python*/site-packages/hls4ml/templates/vivado/ap_types"))
    return ap[0] if shutil.which("g++") and ap else None


DRIVER = r"""
#include <cstdio>
#include "nnet_utils/if_model.h"
#include "nnet_utils/lif_model.h"
#include "nnet_utils/lif_subtractive_model.h"
#include "nnet_utils/complex_lif.h"
typedef ap_fixed<16,6> t;
struct c_if : nnet::lif_config { static const unsigned n_in = 2, n_out = 2; static constexpr float threshold = 1.0f; };
struct c_lif : nnet::lif_config { static const unsigned n_in = 2, n_out = 2; static constexpr float threshold = 1.0f; static constexpr float leak = 0.5f; };
struct c_sub : nnet::lif_config { static const unsigned n_in = 2, n_out = 2; static constexpr float threshold = 1.0f; static constexpr float leak = 0.25f; };
struct c_cx : nnet::lif_config { static const unsigned n_in = 2, n_out = 2; };
int main() {
    const double xs[6][2] = {{0.5, 0.0}, {0.5, 0.75}, {0.5, -0.5}, {0.25, 0.75}, {0.75, 0.5}, {1.0, 1.0}};
    for (int s = 0; s < 6; s++) {
        t x[2] = {(t)xs[s][0], (t)xs[s][1]}, a[2], b[2], c[2], d[2], e[2];
        nnet::if_layer<t, t, c_if>(x, a);
        nnet::lif_layer<t, t, c_lif>(x, b, s == 4);
        nnet::lif_subtractive_layer<t, t, c_sub>(x, c);
        nnet::complex_lif_layer<t, t, c_cx>(x, d, 1.0f, 0.25f, 0, s == 0);
        nnet::complex_lif_layer<t, t, c_lif>(x, e, 1.0f, 0.5f, 1, s == 0);
        std::printf("%g %g %g %g %g %g %g %g %g %g\n", a[0].to_double(), a[1].to_double(), b[0].to_double(), b[1].to_double(),
                    c[0].to_double(), c[1].to_double(), d[0].to_double(), d[1].to_double(), e[0].to_double(), e[1].to_double());
    }
}
"""


def _reference(xs):
    """The kernels' semantics in float64 (every value is exact in ap_fixed<16,6>)."""
    v = {k: [0.0, 0.0] for k in "abcde"}
    fired = {"d": [False, False], "e": [False, False]}
    rows = []
    for s, x in enumerate(xs):
        row = []
        for k in "abcde":
            for i in range(2):
                m = v[k][i]
                if k == "b" and s == 4:
                    m = 0.0
                if k in "de" and s == 0:
                    m, fired[k][i] = 0.0, False
                m = {"a": m + x[i], "b": m * 0.5 + x[i], "c": max(m + x[i] - 0.25, 0.0), "d": max(m + x[i] - 0.25, 0.0),
                     "e": max(m * 0.5 + x[i], 0.0)}[k]
                spike = m >= 1.0 and not (k in "de" and fired[k][i])
                if k in "de":
                    fired[k][i] = fired[k][i] or spike
                v[k][i] = 0.0 if spike else m
                row.append(1.0 if spike else 0.0)
        rows.append([row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9]])
    return rows


@pytest.mark.skipif(not _toolchain(), reason="needs g++ and the ap_types headers (make installs hls4ml==1.3.0)")
def test_own_headers_compile_and_spike_as_specified(tmp_path):
    _, r = _case_call("mlp_784_128_10", output_dir=str(tmp_path / "prj"), write_to_disk=True)
    (tmp_path / "driver.cpp").write_text(DRIVER)
    subprocess.run(["g++", "-std=c++14", "-O0", f"-I{tmp_path / 'prj' / 'firmware'}", f"-I{_toolchain()}", "driver.cpp", "-o", "driver"],
                   cwd=tmp_path, check=True)
    out = subprocess.run(["./driver"], cwd=tmp_path, check=True, capture_output=True, text=True).stdout
    got = [[float(v) for v in line.split()] for line in out.splitlines()]
    xs = [[0.5, 0.0], [0.5, 0.75], [0.5, -0.5], [0.25, 0.75], [0.75, 0.5], [1.0, 1.0]]
    assert got == _reference(xs)
    assert any(any(row) for row in got) and not all(all(row) for row in got)


@pytest.mark.skipif(not _toolchain(), reason="needs g++ and the ap_types headers (make installs hls4ml==1.3.0)")
def test_build_script_writes_and_checks_the_celesta_project(tmp_path):
    rng = np.random.default_rng(3)
    g = ir.Graph(nodes={"x": ir.Input(input_type={"input": np.array([4])}),
                        "fc": ir.Affine(weight=rng.standard_normal((3, 4)).astype(np.float32), bias=np.zeros(3, np.float32)),
                        "lif": ir.LIF(tau=np.full(3, 4.0, np.float32), r=np.ones(3, np.float32), v_leak=np.zeros(3, np.float32),
                                      v_threshold=np.ones(3, np.float32)),
                        "y": ir.Output(output_type={"output": np.array([3])})},
                 edges=[("x", "fc"), ("fc", "lif"), ("lif", "y")])
    prj = tmp_path / "prj"
    FPGA.build_bitstream(g, output_dir=str(prj), project_name="tiny", bitstream_config=backend.BitstreamConfig(csim=True, bitfile=False),
                         write_to_disk=True)
    env = {**os.environ, "PATH": os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not shutil.which("vitis_hls", path=p))}
    missing = subprocess.run([sys.executable, str(prj / "build.py")], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert missing.returncode == 1 and "model.t1c" in missing.stderr
    ir.write(str(prj / "model.t1c"), g)
    done = subprocess.run([sys.executable, str(prj / "build.py")], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "equal to Celesta's fixed-point simulator" in done.stdout
    assert (prj / "celesta_project" / "firmware" / "tiny.cpp").is_file()
    bit = subprocess.run([sys.executable, str(prj / "build.py"), "--bitstream"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert bit.returncode == 1 and "vitis_hls" in bit.stderr


def test_pytorch_model_is_saved_when_written(tmp_path, monkeypatch):
    """pytorch_model= is saved with torch.save as model.pt (a stand-in torch module here: the
    test venv has no torch) and listed last, as TALON does."""
    import pickle
    import types

    fake = types.ModuleType("torch")

    def save(obj, path):
        with open(path, "wb") as f:
            pickle.dump(obj, f)

    fake.save = save
    monkeypatch.setitem(sys.modules, "torch", fake)
    monkeypatch.chdir(tmp_path)
    _, r = _case_call("mlp_784_128_10", write_to_disk=True, pytorch_model={"w": 1})
    assert r["written_files"][-1] == "hls4ml_project/model.pt"
    assert pickle.loads((tmp_path / "hls4ml_project/model.pt").read_bytes()) == {"w": 1}
    assert sorted(p.name for p in (tmp_path / "hls4ml_project").iterdir()) == ["build.py", "build_prj.tcl", "firmware", "hls4ml_config.json",
                                                                                  "model.pt"]
    _, r = _case_call("mlp_784_128_10", output_dir=str(tmp_path / "other"), pytorch_model={"w": 1})
    assert "written_files" not in r and not (tmp_path / "other").exists()
