"""Pools filling up: ZFS slows down past ~80% and misbehaves when full."""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose import commands
from nodewatch.diagnose.context import Context
from nodewatch.diagnose.threshold import Threshold
from nodewatch.model import Action, Finding, FindingKey

CODE = "capacity-high"


def check(context: Context) -> Iterator[Finding]:
    settings = context.settings
    threshold = Threshold(
        settings.capacity_warning_percent, settings.capacity_critical_percent, settings.clear_margin_percent
    )
    for pool in context.snapshot.pools:
        capacity = pool.capacity
        if capacity is None or capacity.capacity_percent is None:
            continue
        percent = capacity.capacity_percent
        severity = threshold.judge(percent, context.standing.get(FindingKey(CODE, pool.name)))
        if severity is None:
            continue
        held = threshold.held_words(percent, severity)
        yield Finding(
            severity=severity,
            code=CODE,
            summary=f"{pool.name} is {percent}% full",
            detail=(
                f"{capacity.free_bytes} bytes free of {capacity.size_bytes}. Writes slow down on a full"
                " pool and a completely full one can refuse even deletes. Free space by deleting data or"
                " old snapshots; growing a pool means a new vdev of the same redundancy, never a single disk."
                + held
            ),
            pool=pool.name,
            actions=(
                Action(
                    command=commands.space_used(pool.name),
                    why="See which datasets and snapshots use the space (read-only).",
                ),
            ),
        )
