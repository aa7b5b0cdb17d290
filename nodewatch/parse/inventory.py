"""udev records (live or from a dump) to the Inventory: one Disk per physical disk.

This is the one place where a disk's transport is decided, its bridge
described, its partitions' ZFS labels read and its by-id names flagged;
everyone else reads the Inventory. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from nodewatch import known_hardware
from nodewatch.model import (
    ByIdLink,
    Disk,
    Guid,
    Inventory,
    InventorySource,
    Partition,
    SmartInfo,
    Transport,
    UsbBridge,
    ZfsMember,
)
from nodewatch.parse import by_id_names, usb_bridge
from nodewatch.parse.device_names import disk_name, natural_key
from nodewatch.parse.udev_db import UdevDump
from nodewatch.parse.udev_record import (
    ATTR_REMOVABLE,
    ATTR_ROTATIONAL,
    ATTR_SIZE,
    ATTR_VENDOR,
    BUS_ATA,
    BUS_SCSI,
    BUS_USB,
    DEVTYPE_USB_DEVICE,
    ID_ATA,
    ID_ATA_ROTATION_RATE_RPM,
    ID_BUS,
    ID_CDROM,
    ID_FS_LABEL,
    ID_FS_LABEL_ENC,
    ID_FS_TYPE,
    ID_FS_UUID,
    ID_FS_UUID_SUB,
    ID_MODEL,
    ID_MODEL_ENC,
    ID_NAME,
    ID_PART_ENTRY_DISK,
    ID_PART_ENTRY_NUMBER,
    ID_PART_ENTRY_SIZE,
    ID_PART_ENTRY_UUID,
    ID_SERIAL,
    ID_SERIAL_SHORT,
    ID_USB_DRIVER,
    ID_VENDOR,
    ID_VENDOR_ENC,
    ID_WWN,
    ID_WWN_WITH_EXTENSION,
    MAJOR,
    MINOR,
    PARTN,
    SECTOR_BYTES,
    SUBSYSTEM_USB,
    UdevDevice,
    decode_udev,
)
from nodewatch.words.disks import shared_name

ZFS_MEMBER = "zfs_member"
# Block devices that are not physical disks: loops, RAM disks, optical drives.
_NOT_DISKS = re.compile(r"^(loop|ram|zram|sr|fd|nbd)\d")
_USB_IN_PATH = re.compile(r"/usb\d+/")
_ATA_IN_PATH = re.compile(r"/ata\d+/")
_SCSI_IN_PATH = re.compile(r"/host\d+/target")


def decide_transport(device: UdevDevice) -> Transport:
    """Given a disk's udev record, return how it is attached.

    USB is checked first: an NVMe or SATA drive in a USB enclosure is behind a
    bridge whatever udev's ID_BUS says (ata_id may have talked through it).
    """
    path = device.devpath or ""
    name = device.name or ""
    bus = device.get(ID_BUS)
    if device.get(ID_USB_DRIVER) or bus == BUS_USB or _USB_IN_PATH.search(path):
        return Transport.USB
    if name.startswith("nvme") or "/nvme/" in path:
        return Transport.NVME
    if name.startswith("mmcblk") or "/mmc_host/" in path:
        return Transport.MMC
    if name.startswith("vd") and ("/virtio" in path or not path):
        return Transport.VIRTIO
    if bus == BUS_ATA or device.get(ID_ATA) == "1" or _ATA_IN_PATH.search(path):
        return Transport.SATA
    if bus == BUS_SCSI or _SCSI_IN_PATH.search(path):
        return Transport.SCSI
    return Transport.UNKNOWN


@dataclass(frozen=True, slots=True)
class SmartTarget:
    """What smartctl needs to know of a disk to ask it the right way."""

    devnode: str
    transport: Transport
    usb_ids: str | None = None  # "152d:0583": the USB bridge's vendor:product, for USB disks
    by_id: tuple[str, ...] = ()  # its /dev/disk/by-id names: is it still the same drive?


@dataclass(frozen=True, slots=True)
class _DiskRecord:
    record: UdevDevice
    transport: Transport
    partitions: tuple[UdevDevice, ...]
    usb_parent: UdevDevice | None


@dataclass(frozen=True, slots=True)
class DiskRecords:
    """The physical disks among udev records, each with its partitions and USB parent: the
    part of the inventory that does not depend on SMART, sorted out once a pass."""

    disks: tuple[_DiskRecord, ...]
    problems: tuple[str, ...]
    shared_bridge_serials: dict[str, tuple[str, ...]]
    # by-id names claimed by more than one device (disk or partition): name → their devnodes
    shared_links: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def smart_targets(self) -> tuple[SmartTarget, ...]:
        return tuple(
            SmartTarget(
                disk.record.devnode or "?",
                disk.transport,
                _usb_ids(disk),
                _by_id_names(disk.record),
            )
            for disk in self.disks
        )


def sort_records(records: UdevDump | Iterable[UdevDevice], problems: Iterable[str] = ()) -> DiskRecords:
    """Given udev records (a parsed dump or the live probe's), return the physical disks
    among them with their partitions and USB parents. Records of other subsystems are
    used only to describe USB bridges; nothing raises."""
    found_problems = list(problems)
    if isinstance(records, UdevDump):
        found_problems.extend(records.problems)
        records = records.devices
    disks: list[UdevDevice] = []
    partitions: list[UdevDevice] = []
    usb_devices: dict[str, UdevDevice] = {}
    for record in records:
        if record.subsystem == SUBSYSTEM_USB and record.devtype == DEVTYPE_USB_DEVICE and record.devpath:
            usb_devices[record.devpath] = record
        elif record.subsystem in ("block", None) and record.devnode:
            if record.devtype == "partition":
                partitions.append(record)
            elif record.devtype in ("disk", None) and _is_physical(record):
                disks.append(record)
    seen = Counter(disk.devnode for disk in disks)
    found_problems.extend(
        f"{node} appears {count} times in the dump" for node, count in seen.items() if count > 1
    )
    children = _partitions_by_disk(disks, partitions, found_problems)
    sorted_disks = tuple(
        _DiskRecord(
            record,
            decide_transport(record),
            tuple(children.get(id(record), [])),
            _usb_parent(record, usb_devices),
        )
        for record in sorted(disks, key=lambda disk: natural_key(disk.devnode or ""))
    )
    return DiskRecords(
        sorted_disks,
        tuple(found_problems),
        _shared_bridge_serials(disks),
        _shared_links([*disks, *partitions]),
    )


def build_inventory(
    records: DiskRecords | UdevDump | Iterable[UdevDevice],
    *,
    source: InventorySource = InventorySource.UDEV,
    smart_by_devnode: Mapping[str, SmartInfo] | None = None,
    problems: Iterable[str] = (),
) -> Inventory:
    """Given udev records (sorted by sort_records, a parsed dump or the live probe's) and
    SMART by devnode, return the Inventory: disks in name order, each with its partitions."""
    if not isinstance(records, DiskRecords):
        records = sort_records(records, problems)
    smart = smart_by_devnode or {}
    built = [_disk(disk, smart.get(disk.record.devnode or ""), records) for disk in records.disks]
    return Inventory(disks=tuple(built), source=source, problems=records.problems)


def _usb_ids(disk: _DiskRecord) -> str | None:
    if disk.transport is not Transport.USB:
        return None
    bridge = usb_bridge.build_bridge(disk.record, disk.usb_parent, drive_serial=None)
    return f"{bridge.vendor_id}:{bridge.product_id}" if bridge.vendor_id and bridge.product_id else None


def _is_physical(device: UdevDevice) -> bool:
    name = device.name or ""
    if _NOT_DISKS.match(name) or name.startswith(("dm-", "md")) or device.get(ID_CDROM) == "1":
        return False
    return "/devices/virtual/" not in (device.devpath or "")


def _partitions_by_disk(
    disks: list[UdevDevice], partitions: list[UdevDevice], problems: list[str]
) -> dict[int, list[UdevDevice]]:
    by_path = {disk.devpath: disk for disk in disks if disk.devpath}
    by_number = {f"{disk.get(MAJOR)}:{disk.get(MINOR)}": disk for disk in disks if disk.get(MAJOR)}
    by_name = {disk.name: disk for disk in disks}
    out: dict[int, list[UdevDevice]] = {}
    for part in partitions:
        parent = by_path.get(part.devpath.rsplit("/", 1)[0]) if part.devpath else None
        parent = parent or by_number.get(part.get(ID_PART_ENTRY_DISK) or "")
        parent = parent or by_name.get(disk_name(part.name or ""))
        if parent is None:
            problems.append(f"partition {part.devnode} has no disk in the records")
            continue
        out.setdefault(id(parent), []).append(part)
    return out


def _usb_parent(device: UdevDevice, usb_devices: dict[str, UdevDevice]) -> UdevDevice | None:
    """The usb_device record whose devpath is the longest prefix of the disk's."""
    path = device.devpath or ""
    best = None
    for devpath, record in usb_devices.items():
        if path.startswith(devpath + "/") and (best is None or len(devpath) > len(best.devpath or "")):
            best = record
    return best


def _shared_bridge_serials(disks: list[UdevDevice]) -> dict[str, tuple[str, ...]]:
    owners: dict[str, list[str]] = {}
    for disk in disks:
        if decide_transport(disk) is Transport.USB:
            serial = usb_bridge.bridge_serial(disk)
            if serial:
                owners.setdefault(serial.upper(), []).append(disk.devnode or "?")
    return {serial: tuple(nodes) for serial, nodes in owners.items() if len(nodes) > 1}


def _shared_links(devices: list[UdevDevice]) -> dict[str, tuple[str, ...]]:
    """The by-id names more than one device claims. Two bridges reporting one serial (or two
    drives with one ID_SERIAL) make udev build the same name for both; each device's record
    still lists it, while the link itself points at one claimant, not always the same one
    (/run/udev/links/ holds the claimants). The one place this is decided."""
    claimants: dict[str, set[str]] = {}
    for device in devices:
        for name in _by_id_names(device):
            claimants.setdefault(name, set()).add(device.devnode or "?")
    return {
        name: tuple(sorted(nodes, key=natural_key)) for name, nodes in claimants.items() if len(nodes) > 1
    }


def _disk(sorted_record: _DiskRecord, smart: SmartInfo | None, records: DiskRecords) -> Disk:
    record, transport, usb_parent = sorted_record.record, sorted_record.transport, sorted_record.usb_parent
    shared = records.shared_bridge_serials
    partition_records = sorted_record.partitions
    drive_serial = smart.serial if smart and smart.serial else None
    model, vendor, serial = _identity(record, transport)
    bridge = None
    if transport is Transport.USB:
        ata_through_bridge = record.get(ID_BUS) == BUS_ATA
        own_serial = drive_serial or (serial if ata_through_bridge else None)
        bridge_serial = usb_bridge.bridge_serial(record)
        others = tuple(n for n in shared.get((bridge_serial or "").upper(), ()) if n != record.devnode)
        bridge = usb_bridge.build_bridge(record, usb_parent, drive_serial=own_serial, shared_with=others)
        if not ata_through_bridge:
            model = usb_bridge.inquiry_model(record)
            serial = usb_bridge.drive_serial(bridge)
    wwn = record.get(ID_WWN_WITH_EXTENSION) or record.get(ID_WWN)
    warnings: list[str] = []
    if bridge and wwn and wwn.lower() in known_hardware.BOGUS_BRIDGE_WWNS:
        warnings.append(f"WWN {wwn} is the bridge's: {known_hardware.BOGUS_BRIDGE_WWNS[wwn.lower()]}")
        wwn = None
    model, serial, wwn = drive_identity(model, serial, wwn, smart)
    links = _links(record, bridge, records.shared_links)
    partitions = [_partition(part, bridge, records.shared_links) for part in partition_records]
    if not partitions and record.get(ID_FS_TYPE):
        partitions.append(_partition(record, bridge, records.shared_links, whole_disk=True))
    partitions.sort(key=lambda part: (part.number is None, part.number or 0, part.devnode))
    warnings.extend(_warnings(model, bridge, links))
    return Disk(
        devnode=record.devnode or "?",
        transport=transport,
        model=model,
        vendor=vendor,
        serial=serial,
        wwn=wwn,
        size_bytes=_sectors(record.sysattrs.get(ATTR_SIZE)),
        rotational=_rotational(record),
        removable=_flag(record.sysattrs.get(ATTR_REMOVABLE)),
        by_id=links,
        by_path=tuple(sorted(link for link in record.devlinks if link.startswith(by_id_names.BY_PATH))),
        bridge=bridge,
        partitions=tuple(partitions),
        smart=smart,
        warnings=tuple(warnings),
        sysfs_path=record.devpath,
    )


def drive_identity(
    model: str | None, serial: str | None, wwn: str | None, smart: SmartInfo | None
) -> tuple[str | None, str | None, str | None]:
    """Given what udev (or a by-id name) says of a drive and its SMART reading, return the
    drive's own (model, serial, WWN): what SMART read from the drive itself, through any
    bridge, else udev's. Decided here once: `Disk.serial` and `Disk.wwn` are what everyone
    else reads (matching a missing member, naming a disk)."""
    if smart is None or not smart.available:
        return model, serial, wwn
    return smart.model or model, smart.serial or serial, smart.wwn or wwn


def _identity(record: UdevDevice, transport: Transport) -> tuple[str | None, str | None, str | None]:
    """(model, vendor, serial) as udev has them, before any bridge or SMART correction."""
    model = usb_bridge.text_property(record, ID_MODEL_ENC, ID_MODEL)
    vendor = usb_bridge.text_property(record, ID_VENDOR_ENC, ID_VENDOR)
    serial = record.get(ID_SERIAL_SHORT)
    if transport is Transport.MMC:
        model = record.get(ID_NAME)
        serial = serial or record.get(ID_SERIAL)
    elif transport is Transport.VIRTIO:
        serial = serial or record.get(ID_SERIAL)
    if transport in (Transport.SATA, Transport.NVME):
        vendor = (record.sysattrs.get(ATTR_VENDOR) or "").strip() or None
    return model, vendor, serial


def _links(
    record: UdevDevice, bridge: UsbBridge | None, shared: Mapping[str, tuple[str, ...]]
) -> tuple[ByIdLink, ...]:
    bay_named = bool(bridge and (bridge.bogus_serial_reason or bridge.serial_is_drives is False))
    own = record.devnode or "?"
    out = []
    for link in by_id_names.links(_by_id_names(record), bay_named=bay_named):
        # A partition's name is as good as its disk's: once the other disk is partitioned too
        # (a replace does that), X-part1 has two claimants as X has.
        disk_name_of_link = by_id_names.split_partition(link.name)[0]
        claimants = shared.get(link.name) or shared.get(disk_name_of_link, ())
        others = tuple(node for node in claimants if _disk_of(node) != _disk_of(own))
        out.append(dataclasses.replace(link, shared_with=others) if others else link)
    return tuple(out)


def _disk_of(devnode: str) -> str:
    """/dev/sdc1 → sdc: the disk a devnode is on."""
    return disk_name(devnode.rsplit("/", 1)[-1])


def _by_id_names(record: UdevDevice) -> tuple[str, ...]:
    return tuple(
        link[len(by_id_names.BY_ID) :] for link in record.devlinks if link.startswith(by_id_names.BY_ID)
    )


def _partition(
    record: UdevDevice,
    bridge: UsbBridge | None,
    shared: Mapping[str, tuple[str, ...]],
    *,
    whole_disk: bool = False,
) -> Partition:
    number = record.get(PARTN) or record.get(ID_PART_ENTRY_NUMBER)
    size = _sectors(record.sysattrs.get(ATTR_SIZE)) or (
        None if whole_disk else _sectors(record.get(ID_PART_ENTRY_SIZE))
    )
    partuuid = None if whole_disk else record.get(ID_PART_ENTRY_UUID)
    by_partuuid = next((link for link in record.devlinks if link.startswith(by_id_names.BY_PARTUUID)), None)
    label = record.get(ID_FS_LABEL_ENC)
    fs_type = record.get(ID_FS_TYPE)
    return Partition(
        devnode=record.devnode or "?",
        number=int(number) if number and number.isdigit() and not whole_disk else None,
        size_bytes=size,
        fs_type=fs_type,
        fs_label=decode_udev(label) if label else record.get(ID_FS_LABEL),
        fs_uuid=record.get(ID_FS_UUID),
        partuuid=partuuid,
        by_id=() if whole_disk else _links(record, bridge, shared),
        by_partuuid=None if whole_disk else by_partuuid,
        mountpoints=record.mountpoints,
        zfs=_zfs_member(record) if fs_type == ZFS_MEMBER else None,
    )


def _zfs_member(record: UdevDevice) -> ZfsMember:
    """blkid's zfs probe: LABEL is the pool name, UUID the pool guid and UUID_SUB the
    vdev guid, both printed in decimal (libblkid superblocks/zfs.c)."""
    label = record.get(ID_FS_LABEL_ENC)
    return ZfsMember(
        pool_name=decode_udev(label) if label else record.get(ID_FS_LABEL),
        pool_guid=_guid(record.get(ID_FS_UUID)),
        vdev_guid=_guid(record.get(ID_FS_UUID_SUB)),
    )


def _guid(text: str | None) -> Guid | None:
    if not text:
        return None
    try:
        return Guid(int(text, 16) if text.lower().startswith("0x") else int(text))
    except ValueError:
        return None


def _warnings(model: str | None, bridge: UsbBridge | None, links: tuple[ByIdLink, ...]) -> list[str]:
    out = []
    smr = known_hardware.smr_warning(model)
    if smr:
        out.append(smr)
    if bridge and bridge.bogus_serial_reason:
        out.append(
            f"The USB bridge hides the drive's serial ({bridge.bogus_serial_reason}); its by-id"
            " name cannot tell drives apart: use /dev/disk/by-partuuid/ names for pools"
        )
    shared = next((link for link in links if link.shared), None)
    if shared:
        out.append(f"{shared_name(shared)}.")
    positional = [link.name for link in links if link.positional]
    if positional:
        out.append(
            f"{positional[0]} names the bridge and bay, not the drive: if disks swap bays or"
            " enclosures, the names swap"
        )
    chip = known_hardware.bridge_chip(bridge.vendor_id, bridge.product_id) if bridge else None
    if bridge and chip and chip.note and (bridge.driver == "uas" or not chip.uas_trouble):
        out.append(f"{chip.name} bridge ({bridge.vendor_id}:{bridge.product_id}): {chip.note}")
    return out


def _sectors(text: str | None) -> int | None:
    return int(text) * SECTOR_BYTES if text and text.strip().isdigit() else None


def _flag(text: str | None) -> bool | None:
    return {"1": True, "0": False}.get((text or "").strip())


def _rotational(record: UdevDevice) -> bool | None:
    flag = _flag(record.sysattrs.get(ATTR_ROTATIONAL))
    if flag is not None:
        return flag
    rpm = record.get(ID_ATA_ROTATION_RATE_RPM)
    return int(rpm) > 0 if rpm and rpm.isdigit() else None
