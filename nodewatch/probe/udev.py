"""The live udev database, through pyudev, as UdevDevice records.

Reads every block device with its udev properties and links, the sysfs
attributes the inventory needs (size, removable, queue/rotational, the SCSI
vendor), the USB attributes of a USB disk's bridge, and mountpoints from
/proc/self/mountinfo. pyudev is imported lazily; without it, or without a
udev database, the probe says why instead of raising.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from nodewatch.model import ProbeOutcome, ProbeResult
from nodewatch.parse.mounts import mountpoints_by_device, parse_mountinfo
from nodewatch.parse.udev_record import (
    ATTR_MODEL,
    ATTR_REMOVABLE,
    ATTR_ROTATIONAL,
    ATTR_SIZE,
    ATTR_VENDOR,
    MAJOR,
    MINOR,
    USB_ID_PRODUCT,
    USB_ID_VENDOR,
    USB_MANUFACTURER,
    USB_PRODUCT,
    USB_SERIAL,
    UdevDevice,
)

NAME = "udev"
UDEV_DATABASE = Path("run/udev/data")  # under root
MOUNTINFO = Path("proc/self/mountinfo")
_DISK_ATTRS = (ATTR_SIZE, ATTR_REMOVABLE, ATTR_ROTATIONAL, ATTR_VENDOR, ATTR_MODEL)
_USB_ATTRS = (USB_ID_VENDOR, USB_ID_PRODUCT, USB_MANUFACTURER, USB_PRODUCT, USB_SERIAL)


def read_block_devices(root: Path = Path("/")) -> tuple[tuple[UdevDevice, ...], ProbeResult]:
    """Return every block device udev knows, and how the read went.

    `root` is where run/udev and proc are looked up (a fake root in tests); pyudev
    itself always reads the running system's /sys and /run/udev.
    """
    started = time.monotonic()
    database = root / UDEV_DATABASE
    if not database.is_dir():
        where = "/" + str(UDEV_DATABASE.parent) if root == Path("/") else str(database.parent)
        return (), _result(ProbeOutcome.NO_DATA, f"no udev database at {where}", started)
    try:
        import pyudev
    except ImportError as err:
        return (), _result(ProbeOutcome.NO_DATA, f"pyudev is not installed ({err})", started)
    mounts = _mounts(root)
    devices = []
    try:
        context = pyudev.Context()
        for device in context.list_devices(subsystem="block"):
            devices.append(_record(device, mounts))
    except (OSError, ImportError, ValueError, KeyError, pyudev.DeviceNotFoundError) as err:
        return tuple(devices), _result(ProbeOutcome.ERROR, f"reading udev failed: {err}", started)
    return tuple(devices), _result(ProbeOutcome.OK, None, started)


def _record(device: Any, mounts: dict[str, tuple[str, ...]]) -> UdevDevice:
    properties = {str(key): str(device.properties[key]) for key in device.properties}
    usb: dict[str, str] = {}
    if device.device_type == "disk":
        parent = device.find_parent("usb", "usb_device")
        if parent is not None:
            usb = _attributes(parent, _USB_ATTRS)
    number = f"{properties.get(MAJOR)}:{properties.get(MINOR)}"
    return UdevDevice(
        devpath=device.device_path,
        devnode=device.device_node,
        subsystem=device.subsystem,
        devtype=device.device_type,
        properties=properties,
        devlinks=tuple(str(link) for link in device.device_links),
        sysattrs=_attributes(device, _DISK_ATTRS),
        usb_device=usb,
        mountpoints=mounts.get(number, ()),
    )


def _attributes(device: Any, names: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            value = device.attributes.get(name)
        except (OSError, KeyError, UnicodeDecodeError):
            value = None
        if value is not None:
            out[name] = value.decode("utf-8", "replace").strip() if isinstance(value, bytes) else str(value)
    return out


def _mounts(root: Path) -> dict[str, tuple[str, ...]]:
    try:
        return mountpoints_by_device(
            parse_mountinfo((root / MOUNTINFO).read_text(encoding="utf-8", errors="replace"))
        )
    except OSError:
        return {}  # no /proc: mountpoints stay unknown, nothing else breaks


def _result(outcome: ProbeOutcome, reason: str | None, started: float) -> ProbeResult:
    return ProbeResult(NAME, outcome, reason, time.monotonic() - started)
