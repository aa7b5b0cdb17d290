"""probe/udev.py: fake roots for the missing-database path, and this machine's real udev."""

from __future__ import annotations

from pathlib import Path

import pytest

from nodewatch.model import ProbeOutcome
from nodewatch.parse.mountinfo import mountpoints_by_device
from nodewatch.probe import udev as module


def test_read_block_devices_says_why_without_a_udev_database(tmp_path: Path) -> None:
    devices, result = module.read_block_devices(tmp_path)
    assert devices == ()
    assert result.outcome is ProbeOutcome.NO_DATA
    assert result.reason == f"no udev database at {tmp_path / 'run' / 'udev'}"


def test_read_block_devices_on_this_machine() -> None:
    if not Path("/run/udev/data").is_dir():
        reason = "no /run/udev on this machine (a container without udevd): the live probe cannot run here"
        print(reason)
        pytest.skip(reason)
    devices, result = module.read_block_devices()
    assert result.outcome is ProbeOutcome.OK
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
    assert mountpoints_by_device(text) == {"254:0": ("/",), "8:33": ("/mnt/my disk", "/srv")}


def test_collect_without_udev_gives_no_inventory_and_says_why(tmp_path: Path) -> None:
    from nodewatch.probe import disks

    collection = disks.collect({"enabled": True}, root=tmp_path)
    assert collection.inventory is None
    assert [probe.name for probe in collection.probes] == ["udev"]
    assert collection.probes[0].outcome is ProbeOutcome.NO_DATA
