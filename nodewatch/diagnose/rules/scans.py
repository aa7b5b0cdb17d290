"""Scrubs and resilvers: in progress (with how long to go), overdue, never run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from nodewatch.diagnose import commands
from nodewatch.diagnose.context import Context
from nodewatch.diagnose.pool_state import serves_io
from nodewatch.diagnose.progress import works
from nodewatch.model import ONLINE, Action, Finding, Pool, Scan, ScanFunction, ScanState, Severity
from nodewatch.words.scans import scan_progress


def check(context: Context) -> Iterator[Finding]:
    now = _node_now(context)
    overdue_after = timedelta(days=context.settings.scrub_overdue_days)
    for pool in context.snapshot.pools:
        scan = pool.scan
        if not serves_io(context, pool):
            continue  # a scan on a suspended or unavailable pool is stalled; pool_down speaks
        if scan.state is ScanState.IN_PROGRESS:
            rebuilding = scan.function in (ScanFunction.RESILVER, ScanFunction.REBUILD)
            if not (rebuilding and any(works(pool))):  # replacing/spares speak, with the progress
                yield _in_progress(pool, scan)
            continue
        if pool.state != ONLINE:
            continue  # fix the pool first; a scrub of a degraded pool is not the advice
        last_scrub = scan.end_time if scan.function is ScanFunction.SCRUB else None
        if scan.function is ScanFunction.NONE or scan.state is ScanState.NONE:
            # Info only: a pool created yesterday has not been scrubbed either.
            yield _scrub_needed(pool, "has never been scrubbed", "scrub-never", Severity.INFO)
        elif last_scrub and now and now - last_scrub > overdue_after:
            age = (now - last_scrub).days
            yield _scrub_needed(
                pool,
                f"was last scrubbed {age} days ago (more than {overdue_after.days})",
                "scrub-overdue",
                Severity.WARNING,
            )


def _node_now(context: Context) -> datetime | None:
    # Scan times are the node's local wall time, naive: compare with its clock.
    if context.snapshot.local_time:
        return context.snapshot.local_time
    return None


def _in_progress(pool: Pool, scan: Scan) -> Finding:
    what = scan.function.value
    summary = f"{pool.name}: {what} in progress, {scan_progress(scan)}"
    detail = (
        "Let it finish before changing anything else in the pool; a resilver restores redundancy."
        if scan.function in (ScanFunction.RESILVER, ScanFunction.REBUILD)
        else "Nothing to do; it runs in the background."
    )
    # A pool that is not ONLINE while it resilvers has less redundancy until it finishes.
    degraded = pool.state != ONLINE and scan.function in (ScanFunction.RESILVER, ScanFunction.REBUILD)
    if degraded:
        detail = (
            f"{pool.name} is {pool.state} until it finishes: the right action is to wait. "
            "Do not replace or detach the members being resilvered."
        )
    return Finding(
        severity=Severity.WARNING if degraded else Severity.INFO,
        code=f"{what}-in-progress",
        summary=summary,
        detail=detail,
        pool=pool.name,
        evidence=tuple(scan.text.splitlines()),
    )


def _scrub_needed(pool: Pool, why: str, code: str, severity: Severity) -> Finding:
    return Finding(
        severity=severity,
        code=code,
        summary=f"{pool.name} {why}",
        detail="A scrub reads every block and repairs silent corruption while redundancy still exists.",
        pool=pool.name,
        actions=(Action(command=commands.scrub(pool.name), why="Start a scrub; it runs in the background."),),
    )
