"""Which disk on this node could replace a member that is gone for good, and the
`zpool replace` actions onto it.

Only a whole, unused disk qualifies: never an optical drive, a device-mapper
device (LUKS, LVM, `dm-*`), an md array, a loop/zram/RAM disk, a partition, a
disk with partitions, file systems, mounts or another pool's label, nor a
member of any pool, nor the drive ZFS recorded for a member it cannot open
(blank or not, it is that member's: member-label-lost). Ranked as a careful
person would pick: at least as large as the smallest sibling, not a known SMR
model, not behind a USB bridge, with a by-id name that follows the drive rather
than the bay.

The unused disks are found once per diagnosis (Context.cached); each missing
member only filters them by size, so diagnose stays linear in the pool's size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from nodewatch.diagnose import commands
from nodewatch.diagnose.context import Context, Location
from nodewatch.diagnose.matching import Strength, drives_of_missing_members, find_member
from nodewatch.diagnose.topology import Placement, member_id, placements
from nodewatch.known_hardware import smr_warning
from nodewatch.model import FAULTED, REMOVED, UNAVAIL, Action, Disk, Pool, Transport
from nodewatch.parse.by_id_listing import SOURCE as BY_ID_LISTING

# Kernel names of block devices that are not whole physical disks.
_NOT_A_DISK = re.compile(r"^(sr|scd|dm-|md|loop|zram|ram|nbd|fd|rbd|zd)\d")
_PARTITION = re.compile(r"^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|hd[a-z]+)\d+$|^(nvme\d+n\d+|mmcblk\d+)p\d+$")
# by-id kinds that name a stacked or virtual device, never a disk to partition
_STACKED_KINDS = frozenset({"dm", "md", "lvm", "lvm-pv", "dm-name", "dm-uuid"})
_STACKED_NAME = re.compile(r"^(dm-|md-|lvm-|raid-)", re.I)
_OPTICAL_MODEL = re.compile(r"DVD|BD-R|BD-ROM|BDRW|CD-?R|CDDVD|BLU-?RAY|OPTICAL", re.I)

UNKNOWN_USE = (
    "only a by-id listing was given: nodewatch cannot see this disk's size, partitions or whether it is"
    " in use (mounted, LUKS, LVM, another pool)"
)
REPLACE_CHECK = "the old disk is really dead or gone; if it is only unplugged, reconnect it instead"


@dataclass(frozen=True, slots=True)
class Candidate:
    disk: Disk
    path: str  # whole-disk by-id path: ZFS partitions it itself
    caveats: tuple[str, ...]  # said next to the command
    rank: tuple[int, ...] = ()


def unfit_reason(disk: Disk) -> str | None:
    """Why a disk can never be a replacement target, or None when it is a plain, empty whole disk."""
    reason = not_a_disk_reason(disk)
    if reason is None and disk.partitions:
        return f"{disk.devnode} has partitions or a file system"
    return reason


def not_a_disk_reason(disk: Disk) -> str | None:
    """Why a block device is not a whole physical disk ZFS could partition, or None."""
    name = disk.devnode.rsplit("/", 1)[-1]
    if _NOT_A_DISK.match(name):
        return f"{disk.devnode} is not a physical disk (optical, device-mapper, md, loop or RAM disk)"
    if _PARTITION.match(name):
        return f"{disk.devnode} is a partition, not a whole disk"
    if any(link.kind in _STACKED_KINDS or _STACKED_NAME.match(link.name) for link in disk.by_id):
        return f"{disk.devnode} is a device-mapper, LVM or md device"
    if (disk.model and _OPTICAL_MODEL.search(disk.model)) or any(
        _OPTICAL_MODEL.search(link.name) for link in disk.by_id
    ):
        return f"{disk.devnode} is an optical drive"
    if disk.transport is Transport.MMC:
        return f"{disk.devnode} is an SD/MMC card"
    return None


def in_use_reason(context: Context, disk: Disk) -> str | None:
    """Why a disk holds something that a replace would destroy, or None: mounted file systems,
    another ZFS label, membership of a pool, or a stacked device (LUKS, LVM, md) on it."""
    if disk.devnode in context.disks_in_pools():
        return f"{disk.devnode} is a member of a pool"
    for partition in disk.partitions:
        if partition.mountpoints:
            return f"{partition.devnode} is mounted on {partition.mountpoints[0]}"
        if partition.zfs is not None:
            return f"{partition.devnode} carries the ZFS label of pool {partition.zfs.pool_name or '?'}"
    return not_a_disk_reason(disk)


def unused_disks(context: Context) -> list[Candidate]:
    """Every whole, unused disk on the node, ranked, with its caveats; computed once per diagnosis."""
    cached = context.memo.get("unused-disks")
    if cached is not None:
        return cast(list[Candidate], cached)
    in_use = context.disks_in_pools() | drives_of_missing_members(context)
    by_id_only = listing_only(context)
    found: list[Candidate] = []
    for disk in context.snapshot.disks:
        if disk.devnode in in_use or unfit_reason(disk):
            continue
        preferred = disk.preferred_by_id()
        caveats = []
        if by_id_only:
            caveats.append(UNKNOWN_USE)
        smr = smr_warning(disk.model)
        if smr:
            caveats.append(smr)
        if disk.transport is Transport.USB:
            caveats.append("it is behind a USB bridge: resets under resilver load are common; prefer SATA")
        if preferred and preferred.positional:
            caveats.append(
                f"{preferred.name} names the USB bay, not the drive: it changes if bays are swapped"
            )
        positional = bool(preferred and preferred.positional)
        rank = (int(bool(smr)), int(disk.transport is Transport.USB), int(positional))
        path = Location(disk).best_path()
        found.append(Candidate(disk, path, tuple(caveats), rank))
    found.sort(key=lambda candidate: (candidate.rank, candidate.path))
    context.memo["unused-disks"] = found
    return found


def candidates(context: Context, pool: Pool, placement: Placement) -> list[Candidate]:
    """Return the disks that could replace placement.leaf, best first.

    A disk is offered to one member only: two members gone (in one pool or two) never both
    get the same new disk, so no two actions of a report point two members at one path.
    The members that need one share the disks in turns, in pool order (_shares).
    """
    fitting = _fitting(context, placement)
    shares = _shares(context)
    key = (pool.name, member_id(placement.leaf))
    if key not in shares:  # a member the turns did not foresee: what nobody else was given
        taken = {devnode for given in shares.values() for devnode in given}
        shares[key] = tuple(c.disk.devnode for c in fitting if c.disk.devnode not in taken)[:OFFERED]
    mine = shares[key]
    return [candidate for candidate in fitting if candidate.disk.devnode in mine]


OFFERED = 3  # replace actions a member is offered at most


def _fitting(context: Context, placement: Placement) -> list[Candidate]:
    minimum = _smallest_sibling_size(context, placement)
    out = []
    for candidate in unused_disks(context):
        size = candidate.disk.size_bytes
        if minimum and size is not None and size < minimum:
            continue
        if minimum and size is None and not listing_only(context):
            unknown = f"its size is unknown here: it must be at least {minimum} bytes"
            caveats = (*candidate.caveats, unknown)
            out.append(Candidate(candidate.disk, candidate.path, caveats, candidate.rank))
        else:
            out.append(candidate)
    return out


def _shares(context: Context) -> dict[tuple[str, int | str], tuple[str, ...]]:
    """Which unused disks each member that may need one is offered, computed once: members
    missing or faulted whose own disk is not here, in pool order, each taking its best
    fitting disk not yet taken, in turns."""
    cached = context.memo.get("replacement-shares")
    if cached is not None:
        return cast(dict[tuple[str, int | str], tuple[str, ...]], cached)
    needy = [
        ((pool.name, member_id(placement.leaf)), _fitting(context, placement))
        for pool in context.snapshot.pools
        for placement in placements(pool)
        if _may_need_a_disk(context, placement)
    ]
    shares: dict[tuple[str, int | str], list[str]] = {key: [] for key, _fitting_disks in needy}
    taken: set[str] = set()
    for _turn in range(OFFERED):
        for key, fitting in needy:
            best = next((c.disk.devnode for c in fitting if c.disk.devnode not in taken), None)
            if best is not None:
                shares[key].append(best)
                taken.add(best)
    found = {key: tuple(devnodes) for key, devnodes in shares.items()}
    context.memo["replacement-shares"] = found
    return found


def _may_need_a_disk(context: Context, placement: Placement) -> bool:
    leaf = placement.leaf
    if not (leaf.not_present or leaf.state in (UNAVAIL, REMOVED, FAULTED)):
        return False
    match = find_member(context, leaf) if context.has_inventory else None
    return match is None or match.strength < Strength.PARTUUID


def listing_only(context: Context) -> bool:
    """True when the disks come from an `ls -l /dev/disk/by-id` paste: no sizes, no usage, no labels."""
    inventory = context.snapshot.inventory
    return inventory is not None and inventory.source == BY_ID_LISTING


def _smallest_sibling_size(context: Context, placement: Placement) -> int | None:
    sizes = []
    for sibling in placement.top.walk():
        if sibling.is_leaf and sibling is not placement.leaf:
            where: Location | None = context.locate(sibling)
            if where and where.disk.size_bytes:
                sizes.append(where.disk.size_bytes)
    return min(sizes) if sizes else None


def replace_actions(
    context: Context,
    pool: Pool,
    placement: Placement,
    found: list[Candidate] | None = None,
    check: str = REPLACE_CHECK,
) -> Iterator[Action]:
    """Yield `zpool replace` onto the best candidate disks, or a template when there is none.
    check: what to verify first (default: that the old disk is really gone)."""
    guid = member_id(placement.leaf)
    if found is None:
        found = candidates(context, pool, placement) if context.has_inventory else []
    for candidate in found[:3]:
        caveats = "; ".join(candidate.caveats)
        check_first = check
        if listing_only(context):
            check_first += (
                f"; `lsblk -f {candidate.disk.devnode}` shows no partitions, file system or holders and"
                " it is at least as large as the other members"
            )
        yield Action(
            command=commands.replace(pool.name, guid, candidate.path),
            why=f"Rebuild the member onto {candidate.disk.devnode}"
            f" ({candidate.disk.model or 'unknown model'}), "
            + ("a disk with no partitions in the listing" if listing_only(context) else "an unused disk")
            + "; ZFS partitions it and resilvers."
            + (f" Caveat: {caveats}." if caveats else ""),
            check_first=check_first,
        )
    if not found:
        yield Action(
            command=commands.replace(pool.name, guid, "/dev/disk/by-id/NEW-DISK"),
            why="After attaching a new disk at least as large as the others: replace NEW-DISK with its"
            " by-id name (`nodewatch disks` lists it). ZFS partitions it and resilvers.",
            check_first=REPLACE_CHECK,
        )
