"""Runs the examples of README.md, so that none of them can go stale.

Fenced blocks tagged ```python are run in one fresh interpreter each; ```c blocks are
compiled against include/ and build/lib and run; ```sh blocks are run line by line with
build/bin on PATH. Set-up blocks are tagged ```bash and are not run here.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", (ROOT / "README.md").read_text(), re.S | re.M)


def blocks(lang):
    return [body for tag, body in BLOCKS if tag == lang]


def test_readme_has_examples_in_each_language():
    assert blocks("python") and blocks("c") and blocks("sh")
    assert blocks("bash")[0].split() == ["make", "demo", "make", "test"], "README starts with the set-up"


@pytest.mark.parametrize("code", blocks("python"))
def test_python_example(code, tmp_path):
    # Run where the examples' files land in a scratch folder, with the repository's examples/
    # at hand under their README paths.
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip()


@pytest.mark.parametrize("code", blocks("c"))
def test_c_example(code, tmp_path):
    src = tmp_path / "example.c"
    src.write_text(code)
    lib = ROOT / "build" / "lib"
    subprocess.run(["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", f"-I{ROOT / 'include'}",
                    str(src), f"-L{lib}", f"-Wl,-rpath,{lib}", "-lcelesta", "-o", str(tmp_path / "example")],
                   check=True)
    r = subprocess.run([str(tmp_path / "example")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip()


@pytest.mark.parametrize("code", blocks("sh"))
def test_shell_example(code):
    env = dict(os.environ, PATH=f"{ROOT / 'build' / 'bin'}:{os.environ['PATH']}")
    for line in code.splitlines():
        if line.strip() and not line.startswith("#"):
            r = subprocess.run(line, shell=True, capture_output=True, text=True, env=env, cwd=ROOT)
            assert r.returncode == 0, f"{line}: {r.stderr}"
            assert r.stdout.strip(), line
