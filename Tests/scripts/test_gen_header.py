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
    stale.write_text((ROOT / "include" / "celesta.h").read_text().replace("celesta_chip_count", "celesta_chip_cnt"))
    r = gen("--check", "--output", str(stale))
    assert r.returncode == 1
    assert "stale" in r.stderr and "+CELESTA_API size_t celesta_chip_count(void);" in r.stdout


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
    text, n = re.subn(r'(?:[ \t]*///[^\n]*\n)+(@_cdecl\("celesta_chip_count"\))', r"\1", p.read_text())
    assert n == 1
    p.write_text(text)
    r = gen("--root", str(tree))
    assert r.returncode == 2 and "celesta_chip_count has no /// doc comment" in r.stderr


def test_unprefixed_export_is_refused(tree):
    edit(tree, "Sources/Celesta/Chips.swift", '@_cdecl("celesta_chip_count")', '@_cdecl("chip_count")')
    r = gen("--root", str(tree))
    assert r.returncode == 2 and "'chip_count' lacks the celesta_ prefix" in r.stderr


def test_type_without_c_spelling_is_refused(tree):
    edit(tree, "Sources/Celesta/Chips.swift", "public func celesta_chip_count() -> UInt", "public func celesta_chip_count() -> String")
    r = gen("--root", str(tree))
    assert r.returncode == 2 and "no C spelling for Swift type 'String'" in r.stderr


def test_missing_version_is_refused(tree):
    edit(tree, "Sources/CelestaIR/Version.swift", "static let minor", "static let minorVersion")
    r = gen("--root", str(tree))
    assert r.returncode == 2 and "no 'minor' constant" in r.stderr
