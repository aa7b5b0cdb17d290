"""The lab's shared-serial scenario replayed (issue 15, part 1; tests/e2e/test_shared_serial.py).

A raidz2 of two SATA disks and two USB disks; the USB disks come back behind two
bridges that both report the serial 000000000000 and the pool is imported from
its cache file, the two members UNAVAIL. Both disks claim
`usb-WDC_WD40EFZX-68AWUN0_000000000000-0:0` and its `-part1`. Recorded on OpenZFS
2.3.2 and 2.1.11: the udev database lists the names for both disks,
/run/udev/links/ holds both claimants, and only one disk's partition is reachable
through /dev/disk/by-id.
"""

from __future__ import annotations

import re
import shlex

import pytest

from nodewatch.diagnose import diagnose
from nodewatch.model import Finding, Report, Severity
from tests.support.recordings import LAB, body, lab_snapshot, step_files

SCENARIO = "shared-serial"
FLAVOURS = [
    flavour
    for flavour in ("zfs23", "zfs21")
    if (LAB / SCENARIO / flavour / "03-fixed-zpool-status-Pv.txt").exists()
]
SHARED = "usb-WDC_WD40EFZX-68AWUN0_000000000000-0:0"

pytestmark = pytest.mark.skipif(
    not FLAVOURS, reason="lab recordings of shared-serial are not in this checkout"
)


def _report(flavour: str, step: str = "02-collided") -> Report:
    return diagnose(lab_snapshot(SCENARIO, flavour, step))


def _moved(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.code == "member-present-elsewhere"]


def _unavail_guids(flavour: str) -> list[int]:
    """The UNAVAIL members' guids, read from the recorded text (not through nodewatch)."""
    text = body(step_files(SCENARIO, flavour, "02-collided")["zpool-status-Pv.txt"])
    return sorted(int(guid) for guid in re.findall(r"^\s+(\d{6,})\s+UNAVAIL", text, re.M))


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_recording_shows_two_claimants_and_one_disk_unreachable_by_id(flavour):
    files = step_files(SCENARIO, flavour, "02-collided")
    claimants: dict[str, list[str]] = {}  # /run/udev/links/<name>: the devices claiming it
    for line in body(files["udev-link-claimants.txt"]).splitlines():
        if line.startswith("/run/udev/links/"):
            name, first = line.split(": ", 1)
            current = claimants.setdefault(name.rsplit("\\x2f", 1)[-1], [first])
        elif line.strip():
            current.append(line.strip())
    assert len(claimants[SHARED]) == 2 and len(claimants[f"{SHARED}-part1"]) == 2, claimants
    links = body(files["links.txt"])
    assert links.count(f"{SHARED}-part1 ->") == 1, links  # one link for the two partitions


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_inventory_knows_both_disks_claim_the_same_names(flavour):
    snapshot = lab_snapshot(SCENARIO, flavour, "02-collided")
    claiming = [disk for disk in snapshot.disks if any(link.name == SHARED for link in disk.by_id)]
    assert len(claiming) == 2
    first, second = claiming
    assert next(link for link in first.by_id if link.name == SHARED).shared_with == (second.devnode,)
    for disk in claiming:
        assert disk.preferred_by_id() is None  # no name of its own to type
        part = disk.partitions[0]
        assert all(link.shared for link in part.by_id) and part.by_partuuid
        assert any(f"{SHARED} is claimed by" in warning for warning in disk.warnings)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_both_members_are_named_by_their_own_partition_uuid_never_by_the_shared_name(flavour):
    report = _report(flavour)
    moved = _moved(report)
    assert len(_unavail_guids(flavour)) == 2
    assert sorted(int(f.vdev_guid) for f in moved) == _unavail_guids(flavour)
    assert report.exit_status == 2 or all(f.severity is not Severity.CRITICAL for f in moved)
    pointed: dict[str, set[str]] = {}
    for finding in report.findings:
        assert SHARED not in finding.summary
        for action in finding.actions:
            assert "000000000000" not in action.command, action.command
            for part in action.command.split(" && "):
                words = shlex.split(part)
                if words[:2] == ["zpool", "set"]:
                    pointed.setdefault(words[2], set()).add(words[4])
                    assert words[2].startswith("path=/dev/disk/by-partuuid/")
                if words[:2] == ["zpool", "import"]:
                    assert "/dev/disk/by-id" not in words, part  # a by-id scan misses one of them
                if words[:2] == ["zpool", "labelclear"]:
                    assert action.destructive and words[-1].startswith("/dev/disk/by-partuuid/")
    assert all(len(guids) == 1 for guids in pointed.values()), pointed
    for finding in moved:
        assert f"{SHARED}-part1 is claimed by" in finding.detail
        assert "here it is /dev/disk/by-partuuid/" in finding.detail
        # Nothing before that explanation gives the shared name as the disk's name now.
        before, _ = finding.detail.split(f"{SHARED}-part1 is claimed by")
        assert "000000000000" not in before, before
        assert "It is now reachable as /dev/disk/by-partuuid/" in before


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_export_and_import_names_all_four_members(flavour):
    snapshot = lab_snapshot(SCENARIO, flavour, "02-collided")
    report = diagnose(snapshot)
    imports = {a.command for f in _moved(report) for a in f.actions if a.command.startswith("zpool export")}
    assert len(imports) == 1
    words = shlex.split(imports.pop().split(" && ")[1])
    searched = words[words.index("import") + 1 : -1]
    assert searched[::2] == ["-d"] * 4 and words[-1] == "bigdata"
    devices = searched[1::2]
    assert sum(d.startswith("/dev/disk/by-partuuid/") for d in devices) == 2
    assert sum(d.startswith("/dev/disk/by-id/ata-") for d in devices) == 2  # the SATA members: their own


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_after_the_fix_the_pool_is_whole_on_partition_uuids(flavour):
    report = _report(flavour, "03-fixed")
    assert not [f for f in report.findings if f.severity is Severity.CRITICAL]
    paths = body(step_files(SCENARIO, flavour, "03-fixed")["zpool-status-Pv.txt"])
    assert "000000000000" not in paths and paths.count("/dev/disk/by-partuuid/") == 2, paths
