"""Golden outputs: what a user reads at every recorded lab step, committed, so a change shows in review.

For each step of tests/fixtures/lab/<scenario>/<flavour>/ that recorded a
`zpool status`, the step is replayed (tests/support/recordings.py, clock pinned to the
recording day) and four outputs are compared with tests/golden/<scenario>/<flavour>/:

    <step>.diagnose.txt   `nodewatch diagnose --from <the step as a snapshot>`
    <step>.diagnose.json  the same with --json
    <step>.pools.txt      `nodewatch pools` of the step's pools
    <step>.disks.txt      `nodewatch disks` of the step's inventory (with its SMART)

A step that recorded only the udev database (the disk zoo) gets
`<step>.disks.txt` and `<step>.disks.json` of `nodewatch disks --udev-db`.

When a change of words or JSON is intended, regenerate and review the diff:

    NODEWATCH_UPDATE_GOLDEN=1 PYTHONPATH=$PWD python3 -m pytest -q -p no:cacheprovider \\
        tests/unit/present/test_golden_outputs.py
    git diff tests/golden/
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import pytest

from nodewatch import cli
from nodewatch.cli import disks as disks_cli
from nodewatch.cli import pools as pools_cli
from nodewatch.serialize import to_data
from tests.support.recordings import LAB, lab_snapshot

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
UPDATE = os.environ.get("NODEWATCH_UPDATE_GOLDEN") == "1"
_STATUS = "-zpool-status-Pv.txt"
_UDEV = "-udevadm-export-db.txt"


def _steps() -> list[tuple[str, str, str, bool]]:
    """(scenario, flavour, step, has_pools) for every recorded step."""
    steps = []
    for directory in sorted(path for path in LAB.glob("*/*") if path.is_dir()):
        names = {path.name for path in directory.iterdir()}
        pool_steps = {name.removesuffix(_STATUS) for name in names if name.endswith(_STATUS)}
        disk_steps = {name.removesuffix(_UDEV) for name in names if name.endswith(_UDEV)} - pool_steps
        for step in sorted(pool_steps | disk_steps):
            steps.append((directory.parent.name, directory.name, step, step in pool_steps))
    return steps


STEPS = _steps()


def _outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], step: tuple[str, str, str, bool]
) -> dict[str, str]:
    scenario, flavour, name, has_pools = step
    config = tmp_path / "empty.toml"  # defaults, whatever /etc/nodewatch says on this machine
    config.write_text("")

    def run(*argv: str) -> str:
        cli.main(["--config", str(config), *argv])
        captured = capsys.readouterr()
        assert not captured.err, captured.err
        return captured.out

    if not has_pools:
        udev = str(LAB / scenario / flavour / f"{name}{_UDEV}")
        return {
            "disks.txt": run("disks", "--udev-db", udev),
            "disks.json": run("disks", "--json", "--udev-db", udev),
        }
    snapshot = lab_snapshot(scenario, flavour, name)
    snapshot_file = tmp_path / "snapshot.json"
    snapshot_file.write_text(json.dumps(to_data(snapshot)))
    assert snapshot.pool_status is not None and snapshot.inventory is not None
    return {
        "diagnose.txt": run("diagnose", "--from", str(snapshot_file)),
        "diagnose.json": run("diagnose", "--json", "--from", str(snapshot_file)),
        "pools.txt": pools_cli.render(snapshot.pool_status),
        "disks.txt": disks_cli.render(snapshot.inventory, list(snapshot.probes)),
    }


@pytest.mark.parametrize("step", STEPS, ids=lambda step: "/".join(step[:3]))
def test_what_users_read_at_each_lab_step_is_the_committed_golden(
    step: tuple[str, str, str, bool], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = GOLDEN / step[0] / step[1]
    differ: list[str] = []
    for suffix, text in _outputs(tmp_path, capsys, step).items():
        path = directory / f"{step[2]}.{suffix}"
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            continue
        golden = path.read_text(encoding="utf-8") if path.is_file() else ""
        if golden != text:
            name = str(path.relative_to(GOLDEN.parent.parent))
            diff = difflib.unified_diff(golden.splitlines(), text.splitlines(), name, "now", lineterm="")
            differ.append("\n".join(list(diff)[:40]))
    assert not differ, "\n".join([*differ, "if intended, regenerate (see this module's docstring)"])


def test_no_golden_is_left_without_its_lab_step() -> None:
    expected = {GOLDEN / scenario / flavour for scenario, flavour, _step, _pools in STEPS}
    steps = {(GOLDEN / scenario / flavour, step) for scenario, flavour, step, _pools in STEPS}
    orphans = [
        path
        for path in sorted(GOLDEN.rglob("*.*"))
        if path.parent != GOLDEN
        and (path.parent not in expected or (path.parent, path.name.split(".", 1)[0]) not in steps)
    ]
    if UPDATE:
        for path in orphans:
            path.unlink()
        return
    assert not orphans, f"golden outputs of lab steps that no longer exist: {orphans}"
