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
    """…or, for a lab output found unchanged since an earlier step, names the file holding
    its bytes (tests/e2e/lab/record.py)."""
    orphans = [
        path
        for path in FIXTURES.rglob("*.source")
        if not path.with_name(path.name[: -len(".source")]).is_file()
        and not path.with_name(provenance(path.with_suffix(""))[0].get("unchanged", "/")).is_file()
    ]
    assert orphans == []


def test_the_lab_keeps_unchanged_outputs_once():
    """No two recordings of one scenario and flavour hold the same bytes: the recorder writes
    an unchanged output's header only, and every such header names a file that holds them."""
    seen: dict[tuple[Path, bytes], Path] = {}
    for path in sorted((FIXTURES / "lab").rglob("*.json")):
        earlier = seen.setdefault((path.parent, path.read_bytes()), path)
        assert earlier == path, f"{path.name} repeats {earlier.name}"
    references = [
        path for path in (FIXTURES / "lab").rglob("*.json.source") if not path.with_suffix("").exists()
    ]
    assert references, "the lab's unchanged outputs (disks-zoo, sdx-renumbered) are referenced"
    for source in references:
        keys, problems = provenance(source.with_suffix(""))
        assert problems == [] and (source.parent / keys["unchanged"]).is_file(), source


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


def test_the_recorder_writes_an_unchanged_output_once_and_the_loader_reads_through(tmp_path):
    from tests.e2e.lab.agent import Result
    from tests.e2e.lab.record import Recorder
    from tests.support.recordings import body, header

    recorder = Recorder("zoo", "zfs23", enabled=True, root=tmp_path)
    status = '{"pools": {}}\n'
    for step, out in (("boot", status), ("unplugged", status), ("hotplugged", '{"pools": {"tank": {}}}\n')):
        recorder.next_step()
        recorder.save(step, "zpool-status-j", Result("zpool status -j", 0, out, "", 0.1), json_output=True)
    directory = tmp_path / "zoo" / "zfs23"
    assert sorted(path.name for path in directory.iterdir()) == [
        "01-boot-zpool-status-j.json",
        "01-boot-zpool-status-j.json.source",
        "02-unplugged-zpool-status-j.json.source",
        "03-hotplugged-zpool-status-j.json",
        "03-hotplugged-zpool-status-j.json.source",
    ]
    unchanged = directory / "02-unplugged-zpool-status-j.json"
    assert header(unchanged)["unchanged"] == "01-boot-zpool-status-j.json"
    assert header(unchanged)["scenario"] == "zoo (flavour zfs23), step unplugged"
    assert body(unchanged) == status
    assert body(directory / "03-hotplugged-zpool-status-j.json") != status
