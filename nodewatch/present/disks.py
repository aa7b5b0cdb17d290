"""Disks as labelled facts: how each is attached, whose serial, its names and why, ZFS, SMART.

Answers "two of the disks show up as ATA, one as USB — what's up with that?"
for every disk. A DiskText is laid out by each output (the terminal indents
it, the page makes a card of it); every string is terminal-safe.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from nodewatch.model import ByIdLink, Disk, Inventory, InventorySource, Partition
from nodewatch.present.terminal import safe
from nodewatch.words.disks import (
    TRANSPORTS,
    bridge_driver,
    bridge_ids,
    naming_explanation,
    serial_words,
    smart_verdict,
    smart_words,
)
from nodewatch.words.sizes import decimal_size

POSITIONAL = "(names the bay, not the drive)"


def by_id_text(link: ByIdLink) -> str:
    """A by-id name as a list shows it, marked when it names a bay or other devices claim it too."""
    if link.shared:
        return f"{link.name}  (claimed by {', '.join(link.shared_with)} too: never used in commands)"
    return f"{link.name}  {POSITIONAL}" if link.positional else link.name


@dataclass(frozen=True, slots=True)
class Fact:
    label: str  # "serial", "by-id", …; "" for a fact that reads on its own
    text: str


@dataclass(frozen=True, slots=True)
class PartitionText:
    heading: str  # "partition /dev/sdc1  #1  4.00 TB  zfs_member", or "whole disk:  …"
    facts: tuple[Fact, ...]


@dataclass(frozen=True, slots=True)
class DiskText:
    heading: str  # "/dev/sdc  USB bridge  WDC WD40EFZX-68AWUN0  4.00 TB"
    facts: tuple[Fact, ...]
    partitions: tuple[PartitionText, ...]
    smart: str | None  # None: not read and not expected (a replayed dump carries no SMART)
    warnings: tuple[str, ...]


def inventory_summary(inventory: Inventory) -> str:
    """'3 disks: 2 SATA/ATA, 1 USB bridge.'; 'block devices' when an optical drive or a
    device-mapper volume is among them."""
    counts = Counter(disk.transport for disk in inventory.disks)
    parts = [f"{count} {TRANSPORTS[transport].badge}" for transport, count in counts.most_common()]
    noun = "disk" if all(transport.is_disk for transport in counts) else "block device"
    noun += "" if len(inventory.disks) == 1 else "s"
    return f"{len(inventory.disks)} {noun}" + (f": {', '.join(parts)}." if parts else ".")


def smart_expected(inventory: Inventory) -> bool:
    """A live inventory reads SMART; a udev dump or a by-id listing cannot."""
    return inventory.source is InventorySource.UDEV


def disk_text(disk: Disk, *, smart_expected: bool = True) -> DiskText:
    head = f"{disk.devnode}  {TRANSPORTS[disk.transport].badge}"
    if disk.model:
        head += f"  {disk.model}"
    if disk.size_bytes:
        head += f"  {decimal_size(disk.size_bytes)}"
    facts: list[Fact] = []
    if disk.bridge:
        bridge = disk.bridge
        names = " ".join(x for x in (bridge.vendor_name, bridge.product_name) if x)
        known = [x for x in (bridge_driver(bridge), f"{bridge_ids(bridge)} {names}".strip()) if x]
        if bridge.port_path:
            known.append(f"USB port {bridge.port_path}")
        facts.append(Fact("bridge", ", ".join(known) or "driver and ids unknown"))
    facts.append(Fact("serial", serial_words(disk)))
    facts.append(Fact("wwn", disk.wwn or "none"))
    flags = [("rotational", disk.rotational), ("removable", disk.removable)]
    known_flags = [f"{name} {'yes' if value else 'no'}" for name, value in flags if value is not None]
    if known_flags:
        facts.append(Fact("", ", ".join(known_flags)))
    facts += [Fact("by-id", by_id_text(link)) for link in disk.by_id]
    facts += [Fact("by-path", path.rsplit("/", 1)[-1]) for path in disk.by_path]
    why = naming_explanation(disk)
    if why:
        facts.append(Fact("why", why))
    return DiskText(
        heading=safe(head),
        facts=tuple(Fact(fact.label, safe(fact.text)) for fact in facts),
        partitions=tuple(
            partition_text(partition, whole_disk=partition.devnode == disk.devnode)
            for partition in disk.partitions
        ),
        smart=safe(smart_line(disk)) if disk.smart is not None or smart_expected else None,
        warnings=tuple(safe(warning) for warning in disk.warnings),
    )


def partition_text(partition: Partition, *, whole_disk: bool = False) -> PartitionText:
    bits = ["whole disk:"] if whole_disk else [f"partition {partition.devnode}"]
    if partition.number is not None:
        bits.append(f"#{partition.number}")
    if partition.size_bytes:
        bits.append(decimal_size(partition.size_bytes))
    if partition.fs_type:
        bits.append(partition.fs_type)
    if partition.fs_label and not partition.zfs:
        bits.append(f"label {partition.fs_label}")
    facts: list[Fact] = []
    if partition.zfs:
        zfs = partition.zfs
        facts.append(
            Fact(
                "",
                f"ZFS member of pool {zfs.pool_name or '?'} (pool guid {zfs.pool_guid or '?'},"
                f" vdev guid {zfs.vdev_guid or '?'})",
            )
        )
    if partition.partuuid:
        facts.append(Fact("partuuid", partition.partuuid))
    facts += [Fact("by-id", by_id_text(link) if link.shared else link.name) for link in partition.by_id]
    if partition.mountpoints:
        facts.append(Fact("", f"mounted on {', '.join(partition.mountpoints)}"))
    return PartitionText(
        heading=safe("  ".join(bits)),
        facts=tuple(Fact(fact.label, safe(fact.text)) for fact in facts),
    )


def smart_badge(disk: Disk) -> str:
    """The SMART verdict in a word or two ('fine', 'replace soon', 'FAILING'); when the drive was
    not judged, what stopped it ('not read', 'unavailable', 'no verdict')."""
    from nodewatch.diagnose.smart import SmartHealth, judge
    from nodewatch.words.smart import HEALTH_WORDS

    health = judge(disk.smart).health
    return smart_verdict(disk.smart) if health is SmartHealth.UNKNOWN else HEALTH_WORDS[health.name]


def smart_line(disk: Disk) -> str:
    """The SMART line of a disk: the verdict first (what to do), then the facts it rests on."""
    from nodewatch.diagnose.smart import SmartHealth, judge

    facts = smart_words(disk.smart)
    verdict = judge(disk.smart)
    if verdict.health is SmartHealth.UNKNOWN:
        return facts
    head = smart_badge(disk)
    worst = [concern.facts for concern in verdict.concerns if concern.health is verdict.health]
    return f"{head}" + (f" ({'; '.join(worst)})" if worst else "") + f" · {facts}"
