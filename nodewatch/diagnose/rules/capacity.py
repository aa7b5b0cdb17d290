"""Pools filling up: ZFS slows down past ~80% and misbehaves when full."""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose import commands
from nodewatch.diagnose.context import Context
from nodewatch.model import Action, Finding, Severity


def check(context: Context) -> Iterator[Finding]:
    warning = context.settings.capacity_warning_percent
    critical = context.settings.capacity_critical_percent
    for pool in context.snapshot.pools:
        capacity = pool.capacity
        if capacity is None or capacity.capacity_percent is None:
            continue
        percent = capacity.capacity_percent
        if percent < warning:
            continue
        yield Finding(
            severity=Severity.CRITICAL if percent >= critical else Severity.WARNING,
            code="capacity-high",
            summary=f"{pool.name} is {percent}% full",
            detail=(
                f"{capacity.free_bytes} bytes free of {capacity.size_bytes}. Writes slow down on a full"
                " pool and a completely full one can refuse even deletes. Free space by deleting data or"
                " old snapshots; growing a pool means a new vdev of the same redundancy, never a single disk."
            ),
            pool=pool.name,
            actions=(
                Action(
                    command=commands.space_used(pool.name),
                    why="See which datasets and snapshots use the space (read-only).",
                ),
            ),
        )
