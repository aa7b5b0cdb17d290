"""A replace under way (`replacing-N`): say what is happening, how far it is, and wait.

While a resilver or rebuild runs, the right action is to wait: ZFS detaches the
old member by itself when it finishes. Never detach `replacing-N` (an interior
vdev, refused), never replace the disk being resilvered onto, never replace a
spare (hot or dRAID distributed) standing in meanwhile. A replace that stopped
(the new disk failed, or the old member stayed after the resilver) is ended by
detaching a leaf: the new disk to cancel, the old member to finish.
"""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose import commands
from nodewatch.diagnose.context import Context
from nodewatch.diagnose.pool_state import serves_io
from nodewatch.diagnose.progress import (
    Work,
    is_distributed_spare,
    progress_words,
    resilver_running,
    scan_unknown,
    within,
    works,
)
from nodewatch.diagnose.risk import redundancy_words
from nodewatch.diagnose.topology import member_id, placements
from nodewatch.model import Action, Finding, Pool, Severity, Vdev


def check(context: Context) -> Iterator[Finding]:
    for pool in context.snapshot.pools:
        if not serves_io(context, pool):
            continue
        replaces, spares = works(pool)
        for work in replaces:
            if any(within(work.node, other.node) for other in replaces if other is not work):
                continue  # a replace inside another: the outer one speaks
            standing_in = [s.new for s in spares if within(work.node, s.node) or within(s.node, work.node)]
            yield _replace(pool, work, standing_in)


def _name(work: Work) -> str:
    # The member being replaced: the old side's first leaf (under a spare-N, the original).
    return work.old_leaves[0].name if work.old_leaves else work.old.name


def _spare_words(standing_in: list[Vdev]) -> str:
    if not standing_in:
        return ""
    names = ", ".join(spare.name for spare in standing_in)
    kind = (
        "distributed spare" if all(is_distributed_spare(spare) for spare in standing_in) else "hot spare"
    ) + ("s" if len(standing_in) > 1 else "")
    return (
        f"Meanwhile {kind} {names} stand{'s' if len(standing_in) == 1 else ''} in; they return to AVAIL"
        " by themselves once the replace is done. Do not replace or detach them now."
    )


def _replace(pool: Pool, work: Work, standing_in: list[Vdev]) -> Finding:
    old, new = _name(work), work.new.name
    running = resilver_running(pool)
    unknown = scan_unknown(pool)
    placement = next((p for p in placements(pool) if p.leaf is work.new), None)
    risk = redundancy_words(placement) if placement else ""
    if running or (unknown and work.new_healthy()):
        return Finding(
            severity=Severity.WARNING,
            code="replace-in-progress",
            summary=f"{pool.name}: {new} is replacing {old}: {progress_words(pool)}",
            detail=" ".join(
                part
                for part in (
                    f"ZFS is rebuilding {old}'s data onto {new} ({work.node.name}). The right action is to"
                    " wait: when it finishes, ZFS detaches the old member by itself and the pool is"
                    " healthy again.",
                    f"Do not detach {work.node.name} (an interior vdev: ZFS refuses) and do not replace"
                    f" {new}: it is the disk being resilvered onto.",
                    _spare_words(standing_in),
                    f"Until then: {risk}" if risk else "",
                )
                if part
            ),
            pool=pool.name,
            vdev_guid=work.new.guid,
            evidence=(f"{work.node.name} {work.node.state}", *_rows(work), *pool.scan.text.splitlines()),
        )
    if not work.new_healthy():
        new_id = member_id(work.new)
        return Finding(
            severity=Severity.WARNING,
            code="replace-stalled",
            summary=f"{pool.name}: the replace of {old} cannot finish: new disk {new} is {work.new.state}",
            detail=f"No resilver is running and the disk being resilvered onto is {work.new.state}."
            f" Cancel the replace by detaching the new disk (the old member stays in place), then replace"
            f" again onto a working disk. {risk}",
            pool=pool.name,
            vdev_guid=work.new.guid,
            evidence=tuple(
                f"{leaf.name} {leaf.state} {leaf.note}".strip() for leaf in (*work.old_leaves, work.new)
            ),
            actions=(
                Action(
                    command=commands.detach(pool.name, new_id),
                    why=f"Cancel the replace: detach {new} from {work.node.name}; the old member stays.",
                    check_first=f"{new} is really unusable (`zpool status -v {pool.name}`)",
                ),
            ),
        )
    old_leaf = work.old_leaves[0] if len(work.old_leaves) == 1 else None
    actions: tuple[Action, ...] = ()
    if old_leaf is not None:
        actions = (
            Action(
                command=commands.detach(pool.name, member_id(old_leaf)),
                why=f"Finish the replace: detach the old member {old_leaf.name}; {new} keeps its place.",
                check_first="the resilver has finished (`zpool status` shows no resilver in progress) and"
                " the old member is still listed a few minutes later",
            ),
        )
    return Finding(
        severity=Severity.WARNING,
        code="replace-not-finished",
        summary=f"{pool.name}: {new} has replaced {old}, but {work.node.name} is still listed",
        detail=f"The resilver onto {new} is no longer running, yet the old member is still attached."
        " ZFS normally detaches it by itself right after the resilver; if it stays, detach the old member"
        f" (a leaf, never {work.node.name} itself).",
        pool=pool.name,
        vdev_guid=work.new.guid,
        evidence=(*_rows(work), *pool.scan.text.splitlines()),
        actions=actions,
    )


def _rows(work: Work) -> tuple[str, ...]:
    return tuple(f"{leaf.name} {leaf.state} {leaf.note}".strip() for leaf in (*work.old_leaves, work.new))
