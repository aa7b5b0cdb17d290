"""Every fixture says where it came from, in the one convention of tests/fixtures/README.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KEY = re.compile(r"^# ([a-z_]+): ")
CONTINUED = re.compile(r"^#  ")  # a value that runs on: indented under its key
END = "# ---"
SOURCED = ("origin", "recorded")  # one of these says where the output came from


def fixtures() -> list[Path]:
    return sorted(
        path
        for path in FIXTURES.rglob("*")
        if path.is_file() and path.name != "README.md" and not path.name.endswith(".source")
    )


def provenance(path: Path) -> tuple[dict[str, str], list[str]]:
    """The fixture's header keys and the problems with it."""
    sibling = path.with_name(path.name + ".source")
    text = (sibling if sibling.is_file() else path).read_text(encoding="utf-8", errors="replace").splitlines()
    if END not in text:
        return {}, [f"no header closed by {END!r} in it or in {sibling.name}"]
    lines, problems = text[: text.index(END)], []
    keys: dict[str, str] = {}
    for line in lines:
        if match := KEY.match(line):
            keys.setdefault(match[1], line[match.end() :])
        elif not CONTINUED.match(line):
            problems.append(f"header line is not '# key: value': {line!r}")
    if not any(key in keys for key in SOURCED):
        problems.append(f"the header names no {' or '.join(SOURCED)}")
    return keys, problems


def test_there_are_fixtures_to_check():
    assert len(fixtures()) > 300


@pytest.mark.parametrize("path", fixtures(), ids=lambda path: str(path.relative_to(FIXTURES)))
def test_every_fixture_says_where_it_came_from(path):
    _keys, problems = provenance(path)
    assert problems == []


def test_every_source_file_belongs_to_a_fixture():
    orphans = [
        path
        for path in FIXTURES.rglob("*.source")
        if not path.with_name(path.name[: -len(".source")]).is_file()
    ]
    assert orphans == []


def test_a_fixture_without_provenance_is_found(tmp_path):
    bare = tmp_path / "pasted.txt"
    bare.write_text("  pool: tank\n state: ONLINE\n")
    assert provenance(bare) == ({}, ["no header closed by '# ---' in it or in pasted.txt.source"])
    prose = tmp_path / "prose.txt"
    prose.write_text("# copied from somewhere\n# ---\n  pool: tank\n")
    assert provenance(prose)[1] == [
        "header line is not '# key: value': '# copied from somewhere'",
        "the header names no origin or recorded",
    ]
