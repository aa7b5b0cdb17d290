"""A pasted `ls -l /dev/disk/by-id` listing to a best-effort Inventory.

A listing has names and link targets only: no sizes, no udev facts, no ZFS
labels, and a disk behind a USB bridge that passes ATA through looks like a
SATA disk. The Inventory says so in its problems; the names themselves are
read as udev wrote them (see by_id_names).
"""

from __future__ import annotations

import re
from collections import Counter

from nodewatch import known_hardware
from nodewatch.model import Disk, Inventory, InventorySource, Partition, Transport, UsbBridge
from nodewatch.parse import by_id_names, usb_bridge
from nodewatch.parse.device_names import disk_name, natural_key

SOURCE = InventorySource.BY_ID_LISTING
BEST_EFFORT = (
    "best effort: built from an `ls -l /dev/disk/by-id` listing, which has no sizes, no udev or SMART"
    " facts and no ZFS labels; a USB disk whose bridge passes ATA through looks like a SATA disk"
)
# `lrwxrwxrwx 1 root root 9 Nov 22 10:35 NAME -> ../../sdc`; also `NAME -> ../../sdc` alone.
_LINK = re.compile(r"(?:^|\s)(\S+) -> (\S+)\s*$")
# by-path names that land in the same paste when people list both folders
_BY_PATH_PREFIXES = ("pci-", "platform-", "virtio-pci-", "acpi-", "ccw-", "xen-", "usb-0:")
_OPTICAL_NODE = re.compile(r"^(sr|scd)\d+$")  # the kernel's names for SCSI CD-ROM drives
# Not links: `ls` headers, prompts (`$ ls …`, `root@host:~# ls …`), `ls -a`'s `.` and `..`.
_IGNORED = re.compile(
    r"^(total \d+|\$ .*|#.*|\S+[#$] ls\b.*|d[rwxsStT-]{9}[.+@]?\s.*\s\.\.?|\[rc=\d+\]|/dev/disk/by-\S+:)$"
)
_TRANSPORT_BY_KIND = (
    ("usb", Transport.USB),
    ("nvme", Transport.NVME),
    ("nvme-eui", Transport.NVME),
    ("nvme-nvme", Transport.NVME),
    ("mmc", Transport.MMC),
    ("virtio", Transport.VIRTIO),
    ("ata", Transport.SATA),
    ("scsi", Transport.SCSI),
)


_TRANSPORT_BY_PATH = (
    ("-usb-", Transport.USB),
    ("-nvme-", Transport.NVME),
    ("virtio-pci-", Transport.VIRTIO),
    ("-ata-", Transport.SATA),
    ("-sas-", Transport.SCSI),
)


def parse_by_id_listing(text: str, *, source: str = "<stdin>") -> Inventory:
    """Given the text of `ls -l /dev/disk/by-id` (a paste), return a best-effort Inventory.

    Lines that are not links are kept in problems; nothing raises.
    """
    problems = [BEST_EFFORT]
    links_by_target: dict[str, list[str]] = {}
    by_path: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or _IGNORED.match(stripped):
            continue
        match = _LINK.search(stripped)
        if not match:
            problems.append(f"{source}:{number}: not a by-id link: {stripped[:80]!r}")
            continue
        name, target = match[1], "/dev/" + match[2].rsplit("/", 1)[-1]
        if name.startswith(_BY_PATH_PREFIXES):
            by_path.setdefault(target, []).append(by_id_names.BY_PATH + name)
        else:
            links_by_target.setdefault(target, []).append(name)
    for target in by_path:  # a disk with by-path names only (a virtio disk without a serial)
        if target not in links_by_target and (_parent(target) == target or _parent(target) not in by_path):
            links_by_target[target] = []
    disks_targets = {t for t in links_by_target if not _is_partition(t, links_by_target)}
    serial_counts = Counter(
        serial.upper()
        for target in disks_targets
        for name in links_by_target[target]
        if (serial := by_id_names.usb_serial_in_name(name))
    )
    disks = []
    for target in sorted(disks_targets, key=natural_key):
        names = links_by_target[target]
        parts = sorted((t for t in links_by_target if t != target and _parent(t) == target), key=natural_key)
        disks.append(
            _disk(
                target,
                names=names,
                partition_targets=parts,
                links_by_target=links_by_target,
                by_path=by_path,
                serial_counts=serial_counts,
            )
        )
    orphans = [t for t in links_by_target if t not in disks_targets and _parent(t) not in disks_targets]
    problems.extend(f"partition {t} is listed without its disk" for t in sorted(orphans))
    return Inventory(disks=tuple(disks), source=SOURCE, problems=tuple(problems))


def _is_partition(target: str, links_by_target: dict[str, list[str]]) -> bool:
    names = links_by_target[target]
    return bool(names) and all(by_id_names.split_partition(name)[1] is not None for name in names)


def _parent(partition: str) -> str:
    return "/dev/" + disk_name(partition.rsplit("/", 1)[-1])


def _disk(
    target: str,
    *,
    names: list[str],
    partition_targets: list[str],
    links_by_target: dict[str, list[str]],
    by_path: dict[str, list[str]],
    serial_counts: Counter[str],
) -> Disk:
    kinds = {by_id_names.link_kind(name) for name in names}
    transport = next((t for kind, t in _TRANSPORT_BY_KIND if kind in kinds), None)
    transport = transport or _transport_from_path(by_path.get(target, []))
    if transport is Transport.SCSI and any(name.startswith("scsi-SATA_") for name in names):
        transport = Transport.SATA  # the pre-2014 udev spelling of ata- names
    model, serial = _identity(names, transport)
    transport = _not_a_disk(target, kinds) or transport
    bridge = None
    bogus = None
    if transport is Transport.USB:
        usb_name = next(name for name in names if name.startswith("usb-"))
        bridge_serial = by_id_names.usb_serial_in_name(usb_name)
        bogus = known_hardware.bogus_serial_reason(bridge_serial)
        if bridge_serial and serial_counts[bridge_serial.upper()] > 1:
            shared = f"serial {bridge_serial} is in the names of {serial_counts[bridge_serial.upper()]} disks"
            bogus = f"{shared}; {bogus}" if bogus else shared
        bridge = UsbBridge(
            driver="unknown",
            port_path=next(
                (port for path in by_path.get(target, []) if (port := by_id_names.usb_port_path(path))), None
            ),
            serial=bridge_serial,
            serial_is_drives=usb_bridge.serial_is_drives(bridge_serial, None, bogus=bogus is not None),
            bogus_serial_reason=bogus,
        )
        serial = usb_bridge.drive_serial(bridge)
    wwn = next((name[len("wwn-") :] for name in names if name.startswith("wwn-")), None)
    partitions = tuple(
        Partition(
            devnode=part,
            number=next(
                (n for name in links_by_target[part] if (n := by_id_names.split_partition(name)[1])), None
            ),
            by_id=by_id_names.links(links_by_target[part], bay_named=bogus is not None),
        )
        for part in partition_targets
    )
    warnings = []
    smr = known_hardware.smr_warning(model)
    if smr:
        warnings.append(smr)
    if bogus:
        warnings.append(f"The USB bridge hides the drive's serial ({bogus})")
    return Disk(
        devnode=target,
        transport=transport,
        model=model,
        serial=serial,
        wwn=wwn,
        by_id=by_id_names.links(names, bay_named=bogus is not None),
        by_path=tuple(sorted(by_path.get(target, ()))),
        bridge=bridge,
        partitions=partitions,
        warnings=tuple(warnings),
    )


def _not_a_disk(target: str, kinds: set[str]) -> Transport | None:
    """An optical drive (sr0: udev names it ata-… on a SATA port) or a device-mapper volume
    (dm-0: dm-name-, dm-uuid-, lvm-pv-uuid- names) is listed for what it is, not as a disk."""
    name = target.rsplit("/", 1)[-1]
    if _OPTICAL_NODE.match(name):
        return Transport.OPTICAL
    if name.startswith("dm-") or "dm" in kinds:
        return Transport.DEVICE_MAPPER
    return None


def _transport_from_path(paths: list[str]) -> Transport:
    for path in paths:
        for marker, transport in _TRANSPORT_BY_PATH:
            if marker in path:
                return transport
    return Transport.UNKNOWN


def _identity(names: list[str], transport: Transport) -> tuple[str | None, str | None]:
    """(model, serial) read back from the names: MODEL_SERIAL after the kind prefix."""
    wanted = {Transport.SATA: ("ata-", "scsi-SATA_"), Transport.NVME: ("nvme-",), Transport.USB: ("usb-",)}
    for prefix in wanted.get(transport, ()):
        for name in sorted(names, key=len):
            if not name.startswith(prefix) or name.startswith(("nvme-eui.", "nvme-nvme.", "nvme-uuid.")):
                continue
            body = name[len(prefix) :]
            if transport is Transport.USB:
                body = re.sub(r"-\d+:\d+$", "", body)
            if "_" not in body:
                return body.replace("_", " "), None
            model, serial = body.rsplit("_", 1)
            return model.replace("_", " "), serial
    return None, None
