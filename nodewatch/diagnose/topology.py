"""Where a leaf sits in its pool, and how much redundancy its top-level vdev has left."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from nodewatch.diagnose.progress import being_resilvered
from nodewatch.model import CLASS_GROUPS, DEGRADED, HEALTHY_STATES, Pool, Vdev, VdevType

_PARITY = {VdevType.RAIDZ1: 1, VdevType.RAIDZ2: 2, VdevType.RAIDZ3: 3}
_DRAID_PARITY = re.compile(r"^draid(\d)")


@dataclass(frozen=True, slots=True)
class Placement:
    leaf: Vdev
    parent: Vdev  # the vdev printed just above: raidz1-0, spare-1, replacing-0, the root…
    top: Vdev  # the top-level vdev (for a plain single-disk vdev, the leaf itself)
    group: VdevType | None  # LOGS, CACHE, SPARES… when under a class group


def placements(pool: Pool) -> Iterator[Placement]:
    """Yield every leaf of the pool with its parent, top-level vdev and class group."""
    if pool.root is None:
        return
    for child in pool.root.children:
        if child.type in CLASS_GROUPS:
            for top in child.children:
                yield from _leaves(top, child, top, child.type)
        else:
            yield from _leaves(child, pool.root, child, None)


def _leaves(node: Vdev, parent: Vdev, top: Vdev, group: VdevType | None) -> Iterator[Placement]:
    if node.is_leaf or not node.children:
        yield Placement(node, parent, top, group)
        return
    for child in node.children:
        yield from _leaves(child, node, top, group)


def member_id(leaf: Vdev) -> int | str:
    """How to name a member in a command: its guid (names of missing devices may not
    resolve, openzfs/zfs#1174), or its printed name when the guid is unknown."""
    if leaf.guid is not None:
        return leaf.guid
    return int(leaf.name) if leaf.name.isascii() and leaf.name.isdigit() else leaf.name


def ambiguous_names(pool: Pool) -> frozenset[str]:
    """Names zpool printed for more than one member of the pool whose guid is unknown (a paste
    with its serials redacted to "xxxx", or two stale /dev/sdX names): a command naming one
    would act on whichever member ZFS finds first."""
    seen: dict[str, int] = {}
    for placement in placements(pool):
        leaf = placement.leaf
        # A spare in use is printed twice, under its spare-N and under `spares`: one device.
        if leaf.guid is None and placement.group is not VdevType.SPARES:
            seen[leaf.name] = seen.get(leaf.name, 0) + 1
    return frozenset(name for name, count in seen.items() if count > 1)


def tolerance(top: Vdev) -> int:
    """How many members of a top-level vdev may fail before it fails."""
    if top.type in _PARITY:
        return _PARITY[top.type]
    if top.type is VdevType.MIRROR:
        return max(len(top.children) - 1, 0)
    if top.type is VdevType.DRAID:
        parity = _DRAID_PARITY.match(top.name)
        return int(parity[1]) if parity else 1
    return 0


def unhealthy_members(top: Vdev, absent: Vdev | None = None) -> int:
    """Count the members of a top-level vdev that do not serve data now. `absent`: a member whose
    device is gone from the node though ZFS has not marked it yet (it serves nothing)."""
    if top.is_leaf:
        return 0 if top.state in HEALTHY_STATES and top is not absent else 1
    return sum(not _serves(member, absent=absent) for member in top.children)


def _serves(member: Vdev, *, swapping: bool = False, absent: Vdev | None = None) -> bool:
    """A member serves data while ONLINE or DEGRADED (ZFS still reads a disk it marked for errors).
    spare-N and replacing-N serve when either side does, but a hot spare or a new disk still
    being resilvered onto is no copy yet (openzfs/zfs#7537: the old side OFFLINE, the new one
    resilvering, and the other side of the mirror the only whole copy)."""
    if member.type in (VdevType.SPARE, VdevType.REPLACING):
        return any(_serves(side, swapping=True, absent=absent) for side in member.children)
    if member is absent or (swapping and member.is_leaf and being_resilvered(member)):
        return False
    return member.state in HEALTHY_STATES or member.state == DEGRADED


def redundancy_left(top: Vdev, absent: Vdev | None = None) -> int:
    """Failures the top-level vdev can still absorb (negative: it has failed)."""
    return tolerance(top) - unhealthy_members(top, absent)
