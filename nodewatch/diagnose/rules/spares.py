"""Hot spares: one standing in for a failed member, or a spare that is itself unusable.

Observed on OpenZFS 2.3.2 (shared/lab/NOTES.md): ZED pulls a spare in by
itself when a mirror member faults; after `zpool clear` + `zpool online` of
the original, the spare returns to AVAIL by itself.

When a spare has taken over, there are two ways on, each said with what it
does: replace the failed member (the spare goes back to AVAIL after the
resilver), or detach the failed member (the spare becomes a permanent member).
Never replace the spare itself, and while it is still resilvering, wait.
A spare inside a replace is spoken for by rules/replacing.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose import commands, words
from nodewatch.diagnose.context import Context
from nodewatch.diagnose.pool_state import serves_io
from nodewatch.diagnose.progress import (
    Work,
    is_distributed_spare,
    progress_words,
    resilver_running,
    within,
    works,
)
from nodewatch.diagnose.replacement import replace_actions
from nodewatch.diagnose.risk import severity_for
from nodewatch.diagnose.topology import member_id, placements
from nodewatch.model import AVAIL, HEALTHY_STATES, INUSE, Action, Finding, Pool, Severity, Vdev, VdevType


def check(context: Context) -> Iterator[Finding]:
    for pool in context.snapshot.pools:
        if not serves_io(context, pool):
            continue
        for placement in placements(pool):
            spare = placement.leaf
            if placement.group is VdevType.SPARES and spare.state not in (AVAIL, INUSE):
                yield Finding(
                    severity=Severity.WARNING,
                    code="spare-unavailable",
                    summary=f"{pool.name}: hot spare {spare.name} is {spare.state}",
                    detail="The spare could not stand in if a member failed.",
                    pool=pool.name,
                    vdev_guid=spare.guid,
                )
            elif placement.group is VdevType.SPARES and spare.state == INUSE and not _attached(pool, spare):
                yield _in_use_elsewhere(pool, spare)
        replaces, spares = works(pool)
        for work in spares:
            if any(within(work.node, r.node) or within(r.node, work.node) for r in replaces):
                continue  # part of a replace: rules/replacing.py speaks
            if work.old.is_leaf and work.old.state in HEALTHY_STATES and not work.old.not_present:
                yield _still_attached(pool, work)
            elif work.old.is_leaf:
                yield _standing_in(context, pool, work)


def _attached(pool: Pool, spare: Vdev) -> bool:
    """Whether the spare stands in somewhere in the pool's own tree (under a spare-N)."""
    return any(
        p.group is not VdevType.SPARES
        and (p.leaf.name == spare.name or (spare.guid is not None and p.leaf.guid == spare.guid))
        for p in placements(pool)
    )


def _in_use_elsewhere(pool: Pool, spare: Vdev) -> Finding:
    return Finding(
        severity=Severity.WARNING,
        code="spare-in-use-elsewhere",
        summary=f"{pool.name}: hot spare {spare.name} is INUSE but stands in for nothing in {pool.name}",
        detail=(
            f"No member of {pool.name} is being covered by {spare.name} (there is no spare-N holding it),"
            f" yet ZFS marks it in use, so it could not stand in if a member of {pool.name} failed."
            " Either another pool that shares this spare is using it (`zpool status` of every pool"
            " shows a spare-N there), or it was left marked in use after a replace or detach"
            " (openzfs/zfs#7577). Look before changing anything: a spare another pool is resilvering"
            " onto must not be touched."
        ),
        pool=pool.name,
        vdev_guid=spare.guid,
        evidence=(f"spares: {spare.name} {spare.state} {spare.note.strip()}".rstrip(),),
        actions=(
            Action(
                command=commands.status_all(),
                why=f"See which pool, if any, has {spare.name} attached under a spare-N.",
            ),
        ),
    )


def _kind(work: Work) -> str:
    return "distributed spare" if is_distributed_spare(work.new) else "hot spare"


def _standing_in(context: Context, pool: Pool, work: Work) -> Finding:
    original, spare = work.old, work.new
    placement = next(p for p in placements(pool) if p.leaf is original)
    where = context.locate(original)
    guid = member_id(original)
    running = resilver_running(pool)
    kind = _kind(work)
    detail = [
        f"{original.name} is {original.state}"
        + (f" ({original.note.strip()})" if original.note.strip() else "")
        + f"; {kind} {spare.name} stands in for it ({work.node.name}).",
        f"The spare is still being resilvered ({progress_words(pool)}): wait for it to finish before"
        " changing anything."
        if running
        else "The pool has its redundancy back only while the spare lasts, and one spare fewer for the next"
        " failure.",
        f"Two ways on: replace {original.name} with a new disk (the spare goes back to AVAIL once the new"
        f" disk is resilvered), or detach {original.name} (the spare becomes a permanent member"
        + (
            "; the dRAID has one distributed spare fewer)."
            if is_distributed_spare(spare)
            else "; add a new spare)."
        )
        + f" Never replace {spare.name} itself.",
    ]
    if where:
        detail.append(f"The original disk is {words.describe(where.disk)}.")
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
    for action in replace_actions(context, pool, placement):
        actions.append(
            Action(
                command=action.command,
                why=action.why + f" When it has resilvered, {spare.name} goes back to AVAIL by itself.",
                check_first=action.check_first,
            )
        )
    actions.append(
        Action(
            command=commands.detach(pool.name, guid),
            why=f"Or keep the spare for good: detaching the failed {original.name} makes {spare.name} a"
            " permanent member" + (" (then add a new spare)." if not is_distributed_spare(spare) else "."),
            check_first=f"{spare.name} has finished resilvering (no resilver in progress in zpool status)",
        )
    )
    return Finding(
        severity=severity_for(placement),
        code="spare-in-use",
        summary=f"{pool.name}: {kind} {spare.name} replaced {original.name} ({original.state})"
        + (f": {progress_words(pool)}" if running else ""),
        detail=" ".join(detail),
        pool=pool.name,
        vdev_guid=original.guid,
        disk=words.member_ref(original, words.disk_ref(where.disk) if where else None),
        actions=tuple(actions),
    )


def _still_attached(pool: Pool, work: Work) -> Finding:
    original, spare = work.old, work.new
    running = resilver_running(pool)
    return Finding(
        severity=Severity.INFO,
        code="spare-still-attached",
        summary=f"{pool.name}: {_kind(work)} {spare.name} is still attached beside {original.name},"
        f" which is {original.state}",
        detail=(
            f"{original.name} is back in service, so {spare.name} is no longer needed there."
            + (f" A resilver is running ({progress_words(pool)}): let it finish first." if running else "")
            + f" Detaching the spare returns it to the spares (AVAIL); {original.name} keeps its place."
        ),
        pool=pool.name,
        vdev_guid=spare.guid,
        actions=(
            Action(
                command=commands.detach(pool.name, member_id(spare)),
                why=f"Return {spare.name} to the spares.",
                check_first=f"no resilver is running and {original.name} shows no errors",
            ),
        ),
    )
