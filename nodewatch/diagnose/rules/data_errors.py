"""Permanent data errors (`errors: N data errors`, ZFS-8000-8A): data was lost.

Always critical, whatever the vdev states say: redundancy did not save these
blocks. The way out (openzfs-docs msg/ZFS-8000-8A): list the damaged files
with `zpool status -v`, restore or delete them, then `zpool clear` and a scrub
so the list is re-checked (it empties only once a scrub no longer finds them).
"""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose import commands
from nodewatch.diagnose.context import Context
from nodewatch.diagnose.pool_state import is_suspended
from nodewatch.model import Action, Finding, Pool, Severity

DATA_LOSS_MSGID = "ZFS-8000-8A"
_EVIDENCE_FILES = 20


def error_count(pool: Pool) -> int | None:
    """How many permanent errors the pool reports: the count line, else the listed files; None if unsaid."""
    if pool.error_count:
        return pool.error_count
    if pool.error_files:
        return len(pool.error_files)
    return None


def has_data_errors(pool: Pool) -> bool:
    return bool(error_count(pool)) or pool.msgid == DATA_LOSS_MSGID


def check(context: Context) -> Iterator[Finding]:
    for pool in context.snapshot.pools:
        if has_data_errors(pool):
            yield _data_errors(context, pool)


def _data_errors(context: Context, pool: Pool) -> Finding:
    count = error_count(pool)
    what = f"{count} permanent data error{'s' if count != 1 else ''}" if count else "permanent data errors"
    metadata = [f for f in pool.error_files if f.startswith("<metadata>")]
    detail = [
        f"ZFS reports {what} in {pool.name}: blocks it could not read back correctly from any copy."
        " Those files (or parts of them) are lost; the rest of the pool is fine.",
        f"`zpool status -v {pool.name}` lists the damaged files. Restore them from a backup (or delete"
        " them), then clear the error list and scrub: the list empties once a scrub no longer finds the"
        " errors.",
    ]
    if metadata:
        detail.append(
            f"{len(metadata)} of the entries are <metadata>: pool metadata, not files, which cannot be"
            " restored one by one. If they remain after a scrub, copy the data off and re-create the pool"
            " from backup."
        )
    if is_suspended(context, pool):
        detail.append("The pool's I/O is suspended: bring its devices back and `zpool clear` it first.")
    listed = pool.error_files[:_EVIDENCE_FILES]
    more = len(pool.error_files) - len(listed)
    return Finding(
        severity=Severity.CRITICAL,
        code="pool-data-errors",
        summary=f"{pool.name}: {what}: data was lost",
        detail=" ".join(detail),
        pool=pool.name,
        evidence=(
            *((pool.errors_text,) if pool.errors_text else ()),
            *((f"message {pool.msgid}",) if pool.msgid == DATA_LOSS_MSGID else ()),
            *listed,
            *((f"… and {more} more",) if more > 0 else ()),
        ),
        actions=(
            Action(command=commands.status_verbose(pool.name), why="List the damaged files (read-only)."),
            Action(
                command=commands.both(commands.clear(pool.name), commands.scrub(pool.name)),
                why="After restoring or deleting those files: reset the error list and verify the pool.",
                check_first="the damaged files are restored from backup or deleted; the pool's devices are"
                " all back (no I/O suspended)",
            ),
        ),
    )
