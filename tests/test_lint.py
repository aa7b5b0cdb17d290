"""Lint is part of the test command, so CI and developers run the same checks."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

LINTERS = {
    "ruff check": ["ruff", "check", "."],  # all of it: what a developer runs
    "ruff format": ["ruff", "format", "--check", "."],
    "mypy --strict": ["mypy", "nodewatch", "tools"],  # strict is set in pyproject.toml
}


@pytest.mark.parametrize("argv", LINTERS.values(), ids=LINTERS.keys())
def test_the_tree_is_clean(argv: list[str]) -> None:
    if importlib.util.find_spec(argv[0]) is None:
        pytest.skip(f"{argv[0]} is not installed: pip install -e '.[test]'")
    result = subprocess.run(
        [sys.executable, "-m", *argv], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
