"""Pools that cannot serve I/O: suspended (ZFS-8000-HC/JQ), or UNAVAIL with
"insufficient replicas". One finding speaks for the whole pool and its members.

No `zpool replace` here: it cannot run on an unavailable pool (Oracle's ZFS
admin guide, "Determining If a Device Can Be Replaced"), and on a suspended
pool the first thing is to bring back what fell off. No redundancy words: the
pool is already down. Member FAULTED "corrupted data" under kernel names
(`sdb1`) beside a missing one is the classic sign of disks renumbered at boot
(openzfs/zfs#1434, #2933): ZFS opened each path and found another member's
label there. `zpool export` + `zpool import -d /dev/disk/by-id` finds every
member by its label, whatever its kernel name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodewatch.diagnose import commands
from nodewatch.diagnose.context import Context
from nodewatch.diagnose.matching import Strength, find_member
from nodewatch.diagnose.platform import commands_for
from nodewatch.diagnose.pool_state import is_down, is_suspended
from nodewatch.diagnose.risk import is_auxiliary
from nodewatch.diagnose.topology import Placement, placements, tolerance
from nodewatch.model import (
    FAULTED,
    HEALTHY_STATES,
    SUSPENDED,
    UNAVAIL,
    Action,
    Finding,
    Pool,
    Severity,
    VdevType,
)

# Kernel names handed out in discovery order (Linux sdX/vdX/hdX, with or without /dev/ and a partition).
_KERNEL_NAME = re.compile(r"^(/dev/)?(sd[a-z]+|hd[a-z]+|vd[a-z]+|xvd[a-z]+)\d*$")


def check(context: Context) -> Iterator[Finding]:
    for pool in context.snapshot.pools:
        if is_suspended(context, pool):
            yield suspended_pool(context, pool.name, pool)
        elif is_down(pool):
            yield unavailable_pool(context, pool)
    # A pool zpool could not describe (it hung) but the kernel says is suspended.
    described = {pool.name for pool in context.snapshot.pools}
    for name, state in context.snapshot.kstat_states.items():
        if state == SUSPENDED and name not in described:
            yield suspended_pool(context, name, None)


def _troubled(pool: Pool) -> list[Placement]:
    """The members that do not serve data: missing, faulted, removed, offline."""
    return [
        placement
        for placement in placements(pool)
        if placement.group is not VdevType.SPARES
        and (placement.leaf.not_present or placement.leaf.state not in HEALTHY_STATES)
    ]


def _describe(placement: Placement) -> str:
    leaf = placement.leaf
    where = leaf.was_path or leaf.path
    name = leaf.name if not where or where.endswith(leaf.name) else f"{leaf.name} ({where})"
    note = f" {leaf.note.strip()}" if leaf.note.strip() else ""
    return f"{name} {leaf.state}{note}"


def _absent_devices(context: Context, pool: Pool) -> list[str]:
    """Members whose device is not on the node now: what fell off the bus."""
    if not context.has_inventory:
        return []
    return [leaf.path or leaf.name for leaf in pool.leaves() if context.locate(leaf) is None]


def suspended_pool(context: Context, name: str, pool: Pool | None) -> Finding:
    platform = commands_for(context.platform)
    absent = _absent_devices(context, pool) if pool else []
    troubled = _troubled(pool) if pool else []
    # A mirror is redundant by kind: one shown with fewer than two members is a cut paste.
    stripe = pool is not None and any(
        tolerance(p.top) == 0 and p.top.type is not VdevType.MIRROR and not is_auxiliary(p)
        for p in (troubled or list(placements(pool)))
    )
    detail = [
        "Reads and writes to the pool hang until its devices come back. This typically follows a"
        " disk, cable, USB bridge or hub dropping off the bus.",
        f"Gone from the node: {', '.join(absent)}." if absent else "",
        f"Members in trouble: {'; '.join(_describe(p) for p in troubled)}." if troubled else "",
        f"Reconnect the device ({platform.kernel_log} says what disappeared and when), then"
        f" `zpool clear {name}` resumes I/O.",
        "The pool has no redundancy where it failed: nothing can be rebuilt from other disks, so the"
        " device itself has to come back (replacing it would not bring its data back)."
        if stripe
        else "",
        "Files written during the failure may be reported as permanent errors afterwards"
        " (`zpool status -v`).",
    ]
    if not platform.linux:
        detail.append("`nodewatch disks` reads udev and works on Linux only; here use `zpool status -v`.")
    return Finding(
        severity=Severity.CRITICAL,
        code="pool-suspended",
        summary=f"{name}: I/O is suspended: ZFS stopped all reads and writes after device failures",
        detail=" ".join(d for d in detail if d),
        pool=name,
        evidence=(
            f"state {pool.state if pool else SUSPENDED}" + (f", {pool.msgid}" if pool and pool.msgid else ""),
            *(f"not on the node now: {device}" for device in absent),
            *((" ".join(pool.status.split()),) if pool and pool.status else ()),
            *((pool.errors_text,) if pool and pool.errors_text else ()),
        ),
        actions=(
            Action(
                command=commands.clear(name),
                why="Resume I/O once the devices are back: clear reopens them and retries what failed.",
                check_first="the missing device is reconnected and visible"
                + (" (`nodewatch disks`)" if platform.linux else "")
                + f"; {platform.kernel_log} shows no new resets",
            ),
            Action(command=commands.status_verbose(name), why="Then list files with permanent errors."),
        ),
    )


def _renumbered(pool: Pool) -> bool:
    """Members FAULTED "corrupted data" under kernel names: the disks moved between sdX names."""
    corrupted = [
        leaf
        for leaf in pool.leaves()
        if leaf.state in (FAULTED, UNAVAIL)
        and "corrupted data" in leaf.note
        and _KERNEL_NAME.match(leaf.path or leaf.name)
    ]
    return bool(corrupted)


def unavailable_pool(context: Context, pool: Pool) -> Finding:
    platform = commands_for(context.platform)
    troubled = _troubled(pool)
    renumbered = _renumbered(pool)
    here = []
    for placement in troubled:
        match = find_member(context, placement.leaf) if context.has_inventory else None
        if match and match.strength >= Strength.PARTUUID:
            here.append(f"{placement.leaf.name}: {match.evidence}")
    detail = [
        f"{pool.name} is down: too few of its devices can be used for the pool to run"
        ' ("insufficient replicas"), so nothing in it can be read or written.',
        f"Members that cannot be used: {'; '.join(_describe(p) for p in troubled)}." if troubled else "",
    ]
    if renumbered:
        detail.append(
            'Members FAULTED with "corrupted data" under kernel names (sdX) usually mean the disks'
            " were renumbered at boot: ZFS opened each old name and found another disk, or another"
            " member's label, there. The data is most likely intact. Re-importing makes ZFS find every"
            " member by its label, whatever its name now."
        )
    if here:
        detail.append(f"Their disks are here: {'; '.join(here)}. Re-importing finds them by their labels.")
    if any((p.leaf.path or p.leaf.name).endswith(".eli") for p in troubled):
        detail.append(
            "Those devices are GELI-encrypted providers (.eli, FreeBSD): they exist only once attached,"
            " so attach them (`geli attach` with their key or passphrase) before ZFS can open them."
        )
    detail.append("`zpool replace` cannot run on an unavailable pool: bring the devices back first.")
    if pool.action and "destroy" in pool.action.lower():
        detail.append(
            f"ZFS's own advice ({' '.join(pool.action.split())!r}) is premature: try the steps below"
            " first; they change nothing on the disks."
        )
    reimport = Action(
        command=commands.export_import(pool.name, platform.import_dir),
        why="Re-import: ZFS scans "
        + (platform.import_dir or "the default device directory")
        + " for the members' labels and records the names it finds them under.",
        check_first="nothing uses the pool (an unavailable pool serves nothing anyway); all its disks"
        " are connected",
    )
    clear = Action(
        command=commands.clear(pool.name),
        why="After reconnecting the missing devices (cable, power, USB dock): reopen them; the pool"
        " comes back once enough of them are here, and ZFS resilvers what they missed.",
        check_first="the devices are connected again"
        + (" and show in `nodewatch disks`" if platform.linux else "")
        + f"; {platform.kernel_log} says what dropped",
    )
    actions = [reimport, clear] if renumbered or here else [clear, reimport]
    summary = f"{pool.name} is {pool.state or UNAVAIL}: the pool is down"  # FAULTED on old Solaris/illumos
    if troubled:
        shown = ", ".join(p.leaf.name for p in troubled[:4]) + (" …" if len(troubled) > 4 else "")
        summary += f" ({shown} cannot be used)"
    return Finding(
        severity=Severity.CRITICAL,
        code="pool-unavailable",
        summary=summary,
        detail=" ".join(d for d in detail if d),
        pool=pool.name,
        evidence=tuple(_describe(p) for p in troubled[:50]),
        actions=tuple(actions),
    )
