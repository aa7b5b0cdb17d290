"""What a /dev/disk/by-id name says by itself: its kind, its partition, its bay.

Names are read as udev made them (systemd's 60-persistent-storage.rules,
with `\\x20` already turned into `_`); nothing here rebuilds a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nodewatch.model import ByIdLink

BY_ID = "/dev/disk/by-id/"
BY_PATH = "/dev/disk/by-path/"
BY_PARTUUID = "/dev/disk/by-partuuid/"

# Longest first: nvme-eui. before nvme-, dm-uuid- before dm-.
_KINDS: tuple[tuple[str, str], ...] = (
    ("nvme-eui.", "nvme-eui"),
    ("nvme-nvme.", "nvme-nvme"),
    ("nvme-uuid.", "nvme-uuid"),
    ("nvme-", "nvme"),
    ("ata-", "ata"),
    ("wwn-", "wwn"),
    ("usb-", "usb"),
    ("mmc-", "mmc"),
    ("scsi-", "scsi"),
    ("virtio-", "virtio"),
    ("ieee1394-", "ieee1394"),
    ("md-", "md"),  # md-name-, md-uuid-: RAID arrays, not disks
    ("dm-", "dm"),  # dm-name-, dm-uuid-: device-mapper volumes, not disks
    ("lvm-", "dm"),
    ("edd-", "edd"),
    ("memstick-", "memstick"),
)
_PART_SUFFIX = re.compile(r"-part(\d+)$")
# usb-VENDOR_MODEL_SERIAL-0:0: the SCSI host:LUN instance ends the name.
_INSTANCE_SUFFIX = re.compile(r"-(\d+):(\d+)$")


def link_kind(name: str) -> str:
    """Given a by-id name, return its kind: ata, wwn, usb, nvme, nvme-eui, mmc, scsi, virtio, dm, md, …"""
    for prefix, kind in _KINDS:
        if name.startswith(prefix):
            return kind
    return name.split("-", 1)[0] if "-" in name else "other"


def links(names: Iterable[str], *, bay_named: bool) -> tuple[ByIdLink, ...]:
    """Given a device's by-id names, return them as links in name order, each flagged
    positional when it names the bridge's bay rather than the drive: a usb-…-0:N name
    with N ≠ 0, or any usb-…-0:0 name when the bridge's serial is not the drive's (bay_named)."""
    out = []
    for name in sorted(names):
        instance = usb_instance(name)
        positional = instance is not None and (instance[1] != 0 or bay_named)
        out.append(ByIdLink(name=name, kind=link_kind(name), positional=positional))
    return tuple(out)


def split_partition(name: str) -> tuple[str, int | None]:
    """Given `ata-X-part1`, return (`ata-X`, 1); a whole-disk name gives (name, None)."""
    match = _PART_SUFFIX.search(name)
    if not match:
        return name, None
    return name[: match.start()], int(match[1])


def usb_instance(name: str) -> tuple[int, int] | None:
    """Given a usb- by-id name (with or without -partN), return its (host, lun) suffix, or None."""
    base, _number = split_partition(name)
    match = _INSTANCE_SUFFIX.search(base)
    if not match or not base.startswith("usb-"):
        return None
    return int(match[1]), int(match[2])


def usb_serial_in_name(name: str) -> str | None:
    """Given usb-VENDOR_MODEL_SERIAL-0:0, return SERIAL (the last `_` field), or None."""
    base, _number = split_partition(name)
    match = _INSTANCE_SUFFIX.search(base)
    if not base.startswith("usb-") or not match:
        return None
    body = base[len("usb-") : match.start()]
    return body.rsplit("_", 1)[-1] if "_" in body else None


def usb_port_path(id_path: str | None) -> str | None:
    """Given ID_PATH `pci-0000:00:14.0-usb-0:1.2:1.0-scsi-0:0:0:0`, return `0:1.2:1.0`."""
    if not id_path:
        return None
    match = re.search(r"-usb(?:v\d+)?-([0-9]+:[0-9.]+:[0-9]+\.[0-9]+)", id_path)
    return match[1] if match else None
