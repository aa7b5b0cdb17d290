"""Work in progress in a pool: replaces (`replacing-N`), hot spares standing in
(`spare-N`), dRAID distributed spares, and whether a resilver is running.

`replacing-N` and `spare-N` are interior vdevs: they cannot be detached or
replaced themselves (`zpool detach pool replacing-0` is refused); only their
leaves can. Their first child is the member being replaced or stood in for,
the last the new disk or the spare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nodewatch.model import HEALTHY_STATES, Pool, ScanFunction, ScanState, Vdev, VdevType
from nodewatch.words.scans import scan_progress

_DRAID_SPARE = re.compile(r"^draid\d+-\d+-\d+$")
_RESILVERING_NOTES = ("resilvering", "awaiting resilver")


def is_distributed_spare(vdev: Vdev) -> bool:
    """dRAID's distributed spares are named draid<parity>-<vdev>-<spare>."""
    return bool(_DRAID_SPARE.match(vdev.name))


def resilver_running(pool: Pool) -> bool:
    """A resilver or sequential rebuild is under way (scan line, or a leaf marked resilvering)."""
    scan = pool.scan
    if scan.state is ScanState.IN_PROGRESS and scan.function in (ScanFunction.RESILVER, ScanFunction.REBUILD):
        return True
    return any(being_resilvered(leaf) for leaf in pool.leaves())


def being_resilvered(leaf: Vdev) -> bool:
    """The leaf is marked `(resilvering)` or `(awaiting resilver)`: its copy is not whole yet."""
    return any(word in leaf.note for word in _RESILVERING_NOTES)


def scan_unknown(pool: Pool) -> bool:
    """The paste says nothing of scans (a config table alone)."""
    return pool.scan.state is ScanState.NONE and not pool.scan.text


def progress_words(pool: Pool) -> str:
    """'resilver 85.2% done, about 2 h 10 min to go', or what is known of it."""
    scan = pool.scan
    if scan.state is not ScanState.IN_PROGRESS:
        return "its progress is not in this output (`zpool status` shows it)"
    what = "sequential rebuild" if scan.function is ScanFunction.REBUILD else scan.function.value
    return f"{what} {scan_progress(scan)}"


@dataclass(frozen=True, slots=True)
class Work:
    """One interior vdev doing work: a replace or a spare standing in."""

    node: Vdev  # replacing-N or spare-N
    old: Vdev  # the first child: the member being replaced / stood in for (may be interior)
    new: Vdev  # the last child: the new disk / the spare

    @property
    def old_leaves(self) -> tuple[Vdev, ...]:
        return tuple(v for v in self.old.walk() if v.is_leaf)

    def old_failed(self) -> bool:
        return self.old.not_present or self.old.state not in HEALTHY_STATES

    def new_healthy(self) -> bool:
        return not self.new.not_present and self.new.state in HEALTHY_STATES


def works(pool: Pool) -> tuple[list[Work], list[Work]]:
    """Return the pool's replaces and its spares in use (outermost first, depth-first)."""
    replaces: list[Work] = []
    spares: list[Work] = []
    for vdev in pool.vdevs():
        if vdev.type in (VdevType.REPLACING, VdevType.SPARE) and len(vdev.children) >= 2:
            work = Work(vdev, vdev.children[0], vdev.children[-1])
            (replaces if vdev.type is VdevType.REPLACING else spares).append(work)
    return replaces, spares


def within(inner: Vdev, outer: Vdev) -> bool:
    return any(node is inner for node in outer.walk())
