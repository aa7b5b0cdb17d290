"""probe/udev.py: fake roots for the missing-database path, and this machine's real udev."""

from __future__ import annotations

from pathlib import Path

import pytest

from nodewatch.model import ProbeErrorKind, ProbeOutcome
from nodewatch.parse.mounts import mountpoints_by_device, parse_mountinfo
from nodewatch.probe import udev as module


def test_read_block_devices_says_why_without_a_udev_database(tmp_path: Path) -> None:
    reading = module.read_block_devices(tmp_path)
    assert reading.value == ()
    assert (reading.result.outcome, reading.result.error_kind) == (
        ProbeOutcome.NO_DATA,
        ProbeErrorKind.ABSENT,
    )
    assert reading.result.reason == f"no udev database at {tmp_path / 'run' / 'udev'}"


def test_read_block_devices_on_this_machine() -> None:
    if not Path("/run/udev/data").is_dir():
        reason = "no /run/udev on this machine (a container without udevd): the live probe cannot run here"
        print(reason)
        pytest.skip(reason)
    reading = module.read_block_devices()
    assert reading.result.outcome is ProbeOutcome.OK
    devices = reading.value or ()
    disks = [device for device in devices if device.devtype == "disk"]
    assert disks, "a machine with udev has at least one block disk"
    assert all(device.devnode and device.devnode.startswith("/dev/") for device in disks)
    assert any("size" in device.sysattrs for device in disks)


def test_mountpoints_by_device_reads_proc_mountinfo() -> None:
    text = (
        "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
        "30 22 8:33 / /mnt/my\\040disk rw - ext4 /dev/sdc1 rw\n"
        "31 22 8:33 / /srv rw - ext4 /dev/sdc1 rw\n"
        "garbage\n"
    )
    assert mountpoints_by_device(parse_mountinfo(text)) == {"254:0": ("/",), "8:33": ("/mnt/my disk", "/srv")}


def test_collect_without_udev_gives_no_inventory_and_says_why(tmp_path: Path) -> None:
    from nodewatch.config import defaults
    from nodewatch.probe.collect import read_inventory

    inventory, results = read_inventory(defaults(), root=tmp_path)
    assert inventory is None
    # smartctl did not run for want of disks: udev's result alone says why.
    assert [(probe.name, probe.outcome) for probe in results] == [("udev", ProbeOutcome.NO_DATA)]


class _Attributes:
    def __init__(self, values: dict[str, bytes]) -> None:
        self._values = values

    def get(self, name: str) -> bytes | None:
        return self._values.get(name)


class _StubDevice:
    """The few pyudev.Device members the probe reads, as pyudev returns them (bytes attributes).

    pyudev cannot be pointed at a fake root, so the mapping is checked on this stub; the
    values are the lab VM's seed USB disk (tests/fixtures/udev-db/seed-usb-reattach-sdc-properties.txt).
    """

    device_path = "/devices/pci0000:00/0000:00:03.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdc"
    device_node = "/dev/sdc"
    subsystem = "block"
    device_type = "disk"
    device_links = ("/dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0",)

    def __init__(self) -> None:
        self.properties = {"MAJOR": "8", "MINOR": "32", "ID_BUS": "usb", "ID_USB_DRIVER": "usb-storage"}
        self.attributes = _Attributes({"size": b"4194304\n", "removable": b"0\n", "queue/rotational": b"1\n"})

    def find_parent(self, subsystem: str, device_type: str | None = None) -> object:
        assert (subsystem, device_type) == ("usb", "usb_device")
        parent = type("UsbDevice", (), {})()
        parent.attributes = _Attributes(  # type: ignore[attr-defined]
            {"idVendor": b"46f4", "idProduct": b"0001", "manufacturer": b"QEMU", "serial": b"000000123AE8"}
        )
        return parent


def test_record_maps_pyudev_attributes_and_the_usb_parent() -> None:
    record = module._record(_StubDevice(), {"8:32": ("/mnt",)})
    assert record.devnode == "/dev/sdc"
    assert record.sysattrs == {"size": "4194304", "removable": "0", "queue/rotational": "1"}
    assert record.usb_device == {
        "idVendor": "46f4",
        "idProduct": "0001",
        "manufacturer": "QEMU",
        "serial": "000000123AE8",
    }
    assert record.mountpoints == ("/mnt",)

    from nodewatch.parse.inventory import build_inventory

    (disk,) = build_inventory([record]).disks
    assert disk.size_bytes == 4194304 * 512
    assert disk.rotational is True and disk.removable is False
    assert disk.bridge is not None
    assert (disk.bridge.vendor_id, disk.bridge.product_id, disk.bridge.vendor_name) == (
        "46f4",
        "0001",
        "QEMU",
    )
    assert disk.bridge.serial == "000000123AE8"


def test_read_only_is_the_filesystems_not_a_read_only_bind_of_it() -> None:
    # In the form of proc_pid_mountinfo(5): / as the service sees it under ProtectSystem=strict
    # (a read-only bind: "ro" in the mount options, the superblock "rw"), a filesystem mounted
    # ro, and one the kernel remounted ro after errors (superblock "ro", errors=remount-ro).
    text = (
        "22 1 254:1 / / ro,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro\n"
        "30 22 179:1 / /boot ro,relatime - vfat /dev/mmcblk0p1 ro,fmask=0022\n"
        "31 22 8:33 / /srv ro,relatime - ext4 /dev/sdc1 ro,errors=remount-ro\n"
        "32 22 8:34 / /data rw,relatime - ext4 /dev/sdc2 rw\n"
    )
    assert [(m.target, m.read_only) for m in parse_mountinfo(text)] == [
        ("/", False),
        ("/boot", True),
        ("/srv", True),
        ("/data", False),
    ]
