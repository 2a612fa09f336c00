"""Tests of scripts/gen_header.py: the committed header is fresh, staleness is detected, and
sources that cannot make a header are refused with a message naming the place."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GEN = ROOT / "scripts" / "gen_header.py"


def gen(*args):
    return subprocess.run([sys.executable, str(GEN), *args], capture_output=True, text=True)


@pytest.fixture
def tree(tmp_path):
    """A copy of the sources the generator reads."""
    for part in ["Sources/Celesta", "Sources/CelestaABI", "Sources/CelestaIR", "Sources/CelestaXylo"]:
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def test_committed_header_is_fresh():
    r = gen("--check")
    assert r.returncode == 0, r.stdout + r.stderr


def test_stale_header_is_detected(tmp_path):
    stale = tmp_path / "celesta.h"
    stale.write_text((ROOT / "include" / "celesta.h").read_text().replace("celesta_xylo_chip_count", "celesta_xylo_chip_cnt"))
    r = gen("--check", "--output", str(stale))
    assert r.returncode == 1
    assert "stale" in r.stderr and "+CELESTA_API int celesta_xylo_chip_count(size_t *count);" in r.stdout


def test_missing_header_is_stale(tmp_path):
    assert gen("--check", "--output", str(tmp_path / "none.h")).returncode == 1


def test_write_then_check(tree):
    assert gen("--root", str(tree)).returncode == 0
    assert (tree / "include" / "celesta.h").read_text() == (ROOT / "include" / "celesta.h").read_text()
    assert gen("--root", str(tree), "--check").returncode == 0


def test_header_has_every_shim_function_with_its_doc():
    header = (ROOT / "include" / "celesta.h").read_text()
    swift = "".join(p.read_text() for p in (ROOT / "Sources" / "Celesta").glob("*.swift"))
    names = re.findall(r'@_cdecl\("(\w+)"\)', swift)
    assert len(names) >= 9
    for name in names:
        m = re.search(r"/\*\*(?:(?!\*/).)*\*/\nCELESTA_API [^\n]*\b" + name + r"\(", header, re.S)
        assert m, f"{name} lacks a documented prototype"
    for macro in ["CELESTA_VERSION_MAJOR", "CELESTA_VERSION_MINOR", "CELESTA_VERSION_PATCH", "CELESTA_VERSION_STRING"]:
        assert f"#define {macro} " in header
    assert 'extern "C"' in header and "typedef enum celesta_status" in header


def test_cdecl_only_in_the_shim():
    for path in (ROOT / "Sources").rglob("*.swift"):
        if path.parent.name != "Celesta":
            assert "@_cdecl" not in path.read_text() and "@c(" not in path.read_text(), path


def edit(tree, rel, old, new):
    p = tree / rel
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))


def test_undocumented_function_is_refused(tree):
    p = tree / "Sources/Celesta/Chips.swift"
    text, n = re.subn(r'(?:[ \t]*///[^\n]*\n)+(@_cdecl\("celesta_xylo_chip_count"\))', r"\1", p.read_text())
    assert n == 1
    p.write_text(text)
    r = gen("--root", str(tree))
    assert r.returncode == 2 and "celesta_xylo_chip_count has no /// doc comment" in r.stderr


def test_unprefixed_export_is_refused(tree):
    edit(tree, "Sources/Celesta/Chips.swift", '@_cdecl("celesta_xylo_chip_count")', '@_cdecl("chip_count")')
    r = gen("--root", str(tree))
    assert r.returncode == 2 and "'chip_count' lacks the celesta_ prefix" in r.stderr


def test_type_without_c_spelling_is_refused(tree):
    edit(tree, "Sources/Celesta/Chips.swift", "public func celesta_xylo_chip_count(_ count: UnsafeMutablePointer<UInt>?) -> Int32",
         "public func celesta_xylo_chip_count(_ count: UnsafeMutablePointer<UInt>?) -> String")
    r = gen("--root", str(tree))
    assert r.returncode == 2 and "no C spelling for Swift type 'String'" in r.stderr


def test_missing_version_is_refused(tree):
    edit(tree, "Sources/CelestaIR/Version.swift", "static let minor", "static let minorVersion")
    r = gen("--root", str(tree))
    assert r.returncode == 2 and "no 'minor' constant" in r.stderr


def section_headings(header):
    return re.findall(r"^/\* ==== (.*) ==== \*/$", header, re.M)


def test_sections_follow_the_list_not_the_file_names():
    header = (ROOT / "include" / "celesta.h").read_text()
    headings = section_headings(header)
    assert headings[0].startswith("Version") and headings[1].startswith("IR and files") and headings[2].startswith("Backends")
    assert headings[3:] == [h for h in headings[3:] if h.startswith(("Xylo", "FPGA"))]
    order = ["chips", "networks", "mapper", "configurations", "simulator", "clock cycles", "audio front ends", "dev kits"]
    xylo = [h for h in headings if h.startswith("Xylo:")]
    assert [next(k for k, w in enumerate(order) if w in h) for h in xylo] == list(range(len(order)))
    # Each function sits in the section of its area, whatever the file names sort to.
    pos = {name: re.search(r"^CELESTA_API [^\n]*\b" + name + r"\(", header, re.M).start() for name in
           ["celesta_version", "celesta_xylo_chip_find", "celesta_xylo_network_from_json", "celesta_xylo_map",
            "celesta_xylo_config_create", "celesta_xylo_sim_evolve", "celesta_xylo_cycles", "celesta_xylo_afe_create",
            "celesta_xylo_hdk_open"]}
    assert list(pos.values()) == sorted(pos.values())
    # The idiom is documented once, at the top.
    assert header.count("Size query (the one idiom") == 1 and header.index("Size query (the one idiom") < header.index("#ifndef CELESTA_H")


def test_ir_files_land_in_their_section(tree):
    ir = tree / "Sources/Celesta/IRFiles.swift"
    ir.write_text('// Exported C functions: IR files.\n\n/// Says hello.\n@_cdecl("celesta_ir_hello")\n'
                  'public func celesta_ir_hello(_ x: Int32) -> Int32 {\n    x\n}\n')
    assert gen("--root", str(tree)).returncode == 0
    header = (tree / "include" / "celesta.h").read_text()
    ir_at = header.index("CELESTA_API int celesta_ir_hello(int x);")
    assert header.index("/* ==== IR and files") < ir_at < header.index("/* ==== Xylo backend")
    assert header.index("CELESTA_API const char *celesta_last_error(") < ir_at


def test_unplaced_shim_file_is_refused(tree):
    (tree / "Sources/Celesta/Stray.swift").write_text('/// Doc.\n@_cdecl("celesta_stray")\npublic func celesta_stray() -> Int32 {\n    0\n}\n')
    r = gen("--root", str(tree))
    assert r.returncode == 2 and "Stray.swift exports C functions but no entry of gen_header.SECTIONS places it" in r.stderr


def test_unknown_type_block_is_refused(tree):
    edit(tree, "Sources/CelestaABI/include/celesta_abi.h", "ABI-TYPES:BEGIN xylo-hdk", "ABI-TYPES:BEGIN xylo-usb")
    r = gen("--root", str(tree))
    assert r.returncode == 2 and "'xylo-usb' names no section" in r.stderr
