"""One udev device as nodewatch reads it, whoever read it.

Two producers make these: probe/udev.py from the live udev database through
pyudev (with sysfs attributes and mountpoints), and parse/udev_db.py from a
saved `udevadm info --export-db` dump (udev properties only: a dump has no
sysfs attributes, so sizes and flags there come from properties or stay
None). parse/inventory.py turns them into Disks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Values udev gives them: the ID_BUS of a disk, the subsystem and devtype of a USB device.
BUS_USB = "usb"
BUS_ATA = "ata"
BUS_SCSI = "scsi"
SUBSYSTEM_USB = "usb"
DEVTYPE_USB_DEVICE = "usb_device"

# udev property names, named once (node_exporter's udevIDSerialShort style).
DEVPATH = "DEVPATH"
DEVNAME = "DEVNAME"
DEVTYPE = "DEVTYPE"
SUBSYSTEM = "SUBSYSTEM"
DEVLINKS = "DEVLINKS"
MAJOR = "MAJOR"
MINOR = "MINOR"
PARTN = "PARTN"
ID_BUS = "ID_BUS"
ID_ATA = "ID_ATA"
ID_CDROM = "ID_CDROM"
ID_MODEL = "ID_MODEL"
ID_MODEL_ENC = "ID_MODEL_ENC"
ID_MODEL_ID = "ID_MODEL_ID"
ID_VENDOR = "ID_VENDOR"
ID_VENDOR_ENC = "ID_VENDOR_ENC"
ID_VENDOR_ID = "ID_VENDOR_ID"
ID_VENDOR_FROM_DATABASE = "ID_VENDOR_FROM_DATABASE"
ID_MODEL_FROM_DATABASE = "ID_MODEL_FROM_DATABASE"
ID_SERIAL = "ID_SERIAL"
ID_SERIAL_SHORT = "ID_SERIAL_SHORT"
ID_WWN = "ID_WWN"
ID_WWN_WITH_EXTENSION = "ID_WWN_WITH_EXTENSION"
ID_NAME = "ID_NAME"  # MMC card name
ID_PATH = "ID_PATH"
ID_INSTANCE = "ID_INSTANCE"
ID_ATA_ROTATION_RATE_RPM = "ID_ATA_ROTATION_RATE_RPM"
# systemd ≥ 252 keeps what usb_id found under ID_USB_*, even when ata_id
# later overwrote ID_SERIAL with the drive's own identity.
ID_USB_DRIVER = "ID_USB_DRIVER"
ID_USB_VENDOR = "ID_USB_VENDOR"
ID_USB_VENDOR_ENC = "ID_USB_VENDOR_ENC"
ID_USB_VENDOR_ID = "ID_USB_VENDOR_ID"
ID_USB_MODEL = "ID_USB_MODEL"
ID_USB_MODEL_ENC = "ID_USB_MODEL_ENC"
ID_USB_MODEL_ID = "ID_USB_MODEL_ID"
ID_USB_SERIAL_SHORT = "ID_USB_SERIAL_SHORT"
ID_USB_INSTANCE = "ID_USB_INSTANCE"
# blkid, on partitions (and on whole disks that carry a filesystem)
ID_FS_TYPE = "ID_FS_TYPE"
ID_FS_LABEL = "ID_FS_LABEL"
ID_FS_LABEL_ENC = "ID_FS_LABEL_ENC"
ID_FS_UUID = "ID_FS_UUID"
ID_FS_UUID_SUB = "ID_FS_UUID_SUB"
ID_PART_ENTRY_UUID = "ID_PART_ENTRY_UUID"
ID_PART_ENTRY_NUMBER = "ID_PART_ENTRY_NUMBER"
ID_PART_ENTRY_SIZE = "ID_PART_ENTRY_SIZE"  # in 512-byte sectors
ID_PART_ENTRY_DISK = "ID_PART_ENTRY_DISK"  # "major:minor" of the disk

# sysfs attributes the live probe reads (absent from a dump)
ATTR_SIZE = "size"  # in 512-byte sectors, whatever the logical block size
ATTR_REMOVABLE = "removable"
ATTR_ROTATIONAL = "queue/rotational"
ATTR_VENDOR = "device/vendor"
ATTR_MODEL = "device/model"
SECTOR_BYTES = 512

# USB device (the bridge) attributes, from the usb_device parent
USB_ID_VENDOR = "idVendor"
USB_ID_PRODUCT = "idProduct"
USB_MANUFACTURER = "manufacturer"
USB_PRODUCT = "product"
USB_SERIAL = "serial"


@dataclass(frozen=True, slots=True)
class UdevDevice:
    """A device of the udev database: its properties and links, and what sysfs said."""

    devpath: str | None  # /devices/pci0000:00/…/block/sdc
    devnode: str | None  # /dev/sdc
    subsystem: str | None  # block, usb, …
    devtype: str | None  # disk, partition, usb_device, …
    properties: dict[str, str] = field(default_factory=dict)
    devlinks: tuple[str, ...] = ()  # full paths: /dev/disk/by-id/…
    sysattrs: dict[str, str] = field(default_factory=dict)  # live only
    usb_device: dict[str, str] = field(default_factory=dict)  # live only: the bridge's USB attributes
    mountpoints: tuple[str, ...] = ()  # live only

    def get(self, key: str) -> str | None:
        value = self.properties.get(key)
        return value if value not in (None, "") else None

    @property
    def name(self) -> str | None:
        """The kernel name: sdc, nvme0n1p1."""
        if self.devnode:
            return self.devnode.rsplit("/", 1)[-1]
        if self.devpath:
            return self.devpath.rsplit("/", 1)[-1]
        return None


_ENCODED = re.compile(r"\\x([0-9a-fA-F]{2})")


def decode_udev(text: str) -> str:
    """Given a udev *_ENC value (`WDC\\x20WD40EFZX`), return the text it encodes."""
    raw = _ENCODED.sub(lambda match: chr(int(match[1], 16)), text)
    try:
        # udev escapes bytes; multi-byte UTF-8 arrives as several \xNN
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw
