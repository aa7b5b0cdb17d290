"""Special and dedup vdevs with less redundancy than the data they serve.

A special (metadata, small blocks) or dedup vdev is part of the pool like a data vdev:
losing it loses the pool. A single SSD added as `special` under a raidz2 turns a pool that
survives two failures into one that dies with that SSD. `zpool add` warns about the
mismatched replication level only when it is run; nothing says it again later.
"""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose.context import Context
from nodewatch.diagnose.topology import tolerance
from nodewatch.model import CLASS_GROUPS, HEALTHY_STATES, Finding, Severity, VdevType

CODE = "class-vdev-less-redundant"
_VITAL_CLASSES = {VdevType.SPECIAL: "special", VdevType.DEDUP: "dedup"}


def check(context: Context) -> Iterator[Finding]:
    for pool in context.snapshot.pools:
        if pool.root is None:
            continue
        data = [top for top in pool.root.children if top.type not in CLASS_GROUPS]
        if not data:
            continue
        # The pool survives as many failures as its weakest data vdev.
        data_tolerance = min(tolerance(top) for top in data)
        for group in pool.root.children:
            kind = _VITAL_CLASSES.get(group.type)
            if kind is None:
                continue
            for top in group.children:
                if tolerance(top) >= data_tolerance or top.state not in HEALTHY_STATES:
                    continue  # as redundant as the data, or a failing vdev other rules explain
                yield Finding(
                    severity=Severity.WARNING,
                    code=CODE,
                    summary=(
                        f"{pool.name}'s {kind} vdev {top.name} survives {_failures(tolerance(top))},"
                        f" its data vdevs {_failures(data_tolerance)}: losing it loses the pool"
                    ),
                    detail=(
                        f"A {kind} vdev holds part of the pool ({_HOLDS[kind]}), so the pool is only as"
                        f" safe as it is. Make it as redundant as the data vdevs: attach a second device"
                        f" of at least its size to it (`zpool attach {pool.name} {top.name} <new device>`"
                        " turns it into a mirror). A special or dedup vdev cannot be removed from a pool"
                        " with raidz data vdevs."
                    ),
                    pool=pool.name,
                    vdev_guid=top.guid,
                )


_HOLDS = {"special": "its metadata and small blocks", "dedup": "its deduplication table"}


def _failures(count: int) -> str:
    if count == 0:
        return "no failure"
    return "1 failure" if count == 1 else f"{count} failures"
