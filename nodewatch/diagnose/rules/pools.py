"""What a pool as a whole says: suspended, a ZFS-8000 message, features, and a catch-all.

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
from nodewatch.model import ONLINE, SUSPENDED, Action, Finding, Pool, Severity

_FEATURES_TEXT = "features are not enabled"


def check(context: Context) -> Iterator[Finding]:
    for pool in context.snapshot.pools:
        suspended = pool.state == SUSPENDED or context.snapshot.kstat_states.get(pool.name) == SUSPENDED
        if suspended:
            yield suspended_pool(pool.name, pool, _absent_devices(context, pool))
            continue
        message = MESSAGE_IDS.get(pool.msgid or "")
        if message and not message.handled_by_member_rules:
            yield _message_finding(pool, message.severity, message.meaning)
        if pool.status and _FEATURES_TEXT in " ".join(pool.status.split()):
            yield _features(pool)
    # A pool zpool could not describe (it hung) but the kernel says is suspended.
    described = {pool.name for pool in context.snapshot.pools}
    for name, state in context.snapshot.kstat_states.items():
        if state == SUSPENDED and name not in described:
            yield suspended_pool(name, None, [])


def _absent_devices(context: Context, pool: Pool) -> list[str]:
    """Members whose device is not on the node now: what fell off the bus."""
    if not context.has_inventory:
        return []
    return [leaf.path or leaf.name for leaf in pool.leaves() if context.locate(leaf) is None]


def suspended_pool(name: str, pool: Pool | None, absent: list[str]) -> Finding:
    return Finding(
        severity=Severity.CRITICAL,
        code="pool-suspended",
        summary=f"{name} is SUSPENDED: ZFS stopped all I/O to it after device failures",
        detail=(
            "Reads and writes to the pool hang until its devices come back. This typically follows a"
            " USB disk or hub dropping off the bus."
            + (f" Gone from the node: {', '.join(absent)}." if absent else "")
            + " Reconnect the device (`dmesg` says what disappeared), then clear the pool."
            " Files written during the failure may be reported as permanent errors afterwards"
            " (`zpool status -v`)."
        ),
        pool=name,
        evidence=(
            f"state {SUSPENDED}",
            *(f"not on the node now: {device}" for device in absent),
            *((" ".join(pool.status.split()),) if pool and pool.status else ()),
        ),
        actions=(
            Action(
                command=commands.clear(name),
                why="Resume I/O once the devices are back.",
                check_first="the missing device is reconnected and visible (`nodewatch disks`)",
            ),
            Action(command=commands.status_verbose(name), why="Then list files with permanent errors."),
        ),
    )


def _message_finding(pool: Pool, severity: Severity, meaning: str) -> Finding:
    actions: tuple[Action, ...] = ()
    if pool.msgid == "ZFS-8000-8A":
        actions = (
            Action(command=commands.status_verbose(pool.name), why="List the damaged files."),
            Action(
                command=commands.both(commands.clear(pool.name), commands.scrub(pool.name)),
                why="After restoring or deleting those files: reset the error list and verify the pool.",
                check_first="the damaged files are restored from backup or deleted",
            ),
        )
    return Finding(
        severity=severity,
        code=f"pool-{(pool.msgid or '').lower()}",
        summary=f"{pool.name}: {meaning} ({pool.msgid})",
        detail=zfs_words(pool),
        pool=pool.name,
        evidence=tuple(f for f in pool.error_files[:20]),
        actions=actions,
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


def catch_all(context: Context, findings: list[Finding]) -> Iterator[Finding]:
    """Yield a finding for each unhealthy pool no other rule spoke for."""
    spoken = {f.pool for f in findings if f.severity >= Severity.WARNING}
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
