"""parse/udev_db.py on recorded udev dumps (tests/fixtures/udev-db/)."""

from __future__ import annotations

from pathlib import Path

from nodewatch.parse import udev_db as module

FIXTURES = Path(__file__).parents[2] / "fixtures" / "udev-db"
LAB_SEED = Path(__file__).parents[2] / "fixtures" / "lab" / "seed-usb-reattach" / "zfs23"


def _dump(name: str) -> module.UdevDump:
    return module.parse_udev_db((FIXTURES / name).read_text(encoding="utf-8"), source=name)


def test_parse_udev_db_reads_query_property_dumps_from_the_lab_vm() -> None:
    dump = _dump("lab-vm-disk-zoo-properties.txt")
    assert dump.problems == ()
    nodes = [device.devnode for device in dump.devices]
    assert nodes == [
        "/dev/sda",
        "/dev/sdb",
        "/dev/sdc",
        "/dev/sdd",
        "/dev/sde",
        "/dev/nvme0n1",
        "/dev/mmcblk0",
        "/dev/vdb",
    ]
    sde = dump.devices[4]
    assert sde.subsystem == "block"
    assert sde.devtype == "disk"
    assert sde.get("ID_USB_DRIVER") == "usb-storage"
    assert sde.devlinks[0] == "/dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0"


def test_parse_udev_db_reads_export_db_records_with_s_lines() -> None:
    dump = _dump("omv-usb-bridges.txt")
    jms567 = [d for d in dump.devices if d.get("ID_MODEL") == "USB3.0_DISK00"]
    assert len(jms567) == 1
    assert jms567[0].devnode == "/dev/sdc"
    assert jms567[0].devpath.endswith("/block/sdc")
    assert "/dev/disk/by-id/usb-External_USB3.0_DISK00_20170331000C3-0:0" in jms567[0].devlinks


def test_parse_udev_db_keeps_partitions_and_their_blkid_properties() -> None:
    path = LAB_SEED / "02-degraded-udevadm-export-db.txt"
    dump = module.parse_udev_db(path.read_text(encoding="utf-8"), source=path.name)
    part = next(d for d in dump.devices if d.devnode == "/dev/sdc1")
    assert part.devtype == "partition"
    assert part.get("ID_FS_TYPE") == "zfs_member"
    assert part.get("ID_FS_UUID_SUB") == "4497337729894654865"


def test_parse_udev_db_reports_lines_it_does_not_understand() -> None:
    text = "P: /devices/x/block/sdz\nN: sdz\nE: SUBSYSTEM=block\nX: what\nthis is not a property\n"
    dump = module.parse_udev_db(text, source="paste")
    assert len(dump.devices) == 1
    assert dump.devices[0].devnode == "/dev/sdz"
    assert dump.problems == (
        "paste:4: unknown udev line 'X: what'",
        "paste:5: not a udev property 'this is not a property'",
    )


def test_parse_udev_db_of_empty_text_is_empty() -> None:
    assert module.parse_udev_db("") == module.UdevDump()
