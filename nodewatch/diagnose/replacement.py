"""Which disk on this node could replace a member that is gone for good.

Ranked as a careful person would pick: unused (no partitions, no label,
nothing mounted), at least as large as the smallest sibling, not a known SMR
model, not behind a USB bridge, with a by-id name that follows the drive
rather than the bay.
"""

from __future__ import annotations

from dataclasses import dataclass

from nodewatch.diagnose.context import Context, Location
from nodewatch.diagnose.topology import Placement
from nodewatch.known_hardware import smr_warning
from nodewatch.model import Disk, Pool, Transport


@dataclass(frozen=True, slots=True)
class Candidate:
    disk: Disk
    path: str  # whole-disk by-id path: ZFS partitions it itself
    caveats: tuple[str, ...]  # said next to the command


def candidates(context: Context, pool: Pool, placement: Placement) -> list[Candidate]:
    """Return the disks that could replace placement.leaf, best first."""
    in_use = context.disks_in_pools()
    minimum = _smallest_sibling_size(context, placement)
    ranked: list[tuple[tuple[int, ...], Candidate]] = []
    for disk in context.snapshot.disks:
        if disk.devnode in in_use or disk.partitions or disk.transport in (Transport.MMC,):
            continue
        if minimum and disk.size_bytes is not None and disk.size_bytes < minimum:
            continue
        preferred = disk.preferred_by_id()
        caveats = []
        smr = smr_warning(disk.model)
        if smr:
            caveats.append(smr)
        if disk.transport is Transport.USB:
            caveats.append("it is behind a USB bridge: resets under resilver load are common; prefer SATA")
        if preferred and preferred.positional:
            caveats.append(
                f"{preferred.name} names the USB bay, not the drive: it changes if bays are swapped"
            )
        if minimum and disk.size_bytes is None:
            caveats.append(f"its size is unknown here: it must be at least {minimum} bytes")
        rank = (bool(smr), disk.transport is Transport.USB, bool(preferred and preferred.positional))
        path = preferred.path if preferred else disk.devnode
        ranked.append((tuple(int(flag) for flag in rank), Candidate(disk, path, tuple(caveats))))
    del pool
    return [candidate for _rank, candidate in sorted(ranked, key=lambda item: (item[0], item[1].path))]


def _smallest_sibling_size(context: Context, placement: Placement) -> int | None:
    sizes = []
    for sibling in placement.top.walk():
        if sibling.is_leaf and sibling is not placement.leaf:
            where: Location | None = context.locate(sibling)
            if where and where.disk.size_bytes:
                sizes.append(where.disk.size_bytes)
    return min(sizes) if sizes else None
