"""Lab scenarios replayed from the real OpenZFS recordings; first the seed story (shared/DESIGN.md).

A 3-disk raidz1 made on wwn- paths; the third disk comes back behind a USB
bridge (QEMU usb-bot, serial 000000123AE8) that hides its WWN. nodewatch must
name that USB disk as the missing member and put first the fix the lab proved:
`zpool set path=<its usb- -part1> bigdata <guid> && zpool online bigdata <guid>`.
"""

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nodewatch import model
from nodewatch.diagnose import diagnose
from tests.support.recordings import LAB, body, lab_snapshot, step_files

SEED = ("seed-usb-reattach", "zfs23")
USB_PART = "/dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0-part1"

pytestmark = pytest.mark.skipif(
    not (LAB / SEED[0] / SEED[1]).is_dir(), reason="lab recordings of the seed story are not in this checkout"
)


def _missing_guid() -> int:
    """The UNAVAIL member's guid, read straight from the recorded text (not through nodewatch)."""
    text = body(step_files(*SEED, "02-degraded")["zpool-status-Pv.txt"])
    return int(re.search(r"^\s+(\d{6,})\s+UNAVAIL", text, re.M)[1])


@pytest.mark.parametrize("text_only", [False, True], ids=["zpool-status-j", "zpool-status-text"])
def test_degraded_seed_names_the_usb_disk_and_repaths_it_first(text_only):
    guid = _missing_guid()
    report = diagnose(lab_snapshot(*SEED, "02-degraded", text_only=text_only))

    first = report.findings[0]
    assert first.code == "member-present-elsewhere"
    assert first.severity is model.Severity.CRITICAL  # raidz1 with one member gone has no redundancy left
    assert first.pool == "bigdata"
    assert first.disk.devnode == "/dev/sdc"
    assert first.disk.transport is model.Transport.USB
    assert first.disk.model == "WDC WD40EFZX-68AWUN0"
    assert first.actions[0].command == (
        f"zpool set path={USB_PART} bigdata {guid} && zpool online bigdata {guid}"
    )
    assert first.actions[1].command == "zpool export bigdata && zpool import -d /dev/disk/by-id bigdata"
    assert first.actions[-1].destructive and not any(a.destructive for a in first.actions[:-1])
    assert report.exit_status == 2


def test_degraded_seed_answers_the_owners_question_in_words():
    detail = diagnose(lab_snapshot(*SEED, "02-degraded")).findings[0].detail
    assert "behind a USB bridge" in detail
    assert "wwn-0x50014ee21522fca7 link vanished because the bridge does not pass the drive's WWN" in detail
    assert "The other members (/dev/sda, /dev/sdb) are on a SATA port" in detail
    assert "ata-WDC_WD40EFZX-68AWUN0_WD-WX12D000FCA7-part1" in detail  # the drive ZFS remembers
    assert "is part of active pool" in detail  # why ZFS's own advice is wrong here


def test_on_openzfs_older_than_2_2_export_and_import_comes_first():
    snapshot = dataclasses.replace(lab_snapshot(*SEED, "02-degraded"), zfs_version="2.1.11")
    actions = diagnose(snapshot).findings[0].actions
    assert actions[0].command == "zpool export bigdata && zpool import -d /dev/disk/by-id bigdata"
    assert not any(a.command.startswith("zpool set path=") for a in actions)  # no vdev properties before 2.2


def test_a_root_pool_is_not_offered_a_live_export():
    snapshot = dataclasses.replace(
        lab_snapshot(*SEED, "02-degraded"), mounts=(model.Mount("bigdata/root", "/", "zfs"),)
    )
    actions = diagnose(snapshot).findings[0].actions
    assert actions[0].command.startswith("zpool set path=")
    assert "rescue system" in actions[1].check_first


@pytest.mark.parametrize("step", ["01-healthy", "03-after-fix"])
def test_healthy_and_fixed_pool_need_no_attention(step):
    report = diagnose(lab_snapshot(*SEED, step))
    assert [f.code for f in report.findings if f.severity >= model.Severity.WARNING] == []
    assert report.exit_status == 0


def test_cli_diagnoses_pasted_outputs_from_another_machine(tmp_path):
    files = step_files(*SEED, "02-degraded")
    status = tmp_path / "status.json"
    status.write_text(body(files["zpool-status-j.json"]))
    udev = tmp_path / "udev.txt"
    udev.write_text(body(files["udevadm-export-db.txt"]))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nodewatch",
            "diagnose",
            "--json",
            "--zpool-status",
            str(status),
            "--udev-db",
            str(udev),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.returncode == 2, result.stderr
    document = json.loads(result.stdout)
    assert document["schema"] == 1
    first = document["findings"][0]
    assert first["code"] == "member-present-elsewhere"
    assert first["vdev_guid"] == str(_missing_guid())  # guids are strings in JSON
    assert first["actions"][0]["command"].startswith(f"zpool set path={USB_PART} bigdata ")


# ─── lab scenario 2: a disk pulled while the pool is imported, then re-plugged ───

REMOVED = ("removed-replug", "zfs23")


@pytest.mark.skipif(not (LAB / REMOVED[0] / REMOVED[1]).is_dir(), reason="removed-replug not recorded")
def test_pulled_disk_is_brought_back_with_online_before_any_replace():
    report = diagnose(lab_snapshot(*REMOVED, "02-removed"))
    first = report.findings[0]
    assert (first.code, first.severity) == ("member-missing", model.Severity.CRITICAL)
    guid = first.vdev_guid
    assert first.actions[0].command == f"zpool online tank {guid}"
    assert "reconnect" in first.actions[0].why.lower()
    assert first.actions[1].command.startswith(f"zpool replace tank {guid} ")


@pytest.mark.skipif(not (LAB / REMOVED[0] / REMOVED[1]).is_dir(), reason="removed-replug not recorded")
def test_replugged_disk_that_zed_brought_back_needs_nothing():
    report = diagnose(lab_snapshot(*REMOVED, "03-replugged"))
    assert report.exit_status == 0, [f.code for f in report.findings]


# ─── lab scenario 3: checksum errors found by a scrub, then a member faulted by I/O errors ───

CHECKSUM = ("checksum-faulted", "zfs23")
needs_checksum = pytest.mark.skipif(not (LAB / CHECKSUM[0] / CHECKSUM[1]).is_dir(), reason="not recorded")


@needs_checksum
def test_checksum_errors_found_by_a_scrub_are_cleared_then_verified():
    report = diagnose(lab_snapshot(*CHECKSUM, "02-cksum-after-scrub"))
    first = report.findings[0]
    assert (first.code, first.severity) == ("member-errors", model.Severity.WARNING)
    assert [a.command for a in first.actions] == [f"zpool clear tank {first.vdev_guid}", "zpool scrub tank"]
    assert "checksum" in first.summary and report.exit_status == 1


@needs_checksum
def test_member_faulted_by_io_errors_is_cleared_and_onlined_before_replacement():
    report = diagnose(lab_snapshot(*CHECKSUM, "03-faulted-too-many-errors"))
    first = report.findings[0]
    assert (first.code, first.severity) == ("member-faulted", model.Severity.CRITICAL)
    assert "too many errors" in first.summary
    guid = first.vdev_guid
    assert first.actions[0].command == f"zpool clear tank {guid} && zpool online tank {guid}"
    assert any(a.command.startswith(f"zpool replace tank {guid} ") for a in first.actions[1:])


@needs_checksum
def test_after_clearing_the_fault_the_pool_needs_nothing():
    assert diagnose(lab_snapshot(*CHECKSUM, "04-after-fix")).exit_status == 0


# ─── lab scenario 4: a member gone for good, a new blank disk put in ───

GONE = ("gone-replace", "zfs23")


@pytest.mark.skipif(not (LAB / GONE[0] / GONE[1]).is_dir(), reason="gone-replace not recorded")
def test_gone_member_is_replaced_onto_the_new_blank_disk_first():
    report = diagnose(lab_snapshot(*GONE, "02-missing-new-blank"))
    first = report.findings[0]
    assert (first.code, first.severity) == ("member-missing", model.Severity.CRITICAL)
    new_disk = next(
        d for d in report.snapshot.disks if d.transport is model.Transport.SATA and not d.partitions
    )
    assert first.actions[0].command == (
        f"zpool replace tank {first.vdev_guid} /dev/disk/by-id/{new_disk.preferred_by_id().name}"
    )
    assert new_disk.preferred_by_id().name.startswith("ata-")  # the drive's name, not wwn- or a bay
    assert first.actions[1].command == f"zpool online tank {first.vdev_guid}"
    # The new disk is the same model but another serial: no "perhaps the same drive" hint.
    assert not any("perhaps the same drive" in line for line in first.evidence)


# ─── lab scenario 5: a mirror whose hot spare kicked in ───

SPARE = ("mirror-spare", "zfs23")


@pytest.mark.skipif(not (LAB / SPARE[0] / SPARE[1]).is_dir(), reason="mirror-spare not recorded")
def test_spare_in_use_brings_the_original_back_first():
    report = diagnose(lab_snapshot(*SPARE, "02-spare-in-use"))
    first = report.findings[0]
    assert (first.code, first.severity) == (
        "spare-in-use",
        model.Severity.WARNING,
    )  # the spare keeps redundancy
    guid = first.vdev_guid
    assert first.actions[0].command == f"zpool clear tank {guid} && zpool online tank {guid}"
    assert first.actions[-1].command == f"zpool detach tank {guid}"
    assert diagnose(lab_snapshot(*SPARE, "03-after-fix")).exit_status == 0


# ─── lab scenario 7: a single-disk pool on a USB stick that was pulled ───

STICK = ("usb-stick-suspended", "zfs23")


@pytest.mark.skipif(not (LAB / STICK[0] / STICK[1]).is_dir(), reason="usb-stick-suspended not recorded")
def test_suspended_pool_names_the_stick_that_fell_off_and_says_clear():
    report = diagnose(lab_snapshot(*STICK, "02-suspended"))
    # OpenZFS 2.3.2 counts 8 data errors in the suspended pool (`error_count` in -j): said too.
    assert [f.code for f in report.findings if f.severity >= model.Severity.WARNING] == [
        "pool-suspended",
        "pool-data-errors",
    ]
    first = report.findings[0]
    assert first.actions[0].command == "zpool clear usbpool"
    assert any(line.startswith("not on the node now: /dev/disk/by-id/usb-QEMU") for line in first.evidence)
    assert diagnose(lab_snapshot(*STICK, "03-after-replug-clear")).exit_status == 0


# ─── lab scenario 6: the seed story on OpenZFS 2.1 (text only, no vdev properties) ───

SEED_21 = ("seed-usb-reattach", "zfs21")


@pytest.mark.skipif(not (LAB / SEED_21[0] / SEED_21[1]).is_dir(), reason="seed story on 2.1 not recorded")
def test_seed_on_openzfs_2_1_is_fixed_by_export_and_import_first():
    snapshot = lab_snapshot(*SEED_21, "02-degraded")
    assert (snapshot.zfs_version, snapshot.pool_status.source) == ("2.1.11", model.PoolSource.TEXT)
    first = diagnose(snapshot).findings[0]
    assert first.code == "member-present-elsewhere"
    assert first.disk.devnode == "/dev/sdc" and first.disk.transport is model.Transport.USB
    assert first.actions[0].command == "zpool export bigdata && zpool import -d /dev/disk/by-id bigdata"
    assert first.actions[-1].destructive
    assert not any(a.command.startswith("zpool set path=") for a in first.actions)


STICK_21 = ("usb-stick-suspended", "zfs21")


@pytest.mark.skipif(not (LAB / STICK_21[0] / STICK_21[1]).is_dir(), reason="scenario 7 on 2.1 not recorded")
def test_pulled_stick_that_did_not_suspend_the_pool_is_said_to_be_gone():
    # OpenZFS 2.1 in the lab: the pool stays ONLINE with climbing WRITE errors and 8A.
    report = diagnose(lab_snapshot(*STICK_21, "02-pulled-not-suspended"))
    codes = [f.code for f in report.findings if f.severity is model.Severity.CRITICAL]
    assert codes == ["pool-data-errors", "member-missing"]  # its device is gone: the member is missing
    erring = report.findings[1]
    assert "its device is gone from the node" in erring.summary
    assert "Reconnect it first" in erring.detail
    assert "connected again" in erring.actions[0].check_first
