"""`nodewatch disks`: every disk of the node, how it is attached, and why it is named so.

Answers "two of the disks show up as ATA, one as USB — what's up with that?"
for every disk: transport, bridge, whose serial a by-id name carries, ZFS
membership of each partition, SMART, known problems. Rendering only: facts
come from the Inventory (parse/inventory.py).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import Any

from nodewatch.cli import common
from nodewatch.model import Disk, Inventory, Partition, ProbeOutcome, ProbeResult, SmartInfo, Transport

EXIT_OK = 0
EXIT_UNAVAILABLE = 3
JSON_SCHEMA = 1
TRANSPORT_NAMES = {
    Transport.SATA: "SATA/ATA",
    Transport.USB: "USB bridge",
    Transport.NVME: "NVMe",
    Transport.MMC: "SD/MMC",
    Transport.VIRTIO: "virtio",
    Transport.SCSI: "SCSI/SAS",
    Transport.UNKNOWN: "unknown bus",
}
LINK_KIND_WORDS = {
    Transport.SATA: "ata-",
    Transport.USB: "usb-",
    Transport.NVME: "nvme-",
    Transport.MMC: "mmc-",
    Transport.VIRTIO: "virtio-",
    Transport.SCSI: "scsi-",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the inventory as JSON (schema 1)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--udev-db", metavar="FILE", help="read a saved `udevadm info --export-db` (`-` = stdin)"
    )
    source.add_argument(
        "--by-id",
        metavar="FILE",
        help="read a pasted `ls -l /dev/disk/by-id` (`-` = stdin): best effort, no sizes or SMART",
    )


def run(args: argparse.Namespace) -> int:
    probes: list[ProbeResult] = []
    if args.udev_db:
        from nodewatch.parse.inventory import build_inventory
        from nodewatch.parse.udev_db import parse_udev_db

        dump = parse_udev_db(common.read_input(args.udev_db), source=args.udev_db)
        inventory: Inventory | None = build_inventory(dump, source="udev-db")
    elif args.by_id:
        from nodewatch.parse.by_id_listing import parse_by_id_listing

        inventory = parse_by_id_listing(common.read_input(args.by_id), source=args.by_id)
    else:
        inventory = _live(common.load_config(args), probes)
    if args.json:
        common.print_json(document(inventory, probes))
    else:
        sys.stdout.write(render(inventory, probes, color=common.use_color()))
    return EXIT_OK if inventory is not None else EXIT_UNAVAILABLE


def _live(config: Any, probes: list[ProbeResult]) -> Inventory | None:
    from nodewatch.probe import disks

    collection = disks.collect(config.smart)
    probes.extend(collection.probes)
    return collection.inventory


def document(inventory: Inventory | None, probes: list[ProbeResult]) -> dict[str, Any]:
    """Given an inventory (None when unavailable), return the `disks --json` document."""
    from nodewatch.serialize import to_data

    return {
        "schema": JSON_SCHEMA,
        "source": inventory.source if inventory else None,
        "disks": to_data(inventory.disks) if inventory else [],
        "problems": list(inventory.problems) if inventory else [],
        "probes": to_data(probes),
    }


def render(inventory: Inventory | None, probes: list[ProbeResult], *, color: bool = False) -> str:
    """Given an inventory and the probes that made it, return the text for a terminal."""
    lines: list[str] = []
    if inventory is None:
        why = next((p.reason for p in probes if p.outcome is not ProbeOutcome.OK and p.reason), "unknown")
        return f"disk inventory unavailable: {why}\n"
    lines.append(common.paint(summary(inventory), "bold", color))
    for problem in inventory.problems:
        lines.append(f"  note: {problem}")
    for probe in probes:
        if probe.name == "smartctl" and probe.outcome is not ProbeOutcome.OK:
            lines.append(f"  SMART unavailable: {probe.reason}")
    replay = inventory.source != "udev"  # a dump or listing carries no SMART
    for disk in inventory.disks:
        lines.append("")
        lines.extend(_disk_lines(disk, color, smart_expected=not replay))
    return "\n".join(lines) + "\n"


def summary(inventory: Inventory) -> str:
    """'3 disks: 2 SATA/ATA, 1 USB bridge.'"""
    counts = Counter(disk.transport for disk in inventory.disks)
    parts = [f"{count} {TRANSPORT_NAMES[transport]}" for transport, count in counts.most_common()]
    noun = "disk" if len(inventory.disks) == 1 else "disks"
    return f"{len(inventory.disks)} {noun}" + (f": {', '.join(parts)}." if parts else ".")


def _disk_lines(disk: Disk, color: bool, *, smart_expected: bool = True) -> list[str]:
    head = f"{disk.devnode}  {TRANSPORT_NAMES[disk.transport]}"
    if disk.model:
        head += f"  {disk.model}"
    if disk.size_bytes:
        head += f"  {human_size(disk.size_bytes)}"
    lines = [common.paint(head, "bold", color)]
    if disk.bridge:
        bridge = disk.bridge
        ids = ":".join(x for x in (bridge.vendor_id, bridge.product_id) if x)
        names = " ".join(x for x in (bridge.vendor_name, bridge.product_name) if x)
        known = [x for x in (_driver(bridge.driver), f"{ids} {names}".strip()) if x]
        port = f"USB port {bridge.port_path}" if bridge.port_path else ""
        lines.append(f"  bridge: {', '.join([*known, port] if port else known) or 'driver and ids unknown'}")
    lines.append(f"  serial: {_serial_words(disk)}")
    lines.append(f"  wwn: {disk.wwn or 'none'}")
    extras = [
        ("rotational", disk.rotational),
        ("removable", disk.removable),
    ]
    known = [f"{name} {'yes' if value else 'no'}" for name, value in extras if value is not None]
    if known:
        lines.append(f"  {', '.join(known)}")
    for link in disk.by_id:
        lines.append(f"  by-id: {link.name}{'  (names the bay, not the drive)' if link.positional else ''}")
    for path in disk.by_path:
        lines.append(f"  by-path: {path.rsplit('/', 1)[-1]}")
    why = naming_explanation(disk)
    if why:
        lines.append(f"  why: {why}")
    for partition in disk.partitions:
        lines.extend(_partition_lines(partition, whole_disk=partition.devnode == disk.devnode))
    if disk.smart is not None or smart_expected:
        lines.append(f"  SMART: {smart_words(disk.smart)}")
    for warning in disk.warnings:
        lines.append("  " + common.paint(f"warning: {warning}", "yellow", color))
    return lines


def _serial_words(disk: Disk) -> str:
    bridge = disk.bridge
    if not bridge:
        return disk.serial or "unknown"
    if disk.serial and bridge.serial_is_drives:
        return f"{disk.serial} (the drive's own; the bridge reports the same)"
    if disk.serial:
        shown = f"; the bridge reports {bridge.serial}" if bridge.serial else ""
        return f"{disk.serial} (the drive's own, read through the bridge{shown})"
    if bridge.serial and bridge.serial_is_drives is False:
        return f"unknown: the bridge reports {bridge.serial}, which is the bridge's, not the drive's"
    if bridge.serial:
        return (
            f"unknown: the bridge reports {bridge.serial}; whether that is the drive's serial"
            " cannot be told without SMART through the bridge"
        )
    return "unknown"


def naming_explanation(disk: Disk) -> str | None:
    """Given a disk, say in plain words why its by-id names look the way they do (USB mainly)."""
    if disk.transport is not Transport.USB or not disk.bridge:
        return None
    kinds = {link.kind for link in disk.by_id}
    ids = ":".join(x for x in (disk.bridge.vendor_id, disk.bridge.product_id) if x)
    known = ", ".join(x for x in (_driver(disk.bridge.driver), ids) if x)
    where = f"behind a USB bridge ({known})" if known else "behind a USB bridge"
    if "ata" in kinds:
        return (
            f"{where} that passes ATA commands through, so udev reads the drive's own identity and"
            " names it ata-… as it would on a SATA port"
        )
    owner = {
        True: "the drive's serial",
        False: "the bridge's serial",
        None: "the serial the bridge reports",
    }[disk.bridge.serial_is_drives]
    text = (
        f"{where}: udev names it usb-… from what the bridge reports (the vendor and model it"
        f" answers to SCSI INQUIRY, and {owner}), not from the drive's own ATA identity"
    )
    if "wwn" not in kinds:
        text += ", and no wwn- link exists because the bridge does not pass the drive's WWN through"
    return text


def _driver(driver: str) -> str | None:
    return None if driver == "unknown" else driver


def _partition_lines(partition: Partition, *, whole_disk: bool = False) -> list[str]:
    bits = ["whole disk:"] if whole_disk else [partition.devnode]
    if partition.number is not None:
        bits.append(f"#{partition.number}")
    if partition.size_bytes:
        bits.append(human_size(partition.size_bytes))
    if partition.fs_type:
        bits.append(partition.fs_type)
    if partition.fs_label and not partition.zfs:
        bits.append(f"label {partition.fs_label}")
    lines = [("  " if whole_disk else "  partition ") + "  ".join(bits)]
    if partition.zfs:
        zfs = partition.zfs
        lines.append(
            f"    ZFS member of pool {zfs.pool_name or '?'} (pool guid {zfs.pool_guid or '?'},"
            f" vdev guid {zfs.vdev_guid or '?'})"
        )
    if partition.partuuid:
        lines.append(f"    partuuid: {partition.partuuid}")
    for link in partition.by_id:
        lines.append(f"    by-id: {link.name}")
    if partition.mountpoints:
        lines.append(f"    mounted on {', '.join(partition.mountpoints)}")
    return lines


def smart_words(smart: SmartInfo | None) -> str:
    """Given what SMART said (None = not asked), return one line for a person."""
    if smart is None:
        return "not read"
    if not smart.available:
        return f"unavailable: {smart.reason or 'no reason given'}"
    verdict = {True: "PASSED", False: "FAILED", None: "no verdict"}[smart.passed]
    facts = [verdict]
    counters = [
        ("reallocated", smart.reallocated_sectors),
        ("pending", smart.pending_sectors),
        ("offline-uncorrectable", smart.offline_uncorrectable),
        ("CRC errors", smart.udma_crc_errors),
        ("media errors", smart.nvme_media_errors),
    ]
    facts.extend(f"{name} {value}" for name, value in counters if value is not None)
    if smart.nvme_percentage_used is not None:
        facts.append(f"{smart.nvme_percentage_used}% used")
    if smart.nvme_critical_warning:
        facts.append(f"critical warning {smart.nvme_critical_warning:#x}")
    if smart.temperature_celsius is not None:
        facts.append(f"{smart.temperature_celsius} °C")
    if smart.power_on_hours is not None:
        facts.append(f"{smart.power_on_hours} h on")
    if smart.last_self_test:
        facts.append(f"last self-test {smart.last_self_test}")
    flags = [flag for flag in smart.exit_flags if flag != "smart_command_failed"]
    if flags:
        facts.append(f"smartctl flags: {', '.join(flags)}")
    return ", ".join(facts)


def human_size(size: int) -> str:
    """1_000_204_886_016 → '1.00 TB' (decimal units, as drives are sold)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if value < 1000 or unit == "PB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1000
    return f"{size} B"
