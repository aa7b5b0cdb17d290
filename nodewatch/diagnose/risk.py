"""What a failing member puts at risk, by the class of vdev it is in.

Data, special and dedup vdevs hold the pool: losing one loses it. A separate
log (SLOG) holds only sync writes not yet in the pool, an L2ARC cache device
only copies, a hot spare nothing. A top-level vdev without redundancy (a stripe
member, a single-disk pool, a file vdev) never had any to lose: say what is at
risk without redundancy words.
"""

from __future__ import annotations

from nodewatch.diagnose.topology import Placement, redundancy_left, tolerance
from nodewatch.model import Severity, VdevType

# Devices whose loss loses no data while the pool is imported.
AUXILIARY = frozenset({VdevType.LOGS, VdevType.CACHE, VdevType.SPARES})

_CLASS_WORDS = {
    VdevType.SPECIAL: "a special (metadata) vdev, as vital to the pool as its data vdevs",
    VdevType.DEDUP: "a dedup-table vdev, as vital to the pool as its data vdevs",
}


def is_auxiliary(placement: Placement) -> bool:
    return placement.group in AUXILIARY


def is_non_redundant(placement: Placement) -> bool:
    """True when the member's top-level vdev never had redundancy (stripe member, single disk, file)."""
    return tolerance(placement.top) == 0


def severity_for(placement: Placement) -> Severity:
    """Critical when one more failure would lose the top-level vdev (and so the pool)."""
    if is_auxiliary(placement):
        return Severity.WARNING  # a log, cache or spare device loses no data by itself
    return Severity.CRITICAL if redundancy_left(placement.top) <= 0 else Severity.WARNING


def class_words(placement: Placement) -> str:
    """'mirror-2 is a special (metadata) vdev, as vital to the pool as its data vdevs.' for a
    member of a special or dedup vdev; '' otherwise."""
    role = _CLASS_WORDS.get(placement.group) if placement.group else None
    return f"{placement.top.name} is {role}." if role else ""


def redundancy_words(placement: Placement, *, absent: bool = False) -> str:
    """One sentence: what this member's state puts at risk (`absent`: its device is gone though
    ZFS still counts it in)."""
    top = placement.top
    if placement.group is VdevType.CACHE:
        return (
            "It is an L2ARC cache device: it holds only copies of data, so nothing is lost without it;"
            " reads are just served from the pool disks."
        )
    if placement.group is VdevType.LOGS:
        return (
            "It is a separate intent log (SLOG): while the pool stays imported no data is at risk;"
            " synchronous writes go to the pool disks instead, more slowly."
        )
    if placement.group is VdevType.SPARES:
        return "No data is at risk from this device alone."
    prefix = class_words(placement)
    prefix = f"{prefix} " if prefix else ""
    if is_non_redundant(placement):
        return prefix + (
            f"{top.name} is a single device without redundancy: ZFS has no other copy of its data"
            " to rebuild it from, so the data on it depends on this device alone."
        )
    left = redundancy_left(top, placement.leaf if absent else None)
    if left <= 0:
        return prefix + f"{top.name} has no redundancy left: one more failure there loses the pool."
    return prefix + f"{top.name} can still lose {left} more device{'s' if left > 1 else ''}."
