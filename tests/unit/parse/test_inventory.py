"""parse/inventory.py: real udev dumps to Disks (tests/fixtures/udev-db/)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nodewatch.model import Guid, SmartInfo, Transport
from nodewatch.parse import inventory as module
from nodewatch.parse.udev_db import UdevDump, parse_udev_db

FIXTURES = Path(__file__).parents[2] / "fixtures" / "udev-db"


def _dump(name: str) -> UdevDump:
    return parse_udev_db((FIXTURES / name).read_text(encoding="utf-8"), source=name)


def _disks(name: str) -> dict[str, object]:
    inventory = module.build_inventory(_dump(name), source="udev-db")
    return {disk.devnode: disk for disk in inventory.disks}


def test_build_inventory_decides_every_transport_of_the_lab_zoo() -> None:
    disks = _disks("lab-vm-disk-zoo-properties.txt")
    assert {node: disk.transport for node, disk in disks.items()} == {
        "/dev/mmcblk0": Transport.MMC,
        "/dev/nvme0n1": Transport.NVME,
        "/dev/sda": Transport.SATA,
        "/dev/sdb": Transport.SATA,
        "/dev/sdc": Transport.SATA,
        "/dev/sdd": Transport.USB,
        "/dev/sde": Transport.USB,
        "/dev/vdb": Transport.VIRTIO,
    }


def test_build_inventory_reads_sata_identity_and_both_links() -> None:
    sda = _disks("lab-vm-disk-zoo-properties.txt")["/dev/sda"]
    assert sda.model == "WDC WD40EFZX-68AWUN0"
    assert sda.serial == "WD-WX62D229KY5H"
    assert sda.wwn == "0x50014ee21522fe55"
    assert [(link.name, link.kind) for link in sda.by_id] == [
        ("ata-WDC_WD40EFZX-68AWUN0_WD-WX62D229KY5H", "ata"),
        ("wwn-0x50014ee21522fe55", "wwn"),
    ]
    assert sda.by_path == (
        "/dev/disk/by-path/pci-0000:00:1f.2-ata-1",
        "/dev/disk/by-path/pci-0000:00:1f.2-ata-1.0",
    )
    assert sda.rotational is True  # ID_ATA_ROTATION_RATE_RPM=5400
    assert sda.bridge is None


def test_build_inventory_describes_the_seed_disk_behind_a_usb_bridge() -> None:
    sde = _disks("lab-vm-disk-zoo-properties.txt")["/dev/sde"]
    assert sde.model == "WDC WD40EFZX-68AWUN0"
    assert sde.wwn is None  # the bridge does not pass the WWN through: no wwn- link
    assert [link.kind for link in sde.by_id] == ["usb"]
    bridge = sde.bridge
    assert bridge is not None
    assert (bridge.driver, bridge.vendor_id, bridge.product_id) == ("usb-storage", "46f4", "0001")
    assert bridge.port_path == "0:2:1.0"
    assert bridge.serial == "000000123AE8"
    assert bridge.serial_is_drives is None  # nothing says whose serial it is
    assert sde.serial is None
    assert bridge.bogus_serial_reason is None


def test_build_inventory_reads_nvme_mmc_and_virtio_identity() -> None:
    disks = _disks("lab-vm-disk-zoo-properties.txt")
    nvme = disks["/dev/nvme0n1"]
    assert (nvme.model, nvme.serial) == ("QEMU NVMe Ctrl", "S4EWNX0R123456")
    assert {link.kind for link in nvme.by_id} == {"nvme", "nvme-nvme"}
    assert disks["/dev/mmcblk0"].serial == "0xdeadbeef"
    assert disks["/dev/vdb"].serial == "VIRTSERIAL01"
    assert disks["/dev/vdb"].by_id[0].kind == "virtio"


def test_build_inventory_finds_the_zfs_member_of_the_missing_vdev() -> None:
    # The lab's degraded step: the raidz1 member ZFS lost (vdev guid 4497337729894654865,
    # `was …wwn-0x50014ee21522fca7-part1`) is sdc1, now behind the USB bridge.
    sdc = {disk.devnode: disk for disk in _lab_seed_inventory("02-degraded").disks}["/dev/sdc"]
    assert sdc.transport is Transport.USB
    assert "WD40EFZX" in (sdc.model or "")
    part1, part9 = sdc.partitions
    assert part1.number == 1
    assert part1.zfs is not None
    assert part1.zfs.pool_name == "bigdata"
    assert part1.zfs.pool_guid == Guid(16288572778493657235)
    assert part1.zfs.vdev_guid == Guid(4497337729894654865)
    assert [link.name for link in part1.by_id] == ["usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0-part1"]
    assert part9.number == 9
    assert part9.size_bytes == 8 * 1024 * 1024
    assert part9.zfs is None


def _omv(*models: str) -> UdevDump:
    dump = _dump("omv-usb-bridges.txt")
    return UdevDump(devices=tuple(d for d in dump.devices if d.get("ID_MODEL") in models))


def test_build_inventory_flags_a_bridge_serial_shared_by_two_bays() -> None:
    inventory = module.build_inventory(_omv("USB3.0_DISK00", "USB3.0_DISK02"))
    assert [disk.devnode for disk in inventory.disks] == ["/dev/sdb", "/dev/sdc"]
    for disk in inventory.disks:
        bridge = disk.bridge
        assert bridge is not None
        assert (bridge.vendor_id, bridge.product_id, bridge.product_name) == (
            "152d",
            "0567",
            "JMicron JMS567",
        )
        assert bridge.serial == "20170331000C3"
        assert bridge.serial_is_drives is False
        reason = bridge.bogus_serial_reason or ""
        assert "as well" in reason  # the same serial on the other disk
        assert "openmediavault" in reason.lower()  # and the table says where it is known from
        assert all(link.positional for link in disk.by_id)
        assert any("hides the drive's serial" in warning for warning in disk.warnings)


def test_build_inventory_flags_random_all_zero_and_well_known_serials() -> None:
    cases = {
        "Pro_Dual-R1": "made up by the bridge",
        "EFRX-68N32N0": "one character repeated",
        "Go_To_Final_Lap": "well-known bridge serial",
    }
    for model, words in cases.items():
        (disk,) = module.build_inventory(_omv(model)).disks
        assert disk.bridge is not None
        assert words in (disk.bridge.bogus_serial_reason or ""), model


def test_build_inventory_marks_lun_names_positional() -> None:
    (disk,) = module.build_inventory(_omv("EFRX-68N32N0")).disks
    assert disk.by_id[0].name.endswith("-0:1")
    assert disk.by_id[0].positional


def test_build_inventory_glues_a_model_split_by_the_bridge() -> None:
    (disk,) = module.build_inventory(_omv("00AAKB-00H8A0")).disks  # JM20337: vendor "WDC WD50"
    assert disk.model == "WDC WD5000AAKB-00H8A0"
    assert disk.bridge is not None and disk.bridge.driver == "usb-storage"


def test_build_inventory_reads_uas_driver_and_warns_about_known_uas_trouble() -> None:
    (disk,) = module.build_inventory(_omv("USB_to_SATA_bridge")).disks  # JMS578 under uas
    assert disk.bridge is not None and disk.bridge.driver == "uas"
    assert any("152d:0578:u" in warning for warning in disk.warnings)


def test_build_inventory_joins_smart_serial_and_wwn_through_the_bridge() -> None:
    # What smartctl -d sat would read through a bridge that passes ATA through (the lab's
    # QEMU bridge does not: the serial and WWN here are the drive's, as ZFS recorded them).
    smart = SmartInfo(
        available=True,
        device_type="sat",
        model="WDC WD40EFZX-68AWUN0",
        serial="WD-WX12D000FCA7",
        wwn="0x50014ee21522fca7",
    )
    dump = _dump("seed-usb-reattach-sdc-properties.txt")
    inventory = module.build_inventory(dump, smart_by_devnode={"/dev/sdc": smart})
    (disk,) = inventory.disks
    assert disk.serial == "WD-WX12D000FCA7"
    assert disk.wwn == "0x50014ee21522fca7"
    assert disk.bridge is not None
    assert disk.bridge.serial_is_drives is False  # 000000123AE8 is the bridge's
    assert disk.smart is smart


def test_build_inventory_warns_about_smr_models() -> None:
    dump = parse_udev_db(
        "P: /devices/pci0000:00/0000:00:1f.2/ata3/host2/target2:0:0/2:0:0:0/block/sdx\n"
        "E: DEVNAME=/dev/sdx\nE: DEVTYPE=disk\nE: SUBSYSTEM=block\nE: ID_BUS=ata\n"
        "E: ID_MODEL=WDC_WD40EFAX-68JH4N0\n"
    )
    (disk,) = module.build_inventory(dump).disks
    assert disk.transport is Transport.SATA
    assert any("SMR" in warning and "openzfs/zfs#10214" in warning for warning in disk.warnings)


def test_build_inventory_keeps_orphan_partitions_as_problems() -> None:
    inventory = module.build_inventory(_omv("SDSSDH3_1T02"))  # a partition record alone
    assert inventory.disks == ()
    assert inventory.problems == ("partition /dev/sda1 has no disk in the records",)


def test_build_inventory_skips_virtual_block_devices() -> None:
    dump = parse_udev_db(
        "P: /devices/virtual/block/loop0\nE: DEVNAME=/dev/loop0\nE: DEVTYPE=disk\nE: SUBSYSTEM=block\n\n"
        "P: /devices/virtual/block/dm-0\nE: DEVNAME=/dev/dm-0\nE: DEVTYPE=disk\nE: SUBSYSTEM=block\n"
        "S: disk/by-id/dm-name-vg-root\n"
    )
    assert module.build_inventory(dump).disks == ()


LAB = Path(__file__).parents[2] / "fixtures" / "lab" / "disks-zoo" / "zfs23"


def _lab_inventory(step: str, smart: dict[str, SmartInfo] | None = None):  # type: ignore[no-untyped-def]
    text = (LAB / f"{step}-udevadm-export-db.txt").read_text(encoding="utf-8")
    return module.build_inventory(parse_udev_db(text, source=step), source="udev-db", smart_by_devnode=smart)


def test_build_inventory_of_the_lab_export_db_lists_every_disk_right() -> None:
    inventory = _lab_inventory("01-boot")
    assert inventory.problems == ()
    disks = {disk.devnode: disk for disk in inventory.disks}
    assert {node: disk.transport for node, disk in disks.items()} == {
        "/dev/mmcblk0": Transport.MMC,
        "/dev/nvme0n1": Transport.NVME,
        "/dev/sda": Transport.USB,  # UAS
        "/dev/sdb": Transport.SATA,
        "/dev/sdc": Transport.SATA,
        "/dev/sdd": Transport.USB,  # usb-storage, QEMU's own disk
        "/dev/sde": Transport.USB,  # usb-storage, the seed WD disk
        "/dev/vda": Transport.VIRTIO,
        "/dev/vdb": Transport.VIRTIO,
    }
    uas = disks["/dev/sda"].bridge
    assert uas is not None
    assert (uas.driver, uas.vendor_id, uas.product_id) == ("uas", "46f4", "0003")
    assert (uas.vendor_name, uas.product_name) == ("QEMU", "USB Attached SCSI HBA")  # the USB descriptors
    seed = disks["/dev/sde"]
    assert seed.model == "WDC WD40EFZX-68AWUN0"
    assert seed.wwn is None
    assert seed.bridge is not None and seed.bridge.driver == "usb-storage"
    assert [link.name for link in seed.by_id] == ["usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0"]
    root = disks["/dev/vda"]
    assert root.partitions[0].fs_type == "ext4"  # a filesystem on the whole disk


def _lab_smart(step: str, name: str) -> SmartInfo:
    from nodewatch.parse.smartctl import parse_smartctl_json

    text = (LAB / f"{step}-smartctl-{name}.json").read_text(encoding="utf-8")
    return parse_smartctl_json(text, json.loads(text)["smartctl"]["exit_status"])


def test_build_inventory_joins_lab_smart_and_keeps_unavailable_reasons() -> None:
    smart = {
        "/dev/sdb": _lab_smart("01-boot", "sdb"),
        "/dev/sde": _lab_smart("01-boot", "sat-sde"),
        "/dev/nvme0n1": _lab_smart("01-boot", "nvme0n1"),
    }
    disks = {disk.devnode: disk for disk in _lab_inventory("01-boot", smart).disks}
    sdb = disks["/dev/sdb"]
    assert sdb.smart is not None and sdb.smart.passed is True
    assert (sdb.serial, sdb.wwn) == ("WD-WX62D229KY5H", "0x50014ee21522fe55")  # udev and SMART agree
    sde = disks["/dev/sde"]
    assert sde.smart is not None and not sde.smart.available  # QEMU's bridge passes no ATA through
    assert sde.serial is None
    assert disks["/dev/nvme0n1"].smart is not None
    assert disks["/dev/nvme0n1"].smart.nvme_media_errors == 0


SEED = Path(__file__).parents[2] / "fixtures" / "lab" / "seed-usb-reattach" / "zfs23"


def test_build_inventory_of_the_lab_seed_finds_the_missing_member_behind_the_bridge() -> None:
    """The seed story on the real lab VM: the member that `zpool status` shows UNAVAIL
    (was wwn-…fca7-part1) is the USB-bridged WD40EFZX, its -part1 labelled with that GUID."""
    if not (SEED / "02-degraded-udevadm-export-db.txt").is_file():
        pytest.skip("the lab's seed-usb-reattach recordings are not in this checkout")
    status = (SEED / "02-degraded-zpool-status-v.txt").read_text(encoding="utf-8")
    missing = re.search(r"^\s+(\d+)\s+UNAVAIL\s.*was /dev/disk/by-id/wwn-", status, re.M)
    assert missing, "the recording shows the missing member"
    inventory = _lab_seed_inventory("02-degraded")
    bridged = [disk for disk in inventory.disks if disk.transport is Transport.USB]
    assert len(bridged) == 1
    (disk,) = bridged
    assert "WD40EFZX" in (disk.model or "")
    assert disk.bridge is not None and disk.bridge.driver == "usb-storage"
    assert disk.wwn is None and all(link.kind != "wwn" for link in disk.by_id)
    members = [part.zfs for part in disk.partitions if part.zfs]
    assert len(members) == 1
    assert members[0].pool_name == "bigdata"
    assert members[0].vdev_guid == Guid(int(missing[1]))
    sata = [disk for disk in inventory.disks if disk.transport is Transport.SATA]
    assert len(sata) == 2 and all(any(link.kind == "wwn" for link in d.by_id) for d in sata)


def _lab_seed_inventory(step: str):  # type: ignore[no-untyped-def]
    text = (SEED / f"{step}-udevadm-export-db.txt").read_text(encoding="utf-8")
    return module.build_inventory(parse_udev_db(text, source=step), source="udev-db")


def test_build_inventory_of_this_machines_virtio_disk() -> None:
    (disk,) = module.build_inventory(_dump("this-machine-vda-udevadm-test.txt")).disks
    assert disk.transport is Transport.VIRTIO
    assert disk.serial == "overlayblk"
    assert [link.name for link in disk.by_id] == ["virtio-overlayblk"]
    assert disk.bridge is None
