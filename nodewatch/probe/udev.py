"""The live udev database, through pyudev, as UdevDevice records.

Reads every block device with its udev properties and links, the sysfs
attributes the inventory needs (size, removable, queue/rotational, the SCSI
vendor), the USB attributes of a USB disk's bridge, and each device's
mountpoints (from the mounts probe's reading, so mountinfo is read once a
pass). pyudev is imported lazily; without it, or without a udev database,
the probe says why instead of raising.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nodewatch.model import Mount, ProbeErrorKind
from nodewatch.parse.mounts import mountpoints_by_device
from nodewatch.parse.udev_record import (
    ATTR_MODEL,
    ATTR_REMOVABLE,
    ATTR_ROTATIONAL,
    ATTR_SIZE,
    ATTR_VENDOR,
    DEVTYPE_USB_DEVICE,
    MAJOR,
    MINOR,
    SUBSYSTEM_USB,
    USB_ID_PRODUCT,
    USB_ID_VENDOR,
    USB_MANUFACTURER,
    USB_PRODUCT,
    USB_SERIAL,
    UdevDevice,
)
from nodewatch.probe.result import Reading, Stopwatch

NAME = "udev"
UDEV_DATABASE = Path("run/udev/data")  # under root
_DISK_ATTRS = (ATTR_SIZE, ATTR_REMOVABLE, ATTR_ROTATIONAL, ATTR_VENDOR, ATTR_MODEL)
_USB_ATTRS = (USB_ID_VENDOR, USB_ID_PRODUCT, USB_MANUFACTURER, USB_PRODUCT, USB_SERIAL)


def read_block_devices(
    root: Path = Path("/"), mounts: Iterable[Mount] = ()
) -> Reading[tuple[UdevDevice, ...]]:
    """The udev probe: every block device udev knows (and its USB parent's attributes),
    with its mountpoints among `mounts`.

    `root` is where run/udev is looked up (a fake root in tests); pyudev itself
    always reads the running system's /sys and /run/udev.
    """
    watch = Stopwatch(NAME)
    database = root / UDEV_DATABASE
    if not database.is_dir():
        where = "/" + str(UDEV_DATABASE.parent) if root == Path("/") else str(database.parent)
        return Reading((), watch.no_data(ProbeErrorKind.ABSENT, f"no udev database at {where}"))
    try:
        import pyudev
    except ImportError as err:
        reason = f"pyudev is not installed ({err})"
        return Reading((), watch.no_data(ProbeErrorKind.NOT_INSTALLED, reason))
    by_device = mountpoints_by_device(mounts)
    devices = []
    try:
        context = pyudev.Context()
        for device in context.list_devices(subsystem="block"):
            devices.append(_record(device, by_device))
    except PermissionError as err:
        reason = f"reading udev failed: {err}"
        return Reading(tuple(devices), watch.failed(ProbeErrorKind.PERMISSION_DENIED, reason))
    except (OSError, ImportError, ValueError, KeyError, pyudev.DeviceNotFoundError) as err:
        reason = f"reading udev failed: {err}"
        return Reading(tuple(devices), watch.failed(ProbeErrorKind.READ_FAILED, reason))
    return Reading(tuple(devices), watch.ok())


def _record(device: Any, mounts: dict[str, tuple[str, ...]]) -> UdevDevice:
    properties = {str(key): str(device.properties[key]) for key in device.properties}
    usb: dict[str, str] = {}
    if device.device_type == "disk":
        parent = device.find_parent(SUBSYSTEM_USB, DEVTYPE_USB_DEVICE)
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
