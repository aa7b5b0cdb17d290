"""Pool members ZFS cannot use: missing, removed, faulted, offline, or erring.

Each kind of trouble has its module: member_missing (UNAVAIL, REMOVED, not
present), member_moved (its disk is here under another name, or back),
member_faults (FAULTED, OFFLINE, erring, unknown states).
"""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose.context import Context
from nodewatch.diagnose.pool_state import serves_io
from nodewatch.diagnose.rules.member_faults import (
    cache_device,
    degraded_member,
    erring_member,
    faulted_member,
    offline,
    unknown_state,
)
from nodewatch.diagnose.rules.member_missing import missing_member
from nodewatch.diagnose.rules.member_moved import moved_members
from nodewatch.diagnose.topology import Placement, placements
from nodewatch.model import (
    DEGRADED,
    FAULTED,
    HEALTHY_STATES,
    OFFLINE,
    REMOVED,
    UNAVAIL,
    Finding,
    VdevType,
)

KNOWN_STATES = frozenset({*HEALTHY_STATES, DEGRADED, FAULTED, OFFLINE, UNAVAIL, REMOVED})
_SKIP_PARENTS = frozenset({VdevType.SPARE, VdevType.REPLACING})  # spares.py and scans.py speak for these


def check(context: Context) -> Iterator[Finding]:
    for pool in context.snapshot.pools:
        if not serves_io(context, pool):
            continue  # pool_down speaks for a suspended or unavailable pool and its devices
        judged = [
            p for p in placements(pool) if not (p.parent.type in _SKIP_PARENTS or p.group is VdevType.SPARES)
        ]
        missing = [p for p in judged if _missing(p)]
        # Members here under other names are restored by one command line together (member_moved).
        together = moved_members(context, missing)
        for placement in judged:
            leaf = placement.leaf
            if placement.group is VdevType.CACHE and (leaf.not_present or leaf.state not in HEALTHY_STATES):
                yield cache_device(context, pool, placement)
            elif _missing(placement):
                yield missing_member(context, pool, placement, together)
            elif leaf.state == FAULTED:
                yield faulted_member(context, pool, placement)
            elif leaf.state == OFFLINE:
                yield offline(pool, placement)
            elif leaf.read_errors or leaf.write_errors or leaf.checksum_errors:
                yield erring_member(context, pool, placement)
            elif leaf.state == DEGRADED:
                yield degraded_member(context, pool, placement)
            elif leaf.state not in KNOWN_STATES:
                yield unknown_state(pool, placement)


def _missing(placement: Placement) -> bool:
    leaf = placement.leaf
    return placement.group is not VdevType.CACHE and (leaf.not_present or leaf.state in (UNAVAIL, REMOVED))
