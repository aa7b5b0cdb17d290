"""parse/by_id_listing.py on recorded `ls -l /dev/disk/by-id` pastes (tests/fixtures/by-id/)."""

from __future__ import annotations

from pathlib import Path

from nodewatch.model import Transport
from nodewatch.parse import by_id_listing as module

FIXTURES = Path(__file__).parents[2] / "fixtures" / "by-id"


def _inventory(name: str):  # type: ignore[no-untyped-def]
    return module.parse_by_id_listing((FIXTURES / name).read_text(encoding="utf-8"), source=name)


def test_parse_by_id_listing_answers_two_ata_one_usb() -> None:
    inventory = _inventory("seed-usb-reattach.txt")
    assert inventory.source == "by-id-listing"
    assert inventory.problems == (module.BEST_EFFORT,)
    disks = {disk.devnode: disk for disk in inventory.disks}
    assert {node: disk.transport for node, disk in disks.items()} == {
        "/dev/sda": Transport.SATA,
        "/dev/sdb": Transport.SATA,
        "/dev/sdc": Transport.USB,
    }
    sdc = disks["/dev/sdc"]
    assert sdc.model == "WDC WD40EFZX-68AWUN0"
    assert sdc.serial is None  # the serial in a usb- name is the bridge's until shown otherwise
    assert sdc.bridge is not None and sdc.bridge.serial == "000000123AE8"
    assert sdc.wwn is None
    assert [(p.devnode, p.number) for p in sdc.partitions] == [("/dev/sdc1", 1), ("/dev/sdc9", 9)]
    assert sdc.partitions[0].by_id[0].name == "usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0-part1"
    sda = disks["/dev/sda"]
    assert (sda.model, sda.serial, sda.wwn) == (
        "WDC WD40EFZX-68AWUN0",
        "WD-WX62D229KY5H",
        "0x50014ee21522fe55",
    )


def test_parse_by_id_listing_reads_every_kind_and_by_path_names() -> None:
    inventory = _inventory("lab-vm-disk-zoo.txt")
    disks = {disk.devnode: disk for disk in inventory.disks}
    assert {node: disk.transport for node, disk in disks.items()} == {
        "/dev/mmcblk0": Transport.MMC,
        "/dev/nvme0n1": Transport.NVME,
        "/dev/sda": Transport.SATA,
        "/dev/sdb": Transport.SATA,
        "/dev/sdc": Transport.SATA,
        "/dev/sdd": Transport.USB,
        "/dev/sde": Transport.USB,
        "/dev/vda": Transport.VIRTIO,  # by-path names only
        "/dev/vdb": Transport.VIRTIO,
    }
    assert disks["/dev/sde"].bridge is not None and disks["/dev/sde"].bridge.port_path == "0:2:1.0"
    assert disks["/dev/nvme0n1"].serial == "S4EWNX0R123456"
    # the pasted lsblk table is not a listing: kept as problems, not guessed at
    assert any("not a by-id link" in problem for problem in inventory.problems)


def test_parse_by_id_listing_flags_serials_shared_by_bays() -> None:
    text = (
        "usb-External_USB3.0_DISK00_20170331000C3-0:0 -> ../../sdc\n"
        "usb-External_USB3.0_DISK01_20170331000C3-0:1 -> ../../sdd\n"
    )
    inventory = module.parse_by_id_listing(text)
    for disk in inventory.disks:
        assert disk.bridge is not None
        assert "2 disks" in (disk.bridge.bogus_serial_reason or "")
        assert disk.by_id[0].positional


def test_a_prompt_and_ls_a_directory_lines_are_not_problems() -> None:
    """openvstorage/framework#1647: `root@NY1SRV0051:~# ls -alh /dev/disk/by-id/`, then `.` and `..`."""
    inventory = _inventory("openvstorage-1647-cdrom-luks1-lvm-excerpt.txt")
    assert inventory.problems == (module.BEST_EFFORT,)
    assert len(inventory.disks) == 4
    # A line that is neither is still said, not guessed at.
    odd = module.parse_by_id_listing("drwxr-xr-x 2 root root 600 May 23 08:28 by-id\n")
    assert odd.problems[1:] == (
        "<stdin>:1: not a by-id link: 'drwxr-xr-x 2 root root 600 May 23 08:28 by-id'",
    )


def test_parse_by_id_listing_of_nothing_is_an_empty_best_effort_inventory() -> None:
    inventory = module.parse_by_id_listing("total 0\n")
    assert inventory.disks == ()
    assert len(inventory.problems) == 1
