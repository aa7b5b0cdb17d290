"""`nodewatch disks`: replay paths, JSON shape, and this machine's live answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nodewatch import cli
from nodewatch.cli import disks as module
from nodewatch.model import Inventory

FIXTURES = Path(__file__).parents[2] / "fixtures"
ZOO = FIXTURES / "lab" / "disks-zoo" / "zfs23" / "01-boot-udevadm-export-db.txt"
# The seed story's degraded step on the lab VM: the raidz1 member now behind a USB bridge.
SEED = FIXTURES / "lab" / "seed-usb-reattach" / "zfs23" / "02-degraded-udevadm-export-db.txt"


def test_run_replays_a_udev_dump_and_answers_the_seed_question(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["disks", "--udev-db", str(SEED)])
    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("4 disks: 2 SATA/ATA, 1 USB bridge, 1 virtio.")
    assert "/dev/sdc  USB bridge  WDC WD40EFZX-68AWUN0" in out
    assert "bridge: usb-storage, 46f4:0001" in out
    assert "no wwn- link exists because the bridge does not pass the drive's WWN through" in out
    assert "ZFS member of pool bigdata (pool guid 16288572778493657235, vdev guid 4497337729894654865)" in out


def test_run_prints_the_lab_zoo_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["disks", "--json", "--udev-db", str(ZOO)])
    document = json.loads(capsys.readouterr().out)
    assert status == 0
    assert document["schema"] == 1
    assert document["source"] == "udev-db"
    transports = {disk["devnode"]: disk["transport"] for disk in document["disks"]}
    assert transports["/dev/sde"] == "usb"
    assert transports["/dev/sdb"] == "sata"
    sde = next(disk for disk in document["disks"] if disk["devnode"] == "/dev/sde")
    assert sde["bridge"]["driver"] == "usb-storage"
    assert sde["by_id"][0]["name"] == "usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0"


def test_run_reads_a_pasted_by_id_listing_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    listing = (FIXTURES / "by-id" / "seed-usb-reattach.txt").read_text(encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(listing))
    status = cli.main(["disks", "--by-id", "-"])
    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("3 disks: 2 SATA/ATA, 1 USB bridge.")
    assert "best effort" in out


def test_an_optical_drive_and_device_mapper_volumes_are_listed_for_what_they_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """openvstorage/framework#1647's listing: sr0 has an ata- name (a CD-ROM on an IDE port),
    dm-0..2 are a LUKS1 mapping and LVM volumes: none is a SATA disk or of an unknown bus."""
    listing = FIXTURES / "by-id" / "openvstorage-1647-cdrom-luks1-lvm-excerpt.txt"
    assert cli.main(["disks", "--by-id", str(listing)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("4 block devices: 3 device-mapper, 1 optical drive.")
    assert "/dev/sr0  optical drive  VMware Virtual IDE CDROM Drive\n" in out
    assert "/dev/dm-0  device-mapper\n" in out
    assert "SATA/ATA" not in out and "unknown bus" not in out
    assert cli.main(["disks", "--json", "--by-id", str(listing)]) == 0
    document = json.loads(capsys.readouterr().out)
    transports = {disk["devnode"]: disk["transport"] for disk in document["disks"]}
    assert transports == {
        "/dev/sr0": "optical",
        "/dev/dm-0": "device-mapper",
        "/dev/dm-1": "device-mapper",
        "/dev/dm-2": "device-mapper",
    }


def test_run_rejects_both_sources(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["disks", "--udev-db", "a", "--by-id", "b"])


def test_run_live_on_this_machine_says_what_it_can_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = cli.main(["disks"])
    captured = capsys.readouterr()
    if Path("/run/udev/data").is_dir():  # a machine with udevd: its disks are listed
        assert status == 0, captured.out
        assert " disk" in captured.out.splitlines()[0]
    else:  # a container without udevd: unknown, and why
        assert status == 3
        assert captured.out.startswith("disk inventory unavailable: no udev database at /run/udev")


def test_render_says_when_smart_is_unavailable() -> None:
    from nodewatch.model import ProbeOutcome, ProbeResult

    probes = [ProbeResult("smartctl", ProbeOutcome.NO_DATA, "smartctl not found (install smartmontools)")]
    text = module.render(Inventory(), probes)
    assert "SMART unavailable: smartctl not found (install smartmontools)" in text
