"""The node-health probes on fake roots built from public sysfs layouts (tests/fixtures/node-health)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from nodewatch.model import Mount, ProbeOutcome, SensorKind
from nodewatch.probe import node_health
from tests.support.sysfs_tree import build

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "node-health"


def _script(path: Path, text: str) -> str:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_get_throttled_is_read_from_the_firmware_sysfs_file(tmp_path):
    root = build(FIXTURES / "SYNTHETIC-sysfs-get_throttled-50005.tree", tmp_path)
    reading = node_health.read_throttling(root, vcgencmd=str(tmp_path / "never-run"))
    assert reading.ok and reading.value is not None
    assert reading.value.value == 0x50005
    assert reading.value.source == "/sys/devices/platform/soc/soc:firmware/get_throttled"


def test_without_the_file_a_pi_asks_vcgencmd(tmp_path):
    root = tmp_path / "root"
    (root / "proc/device-tree").mkdir(parents=True)
    (root / "proc/device-tree/model").write_text("Raspberry Pi Zero 2 W Rev 1.0\x00")
    printed = (FIXTURES / "vcgencmd-0x50000-raspberrypi-docs.txt").read_text().split("# ---\n", 1)[1]
    vcgencmd = _script(tmp_path / "vcgencmd", f"#!/bin/sh\nprintf '%s' '{printed}'\n")
    reading = node_health.read_throttling(root, vcgencmd=vcgencmd)
    assert reading.ok and reading.value is not None and reading.value.value == 0x50000
    assert [raw.stdout for raw in reading.raw] == [printed]  # kept in the snapshot


def test_a_mainline_kernel_has_only_the_hwmon_alarm(tmp_path):
    root = tmp_path / "root"
    hwmon = root / "sys/class/hwmon/hwmon1"
    hwmon.mkdir(parents=True)
    (hwmon / "name").write_text("rpi_volt\n")
    (hwmon / "in0_lcrit_alarm").write_text("1\n")
    reading = node_health.read_throttling(root, vcgencmd=str(tmp_path / "no-vcgencmd"))
    assert reading.value is not None and reading.value.under_voltage_only and reading.value.value == 1
    assert reading.value.source == "/sys/class/hwmon/hwmon1/in0_lcrit_alarm"
    assert "not found" in (reading.result.reason or "")


def test_not_a_pi_is_skipped_without_running_anything(tmp_path):
    reading = node_health.read_throttling(tmp_path, vcgencmd=str(tmp_path / "never-run"))
    assert reading.skipped and reading.value is None


def test_a_hung_vcgencmd_fails_within_the_deadline(tmp_path):
    from nodewatch.probe.result import Deadline

    root = tmp_path / "root"
    (root / "proc/device-tree").mkdir(parents=True)
    (root / "proc/device-tree/model").write_text("Raspberry Pi 4 Model B Rev 1.4\x00")
    vcgencmd = _script(tmp_path / "vcgencmd", "#!/bin/sh\nsleep 30\n")
    reading = node_health.read_throttling(root, vcgencmd=vcgencmd, deadline=Deadline(0.5))
    assert reading.result.outcome is ProbeOutcome.FAILED and reading.result.duration_seconds < 5
    assert "did not finish" in (reading.result.reason or "")


def test_thermal_zone_and_hwmon_as_the_kernel_documentation_lays_them_out(tmp_path):
    root = build(FIXTURES / "kernel-doc-thermal-acpitz.tree", tmp_path)
    reading = node_health.read_temperatures(root)
    zone, hwmon = reading.value or ()
    assert (zone.sensor, zone.celsius, zone.high, zone.critical) == ("acpitz", 37.0, 80.0, 100.0)
    assert zone.path == "/sys/class/thermal/thermal_zone1/temp" and zone.kind is SensorKind.OTHER
    assert (hwmon.sensor, hwmon.celsius, hwmon.critical) == ("acpitz", 37.0, 100.0)


def test_a_drive_hwmon_names_its_disk(tmp_path):
    hwmon = tmp_path / "sys/class/hwmon/hwmon2"
    (hwmon / "device/block/sda").mkdir(parents=True)
    (hwmon / "name").write_text("drivetemp\n")
    (hwmon / "temp1_input").write_text("61000\n")
    (hwmon / "temp1_max").write_text("60000\n")
    [drive] = node_health.read_temperatures(tmp_path).value or ()
    assert (drive.kind, drive.device, drive.celsius, drive.high) == (SensorKind.DRIVE, "sda", 61.0, 60.0)


def test_no_sensor_at_all_is_skipped(tmp_path):
    assert node_health.read_temperatures(tmp_path).skipped


def test_emmc_wear_healthy_and_worn(tmp_path):
    healthy = node_health.read_flash_wear(build(FIXTURES / "emmc-healthy-mmcblk2.tree", tmp_path / "a"))
    [card] = healthy.value or ()
    assert (card.device, card.life_time_a, card.life_time_b, card.pre_eol) == ("mmcblk2", 1, 1, 1)
    worn = node_health.read_flash_wear(build(FIXTURES / "SYNTHETIC-emmc-worn-mmcblk0.tree", tmp_path / "b"))
    [card] = worn.value or ()  # mmcblk0boot0 is the same chip's boot partition: not read twice
    assert (card.device, card.life_time_a, card.life_time_b, card.pre_eol, card.name) == (
        "mmcblk0",
        10,
        11,
        2,
        "8GTF4R",
    )
    assert node_health.read_flash_wear(tmp_path / "c").skipped  # an SD card reports nothing


def test_space_of_the_root_filesystem_is_read_once(tmp_path):
    (tmp_path / "boot").mkdir()
    (tmp_path / "nix").mkdir()
    mounts = (Mount("/dev/mmcblk0p2", "/", "ext4", "179:2"),)
    reading = node_health.read_filesystems(tmp_path, mounts)
    [root] = reading.value or ()  # /boot and /nix are directories of /, not filesystems of their own
    stats = os.statvfs(tmp_path)
    assert root.mountpoint == "/" and root.source == "/dev/mmcblk0p2" and root.fstype == "ext4"
    assert root.size_bytes == stats.f_blocks * stats.f_frsize
    assert 0 <= root.used_percent <= 100


def test_a_read_only_mount_in_mountinfo_is_read_only(tmp_path):
    mounts = (Mount("/dev/mmcblk0p2", "/", "ext4", "179:2", read_only=True),)
    [root] = node_health.read_filesystems(tmp_path, mounts).value or ()
    assert root.read_only


def test_nixos_booted_and_current_systems(tmp_path):
    root = build(FIXTURES / "SYNTHETIC-nixos-switched-new-kernel.tree", tmp_path)
    systems = node_health.read_nixos(root).value
    assert systems is not None
    assert systems.booted.endswith("nixos-system-pi-24.05.1234.abcdef0")
    assert systems.current.endswith("nixos-system-pi-24.05.1301.1234567")
    assert systems.booted_kernel is not None and systems.booted_kernel.endswith("linux-6.6.31/Image")
    assert systems.current_modules is not None and systems.current_modules.endswith("linux-6.6.32-modules")


def test_not_nixos_is_skipped(tmp_path):
    assert node_health.read_nixos(tmp_path).skipped
