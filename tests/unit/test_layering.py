"""No module imports a layer above it: the package follows the data flow.

model/config (the vocabulary every layer shares) → parse (text in, model out)
→ probe (the only place touching the machine) and replay (snapshots not
collected here), side by side → diagnose (pure rules) → present (the words
people read) → the outputs: cli, web, service. Imports inside functions
(lazy on purpose) count as much as those at the top of a module.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "nodewatch"

# Each top-level part of the package, by layer; a part may import its own layer and those below.
LAYERS: tuple[frozenset[str], ...] = (
    # What every layer shares; words/ is the vocabulary rules and outputs both use.
    frozenset(
        {"__init__", "model", "config", "log", "known_hardware", "zfs_features", "serialize", "words", "demo"}
    ),
    frozenset({"parse"}),
    frozenset({"probe", "replay"}),
    frozenset({"diagnose"}),
    frozenset({"present"}),
    frozenset({"cli", "web", "service", "__main__"}),
)
# Side by side, yet independent: a replayed snapshot never runs a probe, and back.
APART = {("probe", "replay"), ("replay", "probe")}


@dataclass(frozen=True)
class Import:
    module: str  # the importing file, relative to the package
    line: int
    target: str  # the imported module, dotted: nodewatch.cli.common


def layer_of(part: str) -> int:
    for number, parts in enumerate(LAYERS):
        if part in parts:
            return number
    raise KeyError(part)


def part_of(dotted: str) -> str:
    """nodewatch.cli.common → cli; nodewatch → __init__."""
    names = dotted.split(".")
    return names[1] if len(names) > 1 else "__init__"


def imports_of(path: Path, source: str | None = None) -> list[Import]:
    """Every import of a nodewatch module in a file, at any depth, including
    `from nodewatch import x`, relative imports and importlib.import_module("nodewatch.…")."""
    relative = path.relative_to(PACKAGE)
    package = ["nodewatch", *relative.parent.parts]
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from nodewatch.x import y` imports nodewatch.x.y when y is a module of its own.
            targets = [_module(base, alias.name) for alias in node.names]
        elif isinstance(node, ast.Call) and _called(node) == "import_module" and node.args:
            targets = [_leading_text(node.args[0])]
        found += [
            Import(str(relative), node.lineno, target)
            for target in targets
            if target == "nodewatch" or target.startswith("nodewatch.")
        ]
    return found


def _module(base: str, name: str) -> str:
    inside = PACKAGE.joinpath(*base.split(".")[1:], name)
    return f"{base}.{name}" if inside.is_dir() or inside.with_suffix(".py").is_file() else base


def _called(call: ast.Call) -> str:
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


def _leading_text(argument: ast.expr) -> str:
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    if isinstance(argument, ast.JoinedStr) and argument.values:
        first = argument.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value.rstrip(".")
    return ""


def violations(imports: list[Import]) -> list[str]:
    problems = []
    for found in imports:
        here = part_of("nodewatch." + found.module.removesuffix(".py").replace("/", "."))
        there = part_of(found.target)
        if layer_of(there) > layer_of(here) or (here, there) in APART:
            problems.append(f"nodewatch/{found.module}:{found.line}: {here} imports {found.target}")
    return problems


def all_imports() -> list[Import]:
    return [found for path in sorted(PACKAGE.rglob("*.py")) for found in imports_of(path)]


def test_no_module_imports_a_layer_above_it():
    assert violations(all_imports()) == []


def test_every_part_of_the_package_has_a_layer():
    parts = {
        part_of("nodewatch." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts))
        for p in PACKAGE.rglob("*.py")
    }
    parts |= {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("__")}
    unplaced = [part for part in sorted(parts) if not any(part in layer for layer in LAYERS)]
    assert unplaced == [], "place each new part of the package in LAYERS"


def test_the_package_is_read_at_all():
    found = all_imports()
    assert len(found) > 100
    # A lazy import inside a function is seen: the CLI loads the probes only when it collects.
    assert any(f.module == "cli/diagnose.py" and f.target.startswith("nodewatch.probe") for f in found)


@pytest.mark.parametrize(
    ("module", "source", "problem"),
    [
        ("parse/x.py", "from nodewatch.cli import common", "parse imports nodewatch.cli.common"),
        (
            "diagnose/x.py",
            "def f():\n    from nodewatch.present import findings",
            "diagnose imports nodewatch.present.findings",
        ),
        ("model.py", "import nodewatch.parse.udev_db", "model imports nodewatch.parse.udev_db"),
        ("replay.py", "from nodewatch import probe", "replay imports nodewatch.probe"),
        ("probe/x.py", "from .. import replay", "probe imports nodewatch.replay"),
        ("parse/x.py", "from ..diagnose import rules", "parse imports nodewatch.diagnose.rules"),
        (
            "diagnose/x.py",
            'import importlib\nimportlib.import_module(f"nodewatch.web.{name}")',
            "diagnose imports nodewatch.web",
        ),
    ],
)
def test_an_import_against_the_flow_is_found(module, source, problem):
    (found,) = violations(imports_of(PACKAGE / module, source))
    assert found.endswith(problem)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("cli/x.py", "from nodewatch import diagnose, present, probe, replay, model"),
        ("present/x.py", "from nodewatch.diagnose import commands"),
        ("diagnose/rules/x.py", "from ..context import Context\nfrom nodewatch.words import sizes"),
        ("probe/x.py", "from nodewatch.parse.udev_db import parse_udev_db"),
        ("service/x.py", "from nodewatch.web import source"),
    ],
)
def test_an_import_along_the_flow_is_fine(module, source):
    assert violations(imports_of(PACKAGE / module, source)) == []
