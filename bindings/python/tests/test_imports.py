"""``celesta.devices`` has no import cycle: every module imports cleanly first and alone in a
fresh interpreter, the imports between its modules (at module level and inside functions) form
no cycle, and the chip modules pick their classes from the chip records."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import celesta
from celesta.devices import xylo

PACKAGE = Path(celesta.__file__).resolve().parent
DEVICES = PACKAGE / "devices"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = sorted(module_name(p) for p in DEVICES.rglob("*.py"))


@pytest.mark.parametrize("name", MODULES)
def test_each_module_imports_first_in_a_fresh_interpreter(name):
    code = f"import importlib; m = importlib.import_module({name!r}); print(m.__name__)"
    r = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == name


def imports_of(path: Path, name: str) -> set:
    """The modules of celesta.devices that ``path`` imports anywhere (module level or in a function)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            base = f"{base}.{node.module}" if node.level and node.module else (base if node.level else node.module)
            # `from . import x` imports the submodule x when there is one; the module's own
            # packages are imported before it anyway and are no edge.
            targets = [f"{base}.{alias.name}" for alias in node.names]
            if not name.startswith(base + "."):
                targets.append(base)
        else:
            continue
        found.update(t for t in targets if t in MODULES and t != name)
    return found


def test_no_import_cycle_between_the_device_modules():
    graph = {module_name(p): imports_of(p, module_name(p)) for p in DEVICES.rglob("*.py")}
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                pytest.fail("import cycle: " + " -> ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert graph["celesta.devices.xylo.syns61201"] == {"celesta.devices.xylo._bind"}


def test_chip_modules_follow_the_records():
    for chip in celesta.chips():
        module = getattr(xylo, chip["id"])
        front_end = {"none": set(), "analog-model": {"AFESim"}, "digital": {"AFESimExternal", "AFESimPDM"}}[chip["front_end"]]
        afe_names = {n for n in module.__all__ if n.startswith("AFESim")}
        assert afe_names == front_end, chip["id"]
        takes_audio = chip["has_dev_kit"] and chip["front_end"] != "none"
        assert ("XyloMonitor" in module.__all__) == takes_audio and hasattr(module, "AFESamna") == takes_audio
    assert xylo.xa3.XyloMonitor.__module__ == "celesta.devices.xylo.syns65302"


def test_chip_records_carry_the_new_facts():
    a2, a3, v1 = celesta.chips()
    assert (a2["front_end"], a3["front_end"], v1["front_end"]) == ("analog-model", "digital", "none")
    assert (a2["mapper_dialect"], a3["mapper_dialect"], v1["mapper_dialect"]) == ("xylo-audio-2", "xylo-audio-3", "xylo-audio-2")
    assert (a2["has_dev_kit"], a3["has_dev_kit"], v1["has_dev_kit"]) == (True, True, False)
    assert (a2["cycles_report_isyn2_ops"], a3["cycles_report_isyn2_ops"]) == (True, False)
