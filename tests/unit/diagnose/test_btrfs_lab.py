"""The btrfs rule on the lab's recordings (tests/fixtures/lab/btrfs/zfs23/, recorded by
tests/e2e/test_btrfs.py on Debian 12: kernel 6.1, btrfs-progs 6.2): what nodewatch says at
each step of a real SD card and a real 2-device RAID1, from the four outputs it reads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from nodewatch.config import DiagnoseSettings
from nodewatch.diagnose import diagnose
from nodewatch.model import BtrfsFilesystem, Snapshot
from nodewatch.parse.btrfs import filesystem_from_outputs
from tests.support.recordings import body, header

LAB = Path(__file__).resolve().parents[2] / "fixtures" / "lab" / "btrfs" / "zfs23"
MOUNTPOINTS = {"card": "/mnt/card", "pair": "/mnt/pair"}


def recorded(step: str) -> tuple[BtrfsFilesystem, ...]:
    found = []
    for name, mountpoint in MOUNTPOINTS.items():
        files = {
            what: next(iter(LAB.glob(f"??-{step}-{name}-{what}.txt")), None)
            for what in ("show", "stats", "scrub", "usage")
        }
        if files["show"] is None:
            continue
        outputs = {what: body(path) if path else None for what, path in files.items() if what != "show"}
        fs = filesystem_from_outputs(mountpoint, body(files["show"]), **outputs)
        assert fs is not None, files["show"]
        found.append(fs)
    return tuple(found)


def codes_at(step: str) -> dict[str, list[str]]:
    date = header(next(LAB.glob(f"??-{step}-*-show.txt")))["recorded"].split()[0]
    now = datetime.fromisoformat(date).replace(tzinfo=UTC)
    snapshot = Snapshot(
        hostname="lab", collected_at=now, local_time=now.replace(tzinfo=None), btrfs=recorded(step)
    )
    out: dict[str, list[str]] = {name: [] for name in MOUNTPOINTS}
    for finding in diagnose(snapshot, DiagnoseSettings()).findings:
        for name, mountpoint in MOUNTPOINTS.items():
            if finding.filesystem == mountpoint:
                out[name].append(finding.code)
    return out


@pytest.mark.parametrize(
    ("step", "card", "pair"),
    [
        ("made", ["btrfs-metadata-single", "btrfs-scrub-never"], ["btrfs-scrub-never"]),
        ("scrubbed", ["btrfs-scrub-uncorrectable", "btrfs-device-errors"], ["btrfs-device-errors"]),
        ("fixed", [], []),
        ("pulled", [], ["btrfs-device-missing", "btrfs-device-errors"]),
        ("plugged-back", [], ["btrfs-device-missing", "btrfs-device-errors"]),
        ("resynced", [], ["btrfs-scrub-repaired"]),
    ],
)
def test_what_nodewatch_says_at_each_lab_step(step, card, pair):
    assert codes_at(step) == {"card": card, "pair": pair}


def test_the_pulled_device_is_missing_and_its_missed_writes_counted():
    [_card, pair] = recorded("pulled")
    [first, second] = pair.devices
    assert not first.missing and second.missing and second.path == "/dev/vdc" and second.size == 0
    assert second.errors is not None and second.errors.write_io > 0
    assert pair.usage is not None and {a.profile for a in pair.usage.allocations} == {"RAID1"}


def test_the_card_after_the_lost_block_names_the_scrub_and_the_device():
    [card, _pair] = recorded("scrubbed")
    assert card.scrub is not None and card.scrub.uncorrectable == card.scrub.errors["csum"] > 0
    [device] = card.devices
    assert device.path == "/dev/mmcblk0" and device.errors is not None and device.errors.corruption > 0
    assert card.usage is not None and {(a.kind, a.profile) for a in card.usage.allocations} >= {
        ("Data", "single"),
        ("Metadata", "DUP"),
    }
