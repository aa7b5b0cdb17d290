"""smartctl readings given by hand (`--smartctl FILE`), joined to the disks they belong to.

A reading joins the inventory's disk with the same serial or WWN (a bridge's
devnode or name proves nothing). A placeholder serial ("--" as hw-probe masks
it, "0000000000", "To Be Filled By O.E.M.", a bridge's shared one: the one list
is known_hardware.bogus_serial_reason) is no identity: such a reading joins by
its WWN or not at all, and the inventory's problems say so, since worsening
across two different drives would be false. One that joins no disk becomes a disk of its
own, known by the device smartctl was asked about. Two readings of the same
drive are two moments: the earlier one goes into the previous inventory, so
diagnose can say what got worse. Pure: the files are read by replay.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from nodewatch import known_hardware
from nodewatch.model import Disk, Inventory, InventorySource, SmartInfo, Transport
from nodewatch.parse.inventory import drive_identity


@dataclass(frozen=True, slots=True)
class Joined:
    inventory: Inventory  # the disks with the newest reading of each drive
    previous: Inventory | None  # the same disks with the earlier readings, when a drive was read twice


def join_readings(inventory: Inventory | None, readings: Sequence[tuple[str, SmartInfo]]) -> Joined:
    """Given an inventory (None: only the readings) and (name, reading) pairs in the order given,
    return the inventory with each reading on its drive, and the one before when one drive was
    given twice (the first file is the earlier reading)."""
    disks = list(inventory.disks) if inventory else []
    known = len(disks)  # disks of the inventory; readings of other machines never join by devnode
    previous: dict[int, SmartInfo] = {}
    notes: list[str] = []
    for position, (name, smart) in enumerate(readings):
        placeholder = known_hardware.bogus_serial_reason(smart.serial) if smart.available else None
        if placeholder:
            how = (
                "joined by its WWN only"
                if drive_keys(None, smart.wwn)
                else "never taken for the same drive as another reading (no worsening is judged across it)"
            )
            notes.append(f"smartctl reading {name}: {placeholder}; {how}")
        index = _match(disks, smart, known)
        if index is None:
            disk = _disk_of(name, smart, position)
            if any(other.devnode == disk.devnode for other in disks):  # readings from several machines
                disk = replace(disk, devnode=f"{disk.devnode} ({name})")
            disks.append(disk)
            continue
        old = disks[index].smart
        if old is not None and old.available and smart.available and _same_drive(old, smart):
            previous.setdefault(index, old)
        disks[index] = _with_smart(disks[index], smart)
    current = Inventory(
        disks=tuple(disks),
        source=inventory.source if inventory else InventorySource.UDEV_DB,
        problems=(*(inventory.problems if inventory else ()), *notes),
    )
    if not previous:
        return Joined(current, None)
    before = tuple(_with_smart(disk, previous[i]) if i in previous else disk for i, disk in enumerate(disks))
    return Joined(current, replace(current, disks=before))


def drive_keys(serial: str | None, wwn: str | None) -> set[str]:
    """The keys a drive is known by: its serial unless a placeholder, its WWN unless a bridge's."""
    keys = set()
    if serial and serial.strip() and not known_hardware.bogus_serial_reason(serial):
        keys.add("serial:" + serial.strip().upper())
    if wwn and wwn.strip():
        value = wwn.strip().lower()
        value = value if value.startswith("0x") else "0x" + value
        if value not in known_hardware.BOGUS_BRIDGE_WWNS:
            keys.add("wwn:" + value)
    return keys


def _match(disks: list[Disk], smart: SmartInfo, known: int) -> int | None:
    wanted = drive_keys(smart.serial, smart.wwn)
    if wanted:
        for index, disk in enumerate(disks):
            have = drive_keys(disk.serial, disk.wwn)
            if disk.smart:
                have |= drive_keys(disk.smart.serial, disk.smart.wwn)
            if wanted & have:
                return index
        return None
    if smart.device:  # no identity in the reading (a bridge that hid it): the devnode it was asked about
        return next((i for i, disk in enumerate(disks[:known]) if disk.devnode == smart.device), None)
    return None


def _same_drive(old: SmartInfo, new: SmartInfo) -> bool:
    return bool(drive_keys(old.serial, old.wwn) & drive_keys(new.serial, new.wwn))


def _with_smart(disk: Disk, smart: SmartInfo) -> Disk:
    model, serial, wwn = drive_identity(disk.model, disk.serial, disk.wwn, smart)
    return replace(disk, smart=smart, model=model, serial=serial, wwn=wwn)


def _disk_of(name: str, smart: SmartInfo, position: int) -> Disk:
    """A disk known only from its reading: the device smartctl was asked about, else the file."""
    kind = smart.device_type or ""
    if smart.protocol == "NVMe" and not kind.startswith("snt"):
        transport = Transport.NVME
    elif kind.startswith(("usb", "snt")) or smart.bridge_ids:
        transport = Transport.USB
    elif smart.protocol == "SCSI":
        transport = Transport.SCSI
    elif smart.protocol == "ATA" and kind in ("", "ata"):
        transport = Transport.SATA
    else:
        transport = Transport.UNKNOWN  # -d sat: a SATA port or a USB bridge, the output does not say
    return Disk(
        devnode=smart.device or f"({name or f'reading {position + 1}'})",
        transport=transport,
        model=smart.model,
        serial=smart.serial,
        wwn=smart.wwn,
        smart=smart,
    )
