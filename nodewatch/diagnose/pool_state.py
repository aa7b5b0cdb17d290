"""Is a pool able to serve I/O at all? Asked by every rule that speaks for members:
a suspended or unavailable pool is spoken for by rules/pool_down.py alone."""

from __future__ import annotations

from nodewatch.diagnose.context import Context
from nodewatch.model import FAULTED, SUSPENDED, UNAVAIL, Pool

# libzfs_status.c: ZPOOL_STATUS_IO_FAILURE_WAIT / _CONTINUE / _MMP: the pool is suspended.
SUSPENDED_MSGIDS = frozenset({"ZFS-8000-HC", "ZFS-8000-JQ", "ZFS-8000-MM"})
_SUSPENDED_ERRORS = "I/O is currently suspended"


def is_suspended(context: Context, pool: Pool) -> bool:
    return (
        pool.state == SUSPENDED
        or context.snapshot.kstat_states.get(pool.name) == SUSPENDED
        or pool.msgid in SUSPENDED_MSGIDS
        or _SUSPENDED_ERRORS in (pool.errors_text or "")
    )


def is_down(pool: Pool) -> bool:
    """UNAVAIL (or FAULTED, as older ZFS said): too few devices for the pool to run."""
    return pool.state in (UNAVAIL, FAULTED)


def serves_io(context: Context, pool: Pool) -> bool:
    return not is_suspended(context, pool) and not is_down(pool)
