"""Members that are present but not serving, or serving with errors: FAULTED,
OFFLINE, erring, or in a state nodewatch does not know."""

from __future__ import annotations

from nodewatch.diagnose import commands, words
from nodewatch.diagnose.context import Context
from nodewatch.diagnose.platform import commands_for
from nodewatch.diagnose.replacement import replace_actions
from nodewatch.diagnose.risk import class_words, is_non_redundant, redundancy_words, severity_for
from nodewatch.diagnose.rules.data_errors import has_data_errors
from nodewatch.diagnose.topology import Placement, member_id, redundancy_left
from nodewatch.model import Action, Finding, Pool, ScanFunction, ScanState, Severity, Transport, Vdev
from nodewatch.words.sizes import nicenum


def faulted_member(context: Context, pool: Pool, placement: Placement) -> Finding:
    leaf = placement.leaf
    guid = member_id(leaf)
    where = context.locate(leaf)
    disk = where.disk if where else None
    smart_failing = bool(disk and disk.smart and disk.smart.passed is False)
    detail = [
        f"ZFS stopped using {leaf.name} of {pool.name}"
        + (f" ({leaf.note.strip()})" if leaf.note else "")
        + f" after {nicenum(leaf.read_errors)} read, {nicenum(leaf.write_errors)} write and"
        f" {nicenum(leaf.checksum_errors)}"
        " checksum errors.",
        redundancy_words(placement),
    ]
    if disk:
        detail.append(f"The disk is {words.describe(disk)}.")
        if disk.transport is Transport.USB:
            detail.append("USB bridges reset under load: check `dmesg` for resets before blaming the drive.")
    clear = Action(
        command=commands.clear_and_online(pool.name, guid),
        why="Reset its error state and let ZFS use it again; ZFS resilvers what it missed.",
        check_first="SMART is fine and the errors were transient (a cable, a USB reset): see `dmesg`",
    )
    scrub = Action(
        command=commands.scrub(pool.name),
        why="Read and verify everything afterwards, to see whether errors come back.",
    )
    replacements = list(replace_actions(context, pool, placement))
    actions = [*replacements, clear, scrub] if smart_failing else [clear, scrub, *replacements]
    if smart_failing:
        detail.append("SMART says this drive is failing: replace it rather than clearing it.")
    return Finding(
        severity=severity_for(placement),
        code="member-faulted",
        summary=f"{pool.name}: {leaf.name} is FAULTED" + (f" ({leaf.note.strip()})" if leaf.note else ""),
        detail=" ".join(detail),
        pool=pool.name,
        vdev_guid=leaf.guid,
        disk=words.member_ref(leaf, words.disk_ref(disk) if disk else None),
        evidence=(_as_printed(leaf),),
        actions=tuple(actions),
    )


def degraded_member(context: Context, pool: Pool, placement: Placement) -> Finding:
    """A member DEGRADED ("too many errors") whose counters read 0: ZFS's fault management
    marked it, and the counters were reset since."""
    leaf = placement.leaf
    where = context.locate(leaf)
    disk = where.disk if where else None
    smart_failing = bool(disk and disk.smart and disk.smart.passed is False)
    platform = commands_for(context.platform)
    rebuilding = pool.scan.function in (ScanFunction.RESILVER, ScanFunction.REBUILD) and (
        pool.scan.state is ScanState.IN_PROGRESS
    )
    detail = [
        f"ZFS's fault management (ZED on Linux, zfsd or ZED on FreeBSD, FMA on illumos) marked {leaf.name} of"
        f" {pool.name} DEGRADED" + (f" ({leaf.note.strip()})" if leaf.note else "") + ": it saw more"
        " checksum or I/O errors (or slow I/O) than its thresholds allow. ZFS still reads from it but"
        " no longer trusts it. Its counters read 0 because they were reset since: they live in memory"
        " (a reboot or an export and import zeroes them), while the DEGRADED mark is kept in the"
        " disk's label. What the errors were is in `zpool events -v` (until the node restarts) and"
        f" in {platform.kernel_log}.",
        redundancy_words(placement),
    ]
    if disk:
        detail.append(f"The disk is {words.describe(disk)}.")
    if rebuilding:
        detail.append(
            f"A {pool.scan.function.value} is running: it may be reading from this disk. Let it finish"
            " before clearing or replacing it."
        )
    if smart_failing:
        detail.append("SMART says this drive is failing: replace it rather than clearing it.")
    smart_where = "`nodewatch disks`" if platform.linux else "`smartctl -a`"
    clear = Action(
        command=commands.clear(pool.name, member_id(leaf)),
        why="Lift the DEGRADED mark so ZFS trusts the disk again; if the errors come back, ZED marks it"
        " again and it is time to replace it.",
        check_first=f"SMART of the disk is fine ({smart_where}), {platform.kernel_log} shows no errors"
        " or resets for it" + (", and the running resilver has finished" if rebuilding else ""),
    )
    scrub = Action(command=commands.scrub(pool.name), why="Verify every block on it afterwards.")
    # While a resilver runs, this disk may be what it reads from: no replace, unless SMART fails.
    replacements = list(replace_actions(context, pool, placement)) if smart_failing or not rebuilding else []
    actions = [*replacements, clear, scrub] if smart_failing else [clear, scrub, *replacements]
    # Critical when the disk ZFS stopped trusting is all that is left of its vdev's redundancy
    # (openzfs/zfs#7537: the mirror's other side is a new disk still being resilvered).
    last_copy = not placement.top.is_leaf and redundancy_left(placement.top) <= 0
    return Finding(
        severity=Severity.CRITICAL if smart_failing or last_copy else Severity.WARNING,
        code="member-degraded",
        summary=f"{pool.name}: {leaf.name} is DEGRADED"
        + (f" ({leaf.note.strip()})" if leaf.note else "")
        + " though its error counters read 0",
        detail=" ".join(part for part in detail if part),
        pool=pool.name,
        vdev_guid=leaf.guid,
        disk=words.member_ref(leaf, words.disk_ref(disk) if disk else None),
        evidence=(_as_printed(leaf),),
        actions=tuple(actions),
    )


def unknown_state(pool: Pool, placement: Placement) -> Finding:
    leaf = placement.leaf
    return Finding(
        severity=Severity.UNKNOWN,
        code="vdev-state-unknown",
        summary=f"{pool.name}: {leaf.name} is in a state nodewatch does not know: {leaf.state!r}",
        detail="A newer ZFS may print states nodewatch has not learned yet. Please report it with"
        " the output of `zpool status -P -v`.",
        pool=pool.name,
        vdev_guid=leaf.guid,
        evidence=(f"{leaf.name} {leaf.state} {leaf.note}".strip(),),
        actions=(Action(command=commands.status_verbose(pool.name), why="See the full status."),),
    )


def offline(pool: Pool, placement: Placement) -> Finding:
    leaf = placement.leaf
    guid = member_id(leaf)
    return Finding(
        severity=severity_for(placement),
        code="member-offline",
        summary=f"{pool.name}: {leaf.name} was taken offline",
        detail=f"Someone ran `zpool offline` on it. {redundancy_words(placement)}",
        pool=pool.name,
        vdev_guid=leaf.guid,
        actions=(
            Action(
                command=commands.online(pool.name, guid),
                why="Bring it back; ZFS resilvers what it missed.",
            ),
        ),
    )


def erring_member(context: Context, pool: Pool, placement: Placement) -> Finding:
    leaf = placement.leaf
    where = context.locate(leaf)
    disk = where.disk if where else None
    counts = (
        f"{nicenum(leaf.read_errors)} read, {nicenum(leaf.write_errors)} write,"
        f" {nicenum(leaf.checksum_errors)} checksum"
    )
    if is_non_redundant(placement):
        repaired = (
            f"{placement.top.name} has no redundancy, so ZFS could repair only blocks it keeps extra"
            " copies of (metadata); it keeps using the disk."
        )
    elif has_data_errors(pool):
        repaired = "Redundancy did not save every block: the pool reports permanent data errors."
    else:
        repaired = "ZFS repaired what it could from redundancy and keeps using the disk."
    detail = [f"{leaf.name} of {pool.name} had {counts} errors. {repaired}", class_words(placement)]
    # Observed on OpenZFS 2.1 (lab, usb-stick-suspended/zfs21): a pulled USB stick
    # can stay ONLINE with climbing write errors instead of suspending the pool.
    gone = context.is_gone(leaf)
    if disk:
        detail.append(f"The disk is {words.describe(disk)}.")
    elif gone:
        detail.append(
            f"Its device ({leaf.path or leaf.name}) is not on the node now: it was unplugged or fell"
            " off the bus, and ZFS keeps failing to write to it. Reconnect it first."
            f" {redundancy_words(placement, absent=True)}"
        )
    if leaf.read_errors or leaf.write_errors:
        detail.append(
            "Read and write errors are failed I/O: the drive itself, or its path to the node (cable,"
            " controller, USB bridge, power)."
        )
    else:
        detail.append(
            "Checksum errors alone often come from cables, USB bridges or memory rather than the platters."
        )
    smart_failing = bool(disk and disk.smart and disk.smart.passed is False)
    platform = commands_for(context.platform)
    smart_where = "`nodewatch disks`" if platform.linux else "`smartctl -a`"
    actions = [
        Action(
            command=commands.clear(pool.name, member_id(leaf)),
            why="Reset the counters so new errors stand out.",
            check_first=f"the device is connected again and {platform.kernel_log} shows no more resets"
            if gone
            else f"SMART of the disk is fine ({smart_where}) and {platform.kernel_log} shows no resets",
        ),
        Action(
            command=commands.scrub(pool.name),
            why="Verify every block again; errors that recur mean hardware.",
        ),
    ]
    if smart_failing:
        actions = [*replace_actions(context, pool, placement), *actions]
    # A device gone serves nothing, whatever ZFS's state column says yet: judged so at once, the
    # pull is one alert (not a warning, then "worse" when ZFS marks it REMOVED).
    critical = smart_failing or (gone and redundancy_left(placement.top, placement.leaf) <= 0)
    return Finding(
        severity=Severity.CRITICAL if critical else Severity.WARNING,
        # Its device gone, it is the member whose disk is missing, whatever ZFS's state column
        # says yet: ZFS marks it REMOVED a moment later (2.3), or never (2.1 keeps failing
        # writes to a pulled USB stick). One identity, so the pull is one alert, not two.
        code="member-missing" if gone else "member-errors",
        summary=f"{pool.name}: {leaf.name} had {counts} errors"
        + (", and its device is gone from the node" if gone else ""),
        detail=" ".join(part for part in detail if part),
        pool=pool.name,
        vdev_guid=leaf.guid,
        disk=words.member_ref(leaf, words.disk_ref(disk) if disk else None),
        evidence=(_as_printed(leaf),),
        actions=tuple(actions),
    )


def _as_printed(leaf: Vdev) -> str:
    """The member's row as zpool prints it: counters in zfs_nicenum form (`2.04K`, not 2089)."""
    counters = " ".join(nicenum(n) for n in (leaf.read_errors, leaf.write_errors, leaf.checksum_errors))
    return f"{leaf.name} {leaf.state} {counters} {leaf.note.strip()}".strip()


def cache_device(context: Context, pool: Pool, placement: Placement) -> Finding:
    """An L2ARC device that is missing, faulted or offline: removed and added again, never replaced."""
    leaf = placement.leaf
    guid = member_id(leaf)
    where = context.locate(leaf)
    return Finding(
        severity=Severity.WARNING,
        code="cache-device-unavailable",
        summary=f"{pool.name}: cache device {leaf.name} is {leaf.state}",
        detail=f"{redundancy_words(placement)} If it is only disconnected, reconnect it and bring it online."
        " A dead cache device is not replaced: remove it from the pool, and add a new one as cache when"
        " there is one (an L2ARC starts empty anyway).",
        pool=pool.name,
        vdev_guid=leaf.guid,
        disk=words.member_ref(leaf, words.disk_ref(where.disk) if where else None),
        evidence=(_as_printed(leaf),),
        actions=(
            Action(
                command=commands.online(pool.name, guid),
                why="After reconnecting it: use it again.",
                check_first="the device is connected again",
            ),
            Action(
                command=commands.remove(pool.name, guid),
                why="If it is dead: take it out of the pool (no data is lost; reads go to the pool disks).",
            ),
            Action(
                command=commands.zpool("add", pool.name, "cache", "/dev/disk/by-id/NEW-SSD"),
                why="Later, to have a cache again: add a new device as cache (its by-id name in place of"
                " NEW-SSD).",
                check_first="the new device is unused; it will be overwritten",
            ),
        ),
    )
