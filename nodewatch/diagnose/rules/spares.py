"""Hot spares: one standing in for a failed member, or a spare that is itself unusable.

Observed on OpenZFS 2.3.2 (shared/lab/NOTES.md): ZED pulls a spare in by
itself when a mirror member faults; after `zpool clear` + `zpool online` of
the original, the spare returns to AVAIL by itself.
"""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose import commands, words
from nodewatch.diagnose.context import Context
from nodewatch.diagnose.replacement import replace_actions
from nodewatch.diagnose.risk import severity_for
from nodewatch.diagnose.topology import member_id, placements
from nodewatch.model import AVAIL, HEALTHY_STATES, INUSE, Action, Finding, Severity, VdevType


def check(context: Context) -> Iterator[Finding]:
    for pool in context.snapshot.pools:
        seen_groups: set[int] = set()
        for placement in placements(pool):
            if placement.group is VdevType.SPARES:
                spare = placement.leaf
                if spare.state not in (AVAIL, INUSE):
                    yield Finding(
                        severity=Severity.WARNING,
                        code="spare-unavailable",
                        summary=f"{pool.name}: hot spare {spare.name} is {spare.state}",
                        detail="The spare could not stand in if a member failed.",
                        pool=pool.name,
                        vdev_guid=spare.guid,
                    )
                continue
            group = placement.parent
            if group.type is not VdevType.SPARE or id(group) in seen_groups:
                continue
            seen_groups.add(id(group))
            original, *standing_in = group.children
            if original.state in HEALTHY_STATES or not standing_in:
                continue
            spare = standing_in[0]
            where = context.locate(original)
            guid = member_id(original)
            detail = (
                f"{original.name} is {original.state}"
                + (f" ({original.note.strip()})" if original.note else "")
                + f"; hot spare {spare.name} stands in for it ({spare.state}). The pool has its"
                " redundancy back only while the spare lasts, and has no spare left for the next failure."
            )
            if where:
                detail += f" The original disk is {words.describe(where.disk)}."
            actions = []
            if where and not original.not_present:
                actions.append(
                    Action(
                        command=commands.clear_and_online(pool.name, guid),
                        why="If the original disk is healthy (the fault was transient): bring it back;"
                        " the spare returns to AVAIL by itself once it has resilvered.",
                        check_first="SMART of the original disk is fine and `dmesg` explains the fault",
                    )
                )
            actions += list(replace_actions(context, pool, placement))
            actions.append(
                Action(
                    command=commands.detach(pool.name, guid),
                    why="Or keep the spare for good: detaching the failed original makes the spare a"
                    " permanent member (then add a new spare).",
                    check_first=f"{spare.name} has finished resilvering (no 'resilvering' in zpool status)",
                )
            )
            yield Finding(
                severity=severity_for(placement),
                code="spare-in-use",
                summary=f"{pool.name}: hot spare {spare.name} replaced {original.name} ({original.state})",
                detail=detail,
                pool=pool.name,
                vdev_guid=original.guid,
                disk=words.disk_ref(where.disk) if where else None,
                actions=tuple(actions),
            )
