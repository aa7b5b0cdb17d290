"""What a pool as a whole says: a ZFS-8000 message, features, and a catch-all.

The catch-all matters: a pool that is not ONLINE, or carries a message id,
must never come out of diagnose without a finding, even when no rule below
understands why (shared/research/ANCHORS.md: parsers and rules always lag
behind new zpool states).
"""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose import commands
from nodewatch.diagnose.context import Context
from nodewatch.diagnose.msgids import MESSAGE_IDS
from nodewatch.diagnose.pool_state import serves_io
from nodewatch.model import ONLINE, Action, Finding, Pool, Severity

_FEATURES_TEXT = "features are not enabled"


def check(context: Context) -> Iterator[Finding]:
    for pool in context.snapshot.pools:
        if not serves_io(context, pool):
            continue  # pool_down speaks for it
        message = MESSAGE_IDS.get(pool.msgid or "")
        if message and not message.spoken_for_by_rules:
            yield _message_finding(pool, message.severity, message.meaning)
        if pool.status and _FEATURES_TEXT in " ".join(pool.status.split()):
            yield _features(pool)


def _message_finding(pool: Pool, severity: Severity, meaning: str) -> Finding:
    return Finding(
        severity=severity,
        code=f"pool-{(pool.msgid or '').lower()}",
        summary=f"{pool.name}: {meaning} ({pool.msgid})",
        detail=zfs_words(pool),
        pool=pool.name,
    )


def zfs_words(pool: Pool) -> str:
    """ZFS's own status and advice for the pool, whitespace folded, for a finding's detail."""
    parts = (
        f"ZFS says: {' '.join(pool.status.split())}" if pool.status else "",
        f"ZFS advises: {' '.join(pool.action.split())}" if pool.action else "",
        f"See {pool.see_url}." if pool.see_url else "",
    )
    return " ".join(part for part in parts if part)


def _features(pool: Pool) -> Finding:
    return Finding(
        severity=Severity.INFO,
        code="features-disabled",
        summary=f"{pool.name}: some features of this ZFS version are not enabled on the pool",
        detail=(
            "Nothing is wrong. Enabling them is one-way: older ZFS versions (and GRUB, for a boot pool)"
            " may no longer import the pool."
        ),
        pool=pool.name,
        actions=(
            Action(
                command=commands.zpool("upgrade", pool.name),
                why="Enable all features this ZFS supports.",
                check_first="no older system must import this pool, and it is not read by GRUB",
            ),
        ),
    )


# Warnings about how a pool is set up or kept, which never explain why it is not ONLINE: beside
# them alone, an unhealthy pool still gets the catch-all (found by the property test: a DEGRADED
# pool whose only warning was its /dev/sdX names came out without a word about its state).
ABOUT_THE_SETUP = frozenset(
    {
        "capacity-high",
        "scrub-never",
        "scrub-overdue",
        "unstable-device-path",
        "positional-device-name",
        "shared-device-name",
        "bridge-bogus-serial",
        "smr-in-raidz",
        "class-vdev-less-redundant",
        "features-disabled",
    }
)


def catch_all(context: Context, findings: list[Finding]) -> Iterator[Finding]:
    """Yield a finding for each unhealthy pool no other rule spoke for."""
    spoken = {f.pool for f in findings if f.severity >= Severity.WARNING and f.code not in ABOUT_THE_SETUP}
    for pool in context.snapshot.pools:
        unhealthy = pool.state != ONLINE or (pool.msgid is not None and pool.msgid in MESSAGE_IDS)
        if unhealthy and pool.name not in spoken:
            yield Finding(
                severity=Severity.CRITICAL if pool.state != ONLINE else Severity.WARNING,
                code="pool-unhealthy",
                summary=f"{pool.name} is {pool.state}"
                + (f" ({pool.msgid})" if pool.msgid else "")
                + ": nodewatch has no specific rule for this",
                detail=zfs_words(pool),
                pool=pool.name,
                actions=(Action(command=commands.status_verbose(pool.name), why="See the full status."),),
            )
