"""Lab scenario members-blank (tests/e2e/test_members_blank.py), replayed from its recordings.

bigdata: a raidz2 made on wwn- paths; two members came back behind two USB bridges
(serials 0000000000B3, 0000000000B4). tank: a mirror whose member's drive (HGST serial
VAGW2BBB) was wiped whole, beside a new blank HGST (VAGW3CCC). What nodewatch must say
there, and what its first commands did in the guest, is in the e2e test; here the same
recorded steps are replayed through diagnose.
"""

import re

import pytest

from nodewatch import model
from nodewatch.config import DiagnoseSettings
from nodewatch.diagnose import diagnose
from nodewatch.diagnose.context import Context
from nodewatch.diagnose.replacement import unused_disks
from tests.support.recordings import LAB, body, lab_snapshot, step_files

SCENARIO = "members-blank"
FLAVOURS = [f for f in ("zfs23", "zfs21") if (LAB / SCENARIO / f).is_dir()]
BLANK = "/dev/disk/by-id/ata-HGST_HUS726T4TALA6L4_VAGW2BBB"  # the wiped member's drive
NEW = "/dev/disk/by-id/ata-HGST_HUS726T4TALA6L4_VAGW3CCC"  # the new blank disk

pytestmark = pytest.mark.skipif(
    not FLAVOURS, reason="lab recordings of members-blank are not in this checkout"
)


def _unavail(flavour: str, step: str, pool: str) -> list[tuple[int, str]]:
    """(guid, was-path) of the pool's UNAVAIL members, read from the recorded text, not through nodewatch."""
    text = body(step_files(SCENARIO, flavour, step)["zpool-status-Pv.txt"])
    section = text.split(f"pool: {pool}\n", 1)[1].split("\n  pool: ", 1)[0]
    return [(int(g), was) for g, was in re.findall(r"^\s+(\d{6,})\s+UNAVAIL.*was (\S+)$", section, re.M)]


def _findings(report: model.Report, pool: str, code: str) -> list[model.Finding]:
    return [f for f in report.findings if f.pool == pool and f.code == code]


@pytest.mark.parametrize("text_only", [False, True], ids=["as-recorded", "zpool-status-text"])
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_two_moved_members_share_one_first_command_that_restores_both(flavour, text_only):
    report = diagnose(lab_snapshot(SCENARIO, flavour, "02-degraded", text_only=text_only))
    moved = _unavail(flavour, "02-degraded", "bigdata")
    assert len(moved) == 2
    elsewhere = _findings(report, "bigdata", "member-present-elsewhere")
    assert sorted(f.vdev_guid for f in elsewhere) == sorted(guid for guid, _ in moved)
    firsts = {f.actions[0].command for f in elsewhere}
    assert len(firsts) == 1  # the same line on both findings
    (first,) = firsts
    if flavour == "zfs23":  # vdev properties: the pool stays imported
        usb = "/dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_0000000000{}-0:0-part1"
        expected = " && ".join(
            f"zpool set path={usb.format(bridge)} bigdata {guid} && zpool online bigdata {guid}"
            for (guid, _), bridge in zip(moved, ("B3", "B4"), strict=True)
        )
        assert first == expected
        assert (
            elsewhere[0].actions[1].command
            == "zpool export bigdata && zpool import -d /dev/disk/by-id bigdata"
        )
    else:  # 2.1.11: no vdev properties; the re-import finds both by their labels
        assert first == "zpool export bigdata && zpool import -d /dev/disk/by-id bigdata"
        assert not any(a.command.startswith("zpool set path=") for f in elsewhere for a in f.actions)
    for finding in elsewhere:
        assert "All 2 members of bigdata" in finding.actions[0].why
        assert "run it once" in finding.actions[0].why
        other = next(guid for guid, _ in moved if guid != finding.vdev_guid)
        assert f"{other} (as usb-WDC_WD40EFZX-68AWUN0_" in finding.detail
        assert "restores them all at once" in finding.detail
        # the last resort stays per member
        assert finding.actions[-1].destructive
        assert str(finding.vdev_guid) in finding.actions[-1].command
        assert str(other) not in finding.actions[-1].command


@pytest.mark.parametrize("text_only", [False, True], ids=["as-recorded", "zpool-status-text"])
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_blank_drive_in_its_slot_ranks_the_new_disk_then_smart_then_reuse(flavour, text_only):
    report = diagnose(lab_snapshot(SCENARIO, flavour, "02-degraded", text_only=text_only))
    ((guid, was),) = _unavail(flavour, "02-degraded", "tank")
    assert was == "/dev/disk/by-id/wwn-0x5000cca0b0a00007-part1"
    (finding,) = _findings(report, "tank", "member-label-lost")
    assert finding.vdev_guid == guid
    assert finding.disk.serial == "VAGW2BBB"
    commands = [a.command for a in finding.actions]
    assert commands == [
        f"zpool replace tank {guid} {NEW}",
        f"smartctl -x {BLANK}",
        f"zpool offline tank {guid} && zpool replace tank {guid} {BLANK}",
    ]
    assert "may be failing" in finding.detail and "SMART" in finding.detail
    assert "SMART report" in finding.actions[2].check_first
    assert "Device or resource busy" in finding.actions[2].why  # what to do if ZFS refuses it
    assert not any(a.destructive for a in finding.actions)  # nothing here is a last resort
    assert report.exit_status == 2


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_blank_drive_of_a_lost_member_is_never_an_unused_disk_for_another(flavour):
    context = Context.build(lab_snapshot(SCENARIO, flavour, "02-degraded"), DiagnoseSettings())
    unused = {candidate.path for candidate in unused_disks(context)}
    assert unused == {NEW}  # the wiped drive (serial VAGW2BBB, tank's lost member) is left out


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_member_blank_again_offers_the_other_blank_drive_first_and_reuse_after_smart(flavour):
    report = diagnose(lab_snapshot(SCENARIO, flavour, "04-blank-again"))
    ((guid, was),) = _unavail(flavour, "04-blank-again", "tank")
    assert was == NEW + "-part1"  # the member now on the disk that was new
    (finding,) = _findings(report, "tank", "member-label-lost")
    assert [a.command for a in finding.actions] == [
        f"zpool replace tank {guid} {BLANK}",
        f"smartctl -x {NEW}",
        f"zpool offline tank {guid} && zpool replace tank {guid} {NEW}",
    ]


FIXED_STEPS = [
    (flavour, step)
    for flavour in FLAVOURS
    for step in ("01-healthy", "03-after-first-commands", "05-reused")
    if step_files(SCENARIO, flavour, step)  # 05 exists once the reuse command has run in the guest
]


@pytest.mark.parametrize(("flavour", "step"), FIXED_STEPS)
def test_healthy_and_fixed_pools_need_no_attention(flavour, step):
    report = diagnose(lab_snapshot(SCENARIO, flavour, step))
    assert {pool.name: pool.state for pool in report.snapshot.pools} == {
        "bigdata": "ONLINE",
        "tank": "ONLINE",
    }
    for finding in report.findings:
        if finding.severity < model.Severity.WARNING:
            continue
        # Seen on 2.1.11 (one run of two): the re-import left one checksum error on each moved
        # member; nodewatch says so and offers `zpool clear` first. Nothing else may be raised.
        assert finding.code == "member-errors", finding
        assert finding.severity is model.Severity.WARNING
        assert finding.actions[0].command.startswith("zpool clear bigdata ")
