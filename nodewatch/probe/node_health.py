"""The node's own health, read from sysfs and /run: the Pi firmware's throttling flags,
temperatures, an eMMC's wear report, how full /, /boot and /nix are, and which NixOS
system is booted and which is current.

Each reader is a probe of the registry (probe/collect.py): files only, except
`vcgencmd get_throttled` where the kernel has no get_throttled file. Where the thing
is not there (not a Pi, no eMMC, not NixOS) the reading is skipped: nothing to say.
"""

from __future__ import annotations

import os
from pathlib import Path

from nodewatch.model import (
    FilesystemSpace,
    FlashWear,
    Mount,
    NixosSystems,
    ProbeErrorKind,
    SensorKind,
    Temperature,
    Throttling,
)
from nodewatch.parse import node_health
from nodewatch.probe.result import Deadline, Reading, Stopwatch
from nodewatch.probe.run import CommandError, run

POWER = "power"
THERMAL = "thermal"
FLASH = "flash"
SPACE = "space"
NIXOS = "nixos"

# The firmware driver's get_throttled file (Raspberry Pi kernels; deprecated there for hwmon):
# /sys/devices/platform/soc/soc:firmware/get_throttled on the Pi 1–4, other parents elsewhere.
_GET_THROTTLED = (
    "sys/devices/platform/soc/soc:firmware/get_throttled",
    "sys/devices/platform/*/*:firmware/get_throttled",
    "sys/devices/platform/*:firmware/get_throttled",
)
_MODEL = ("proc/device-tree/model", "sys/firmware/devicetree/base/model")
_VCGENCMD_SECONDS = 5.0
# hwmon drivers of a CPU/SoC sensor, and of a disk's own sensor.
_SOC_HWMON = frozenset({"cpu_thermal", "coretemp", "k10temp", "zenpower", "soc_thermal", "cpu-thermal"})
_DRIVE_HWMON = frozenset({"drivetemp", "nvme"})
_OWN_FILESYSTEMS = ("/", "/boot", "/nix")


def read_throttling(
    root: Path, vcgencmd: str = "vcgencmd", deadline: Deadline | None = None
) -> Reading[Throttling]:
    """The power probe: the firmware's get_throttled word from sysfs, else `vcgencmd
    get_throttled`, else (mainline kernels) the rpi_volt hwmon's under-voltage alarm."""
    watch = Stopwatch(POWER)
    for pattern in _GET_THROTTLED:
        for path in sorted(root.glob(pattern)):
            text = _read(path)
            value = node_health.parse_throttled(text) if text is not None else None
            if value is not None:
                return Reading(Throttling(value, f"/{path.relative_to(root)}"), watch.ok())
    model = next((text for name in _MODEL if (text := _read(root / name)) is not None), "")
    alarm = _rpi_volt_alarm(root)
    if "Raspberry Pi" not in model and alarm is None:
        return Reading(None, watch.no_data(ProbeErrorKind.ABSENT, "not a Raspberry Pi"), skipped=True)
    failure = ""
    try:
        result = run([vcgencmd, "get_throttled"], (deadline or Deadline(None)).timeout(_VCGENCMD_SECONDS))
        value = node_health.parse_throttled(result.stdout) if result.returncode == 0 else None
        if value is not None:
            return Reading(Throttling(value, result.command_line), watch.ok(), (result.raw(POWER),))
        failure = f"`{result.command_line}` printed {result.stdout.strip()[:80]!r}"
    except CommandError as err:
        failure = str(err)
    if alarm is not None:
        alarm_path, on = alarm
        flags = Throttling(1 if on else 0, alarm_path, under_voltage_only=True)
        return Reading(flags, watch.ok(failure or None))
    return Reading(None, watch.failed(ProbeErrorKind.COMMAND_FAILED, f"no throttling flags: {failure}"))


def _rpi_volt_alarm(root: Path) -> tuple[str, bool] | None:
    for hwmon in sorted((root / "sys/class/hwmon").glob("hwmon*")):
        if (_read(hwmon / "name") or "").strip() == "rpi_volt":
            text = _read(hwmon / "in0_lcrit_alarm")
            if text is not None and text.strip() in ("0", "1"):
                return f"/{(hwmon / 'in0_lcrit_alarm').relative_to(root)}", text.strip() == "1"
    return None


def read_temperatures(root: Path) -> Reading[tuple[Temperature, ...]]:
    """The thermal probe: every thermal zone and every hwmon temperature (°C) with the
    limits its driver reports. None at all (a VM, a container) is skipped."""
    watch = Stopwatch(THERMAL)
    found = [*_thermal_zones(root), *_hwmon_temperatures(root)]
    if not found:
        return Reading(
            (), watch.no_data(ProbeErrorKind.ABSENT, "no temperature sensor in sysfs"), skipped=True
        )
    return Reading(tuple(found), watch.ok())


def _thermal_zones(root: Path) -> list[Temperature]:
    zones = []
    for zone in sorted((root / "sys/class/thermal").glob("thermal_zone*"), key=_number):
        celsius = node_health.parse_millidegrees(_read(zone / "temp") or "")
        if celsius is None:
            continue
        kind = (_read(zone / "type") or zone.name).strip()
        trips: dict[str, float] = {}
        for trip in sorted(zone.glob("trip_point_*_type")):
            what = (_read(trip) or "").strip()
            temp = node_health.parse_millidegrees(
                _read(trip.with_name(trip.name[: -len("type")] + "temp")) or ""
            )
            if what and temp is not None and what not in trips:
                trips[what] = temp
        soc = any(word in kind.lower() for word in ("cpu", "soc", "x86_pkg", "package"))
        zones.append(
            Temperature(
                sensor=kind,
                kind=SensorKind.SOC if soc else SensorKind.OTHER,
                celsius=celsius,
                path=f"/{(zone / 'temp').relative_to(root)}",
                high=trips.get("passive") or trips.get("hot"),
                critical=trips.get("critical"),
            )
        )
    return zones


def _hwmon_temperatures(root: Path) -> list[Temperature]:
    found = []
    for hwmon in sorted((root / "sys/class/hwmon").glob("hwmon*"), key=_number):
        name = (_read(hwmon / "name") or hwmon.name).strip()
        if name in ("cpu_thermal", "cpu-thermal") and (root / "sys/class/thermal").is_dir():
            continue  # the thermal zone of the same sensor, with its trip points, is read already
        device = _block_device(hwmon) if name in _DRIVE_HWMON else None
        for sensor in sorted(hwmon.glob("temp*_input"), key=_number):
            celsius = node_health.parse_millidegrees(_read(sensor) or "")
            if celsius is None:
                continue
            stem = sensor.name[: -len("_input")]
            label = (_read(hwmon / f"{stem}_label") or "").strip()
            kind = (
                SensorKind.DRIVE
                if name in _DRIVE_HWMON
                else SensorKind.SOC
                if name in _SOC_HWMON
                else SensorKind.OTHER
            )
            found.append(
                Temperature(
                    sensor=f"{name} {label}".strip() if label else name,
                    kind=kind,
                    celsius=celsius,
                    path=f"/{sensor.relative_to(root)}",
                    high=node_health.parse_millidegrees(_read(hwmon / f"{stem}_max") or ""),
                    critical=node_health.parse_millidegrees(_read(hwmon / f"{stem}_crit") or ""),
                    device=device,
                )
            )
    return found


def _block_device(hwmon: Path) -> str | None:
    """The disk a drive's hwmon belongs to: drivetemp's device is the SCSI device (its
    block/ holds sda), nvme's the controller (its nvme0n1 namespace)."""
    device = hwmon / "device"
    for pattern in ("block/*", "nvme*n*"):
        names = sorted(path.name for path in device.glob(pattern))
        if names:
            return names[0]
    return None


def read_flash_wear(root: Path) -> Reading[tuple[FlashWear, ...]]:
    """The flash probe: the wear report of every eMMC (sysfs life_time, pre_eol_info). SD
    cards report none: they are skipped, their signs are in the kernel log and mounts."""
    watch = Stopwatch(FLASH)
    found = []
    for block in sorted((root / "sys/block").glob("mmcblk*")):
        if "boot" in block.name or "rpmb" in block.name:
            continue
        device = block / "device"
        life = _read(device / "life_time")
        eol = _read(device / "pre_eol_info")
        if life is None and eol is None:
            continue
        a, b = node_health.parse_life_time(life or "")
        found.append(
            FlashWear(
                device=block.name,
                life_time_a=a,
                life_time_b=b,
                pre_eol=node_health.parse_pre_eol(eol or ""),
                name=(_read(device / "name") or "").strip(),
            )
        )
    if not found:
        return Reading((), watch.no_data(ProbeErrorKind.ABSENT, "no eMMC wear report"), skipped=True)
    return Reading(tuple(found), watch.ok())


def read_filesystems(root: Path, mounts: tuple[Mount, ...]) -> Reading[tuple[FilesystemSpace, ...]]:
    """The space probe: how full /, /boot and /nix are (statvfs), each once (/nix on the
    root filesystem is /), and whether each is mounted read-only."""
    watch = Stopwatch(SPACE)
    found = []
    seen: set[int] = set()
    for mountpoint in _OWN_FILESYSTEMS:
        path = root / mountpoint.lstrip("/")
        try:
            device = os.stat(path).st_dev
            stats = os.statvfs(path)
        except OSError:
            continue
        if device in seen:
            continue
        seen.add(device)
        mount = next((m for m in reversed(mounts) if m.target == mountpoint), None)
        if mount is None and mountpoint != "/":
            continue  # not a filesystem of its own
        fragment = stats.f_frsize or stats.f_bsize
        found.append(
            FilesystemSpace(
                mountpoint=mountpoint,
                size_bytes=stats.f_blocks * fragment,
                available_bytes=stats.f_bavail * fragment,
                used_bytes=(stats.f_blocks - stats.f_bfree) * fragment,
                # statvfs's ST_RDONLY is also set by a read-only bind (the service's own sandbox):
                # mountinfo's superblock options say whether the filesystem itself is read-only.
                read_only=mount.read_only if mount is not None else bool(stats.f_flag & os.ST_RDONLY),
                source=mount.source if mount else "",
                fstype=mount.fstype if mount else "",
            )
        )
    if not found:
        return Reading((), watch.failed(ProbeErrorKind.READ_FAILED, f"cannot statvfs {root}"))
    return Reading(tuple(found), watch.ok())


def read_nixos(root: Path) -> Reading[NixosSystems]:
    """The nixos probe: the booted and the current system's store paths and their kernel
    and kernel-modules links. Not NixOS (no /run/current-system) is skipped."""
    watch = Stopwatch(NIXOS)
    booted = _link(root, "/run/booted-system")
    current = _link(root, "/run/current-system")
    if booted is None or current is None:
        return Reading(None, watch.no_data(ProbeErrorKind.ABSENT, "not NixOS"), skipped=True)
    systems = NixosSystems(
        booted=booted,
        current=current,
        booted_kernel=_link(root, f"{booted}/kernel"),
        current_kernel=_link(root, f"{current}/kernel"),
        booted_modules=_link(root, f"{booted}/kernel-modules"),
        current_modules=_link(root, f"{current}/kernel-modules"),
    )
    return Reading(systems, watch.ok())


def _link(root: Path, path: str) -> str | None:
    """Where the symlink at `path` (as the node names it) points, absolute; None when it
    is not a link."""
    try:
        target = os.readlink(root / path.lstrip("/"))
    except OSError:
        return None
    return os.path.normpath(os.path.join(os.path.dirname(path), target))


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _number(path: Path) -> tuple[int, str]:
    digits = "".join(ch for ch in path.name if ch.isdigit())
    return (int(digits) if digits else 0, path.name)
