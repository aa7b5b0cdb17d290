"""Kernel log lines tied to the physical disk and pool member, on the lab's recordings
(zpool status and udev dumps of real OpenZFS VMs) and public kernel log lines."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from nodewatch import replay
from nodewatch.config import DiagnoseSettings
from nodewatch.diagnose import diagnose
from nodewatch.model import Finding, Severity

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
LAB = FIXTURES / "lab"
LOGS = FIXTURES / "kernel-log"


def _findings(kernel_log: str, udev_db: Path | None, zpool_status: Path | None = None) -> list[Finding]:
    snapshot = replay.snapshot_from_outputs(
        zpool_status.read_text() if zpool_status else None,
        udev_db=udev_db.read_text() if udev_db else None,
        kernel_log=(LOGS / kernel_log).read_text() if "/" not in kernel_log else Path(kernel_log).read_text(),
    )
    return [
        f for f in diagnose(snapshot, DiagnoseSettings()).findings if f.code.startswith(("kernel-", "under-"))
    ]


def test_a_usb_disconnect_is_tied_through_its_port_to_the_disk_behind_the_bridge():
    zoo = LAB / "disks-zoo" / "zfs23"
    [finding] = _findings(str(zoo / "03-hotplugged-dmesg.txt"), zoo / "01-boot-udevadm-export-db.txt")
    # The lab detached it once, with no reset or error around it: what unplugging looks like,
    # shown (information), no alarm.
    assert finding.code == "kernel-link-resets" and finding.severity is Severity.INFO
    assert finding.summary.startswith("sde (WDC WD40EFZX-68AWUN0 behind a QEMU bridge, port 2-1) dropped off")
    assert "what unplugging it looks like" in finding.detail
    assert finding.disk is not None and finding.disk.devnode == "/dev/sde"
    assert "usb-storage.quirks" not in finding.detail  # a usb-storage bridge: no UAS to turn off


def test_a_uas_bridge_gets_its_own_quirk_and_the_nixos_form():
    zoo = LAB / "disks-zoo" / "zfs23"
    [finding] = _findings("SYNTHETIC-lab-disks-zoo-sda-uas-resets.txt", zoo / "01-boot-udevadm-export-db.txt")
    assert finding.summary == (
        "sda (Samsung PSSD T7 behind a QEMU bridge, port 2-3) was reset 2 times"
        " and had 2 commands aborted (UAS)"
    )
    assert "`usb-storage.quirks=46f4:0003:u`" in finding.detail
    assert '`boot.kernelParams = [ "usb-storage.quirks=46f4:0003:u" ];`' in finding.detail
    assert finding.severity is Severity.WARNING and finding.pool is None


def test_an_erring_sata_member_whose_link_resets_is_critical_and_blamed_on_the_link():
    lab = LAB / "checksum-faulted" / "zfs23"
    [finding] = _findings(
        "SYNTHETIC-lab-checksum-faulted-ata2-link-resets.txt",
        lab / "01-healthy-udevadm-export-db.txt",
        lab / "02-cksum-after-scrub-zpool-status-Pv.txt",
    )
    assert finding.severity is Severity.CRITICAL and finding.pool == "tank"
    assert finding.summary.startswith("sdb (WDC WD40EFZX-68AWUN0, port ata2) was reset once")
    assert "44 checksum errors" in finding.detail and "the link, not the drive" in finding.detail
    assert "data cable" in finding.detail
    assert [a.command for a in finding.actions] == [
        "zpool clear tank wwn-0x50014ee26a782728",
        "zpool scrub tank",
    ]


def test_the_seed_members_usb_link_with_under_voltage_is_said_in_one_finding():
    lab = LAB / "seed-usb-reattach" / "zfs23"
    findings = _findings(
        "SYNTHETIC-lab-seed-usb-sdc-uas-resets-under-voltage.txt",
        lab / "02-degraded-udevadm-export-db.txt",
        lab / "02-degraded-zpool-status-Pv.txt",
    )
    assert [f.code for f in findings] == ["kernel-link-resets"]  # no separate under-voltage finding
    [finding] = findings
    assert "under-voltage was reported 2 times" in finding.summary
    assert finding.pool == "bigdata" and finding.vdev_guid is not None
    assert finding.severity is Severity.CRITICAL  # the member is UNAVAIL
    assert finding.actions == ()  # an UNAVAIL member is not cleared: member-present-elsewhere says what to do


def test_under_voltage_alone_and_events_without_an_inventory():
    findings = _findings("dietpi-3225-firmware-under-voltage.txt", None)
    assert [(f.code, f.severity) for f in findings] == [("under-voltage", Severity.WARNING)]
    assert findings[0].summary == "under-voltage was reported 3 times in the kernel log"
    findings = _findings("openzfs-10094-ata-link-reset-io-error-zio.txt", None)
    assert sorted((f.code, f.summary.split()[0]) for f in findings) == [
        ("kernel-io-errors", "/dev/mapper/slot6crypt"),
        ("kernel-io-errors", "sdf"),
        ("kernel-link-resets", "ata8"),
    ]
    assert next(f for f in findings if f.summary.startswith("/dev/mapper")).pool == "dpool"
    assert len({f.key for f in findings}) == 3  # each kernel name keeps a finding of its own
    assert [f.disk.devnode if f.disk else None for f in findings if f.summary.startswith("sdf")] == [
        "/dev/sdf"
    ]


def test_no_kernel_log_no_finding():
    lab = LAB / "checksum-faulted" / "zfs23"
    snapshot = replay.snapshot_from_outputs(
        (lab / "02-cksum-after-scrub-zpool-status-Pv.txt").read_text(),
        udev_db=(lab / "01-healthy-udevadm-export-db.txt").read_text(),
    )
    assert snapshot.kernel_log is None
    assert not [f for f in diagnose(snapshot, DiagnoseSettings()).findings if f.code.startswith("kernel-")]


def test_a_file_that_is_no_kernel_log_is_refused():
    lab = LAB / "checksum-faulted" / "zfs23"
    status = (lab / "02-cksum-after-scrub-zpool-status-Pv.txt").read_text()
    with pytest.raises(replay.ReplayError, match="kernel log: not a `journalctl -k` or `dmesg` output"):
        replay.snapshot_from_outputs(status, kernel_log=status)
    with pytest.raises(replay.ReplayError, match="kernel log: the input is empty"):
        replay.snapshot_from_outputs(status, kernel_log="\n")


def test_a_snapshot_file_keeps_the_kernel_events_and_their_times():
    from nodewatch import serialize

    lab = LAB / "checksum-faulted" / "zfs23"
    snapshot = replay.snapshot_from_outputs(
        (lab / "02-cksum-after-scrub-zpool-status-Pv.txt").read_text(),
        udev_db=(lab / "01-healthy-udevadm-export-db.txt").read_text(),
        kernel_log=(LOGS / "SYNTHETIC-lab-checksum-faulted-ata2-link-resets.txt").read_text()
        + "2026-11-23T09:17:31+0100 lab kernel: usb 2-1: USB disconnect, device number 2\n"
        + "[Mon Nov 23 09:17:31 2026] ata2: hard resetting link\n",
    )
    back = replay.snapshot_from_json(json.dumps(serialize.to_data(snapshot)), "test")
    assert back == snapshot and back.kernel_log is not None and len(back.kernel_log.events) == 6


def test_a_snapshot_written_before_kernel_logs_still_loads():
    data = json.loads(resources.files("nodewatch.demo").joinpath(replay.DEMO).read_text(encoding="utf-8"))
    data.pop("kernel_log", None)
    for disk in data["inventory"]["disks"]:
        disk.pop("sysfs_path", None)
    snapshot = replay.snapshot_from_json(json.dumps(data), "old")
    assert snapshot.kernel_log is None and all(disk.sysfs_path is None for disk in snapshot.disks)


def test_the_cli_replays_a_kernel_log_beside_a_pasted_zpool_status(tmp_path):
    from tests.support.programs import nodewatch

    config = tmp_path / "config.toml"
    config.write_text("")
    lab = LAB / "checksum-faulted" / "zfs23"
    status, udev = lab / "02-cksum-after-scrub-zpool-status-Pv.txt", lab / "01-healthy-udevadm-export-db.txt"
    log = LOGS / "SYNTHETIC-lab-checksum-faulted-ata2-link-resets.txt"
    args = ("diagnose", "--zpool-status", str(status), "--udev-db", str(udev))
    run = nodewatch(*args, "--kernel-log", str(log), config=config)
    assert run.returncode == 2, run.stderr
    assert "sdb (WDC WD40EFZX-68AWUN0, port ata2) was reset once" in run.stdout
    assert "[kernel-link-resets]" in run.stdout
    not_a_log = nodewatch(*args, "--kernel-log", str(udev), config=config)
    assert not_a_log.returncode == 3 and "not a `journalctl -k` or `dmesg` output" in not_a_log.stderr
    alone = nodewatch("diagnose", "--kernel-log", str(log), config=config)
    assert alone.returncode == 3 and "--kernel-log goes with --zpool-status" in alone.stderr
