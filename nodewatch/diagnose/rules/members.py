"""Pool members ZFS cannot use: missing, removed, faulted, offline, or erring.

The central case (shared/DESIGN.md): a member is UNAVAIL because the path ZFS
knows is gone, while the same disk is present under another name. Its label
proves it; the fix that works is pointing ZFS at the new path, never
`zpool replace` (refused onto the same disk, or a needless full resilver).
Every fix below was tried on a real pool: shared/lab/NOTES.md.
"""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose import commands, words
from nodewatch.diagnose.context import Context, Location
from nodewatch.diagnose.matching import Match, Strength, find_member
from nodewatch.diagnose.replacement import Candidate, candidates
from nodewatch.diagnose.topology import Placement, member_id, placements, redundancy_left
from nodewatch.model import (
    DEGRADED,
    FAULTED,
    HEALTHY_STATES,
    OFFLINE,
    REMOVED,
    SUSPENDED,
    UNAVAIL,
    Action,
    Finding,
    Pool,
    Severity,
    VdevType,
)
from nodewatch.parse.by_id_listing import SOURCE as BY_ID_LISTING

KNOWN_STATES = frozenset({*HEALTHY_STATES, DEGRADED, FAULTED, OFFLINE, UNAVAIL, REMOVED})
_SKIP_PARENTS = frozenset({VdevType.SPARE, VdevType.REPLACING})  # spares.py and scans.py speak for these


def check(context: Context) -> Iterator[Finding]:
    for pool in context.snapshot.pools:
        if pool.state == SUSPENDED:
            continue  # the pool-suspended finding speaks for its devices
        for placement in placements(pool):
            leaf = placement.leaf
            if placement.parent.type in _SKIP_PARENTS or placement.group is VdevType.SPARES:
                continue
            if leaf.not_present or leaf.state in (UNAVAIL, REMOVED):
                yield missing_member(context, pool, placement)
            elif leaf.state == FAULTED:
                yield faulted_member(context, pool, placement)
            elif leaf.state == OFFLINE:
                yield _offline(pool, placement)
            elif leaf.read_errors or leaf.write_errors or leaf.checksum_errors:
                yield erring_member(context, pool, placement)
            elif leaf.state not in KNOWN_STATES:
                yield _unknown_state(pool, placement)


def severity_for(placement: Placement) -> Severity:
    """Critical when one more failure would lose the top-level vdev (and so the pool)."""
    if placement.group in (VdevType.CACHE, VdevType.SPARES):
        return Severity.WARNING  # losing a cache or spare device loses no data
    return Severity.CRITICAL if redundancy_left(placement.top) <= 0 else Severity.WARNING


def _redundancy_words(placement: Placement) -> str:
    left = redundancy_left(placement.top)
    if placement.group in (VdevType.CACHE, VdevType.SPARES):
        return "No data is at risk from this device alone."
    if left <= 0:
        return f"{placement.top.name} has no redundancy left: one more failure there loses the pool."
    return f"{placement.top.name} can still lose {left} more device{'s' if left > 1 else ''}."


# ─── missing: UNAVAIL / REMOVED / not present ──────────────────────────────


def missing_member(context: Context, pool: Pool, placement: Placement) -> Finding:
    leaf = placement.leaf
    guid_text = str(member_id(leaf))
    match = find_member(context, leaf) if context.has_inventory else None
    at_own_path = context.locate(leaf)
    evidence = [f"{leaf.name} {leaf.state} {leaf.note}".strip(), words.recorded_as(leaf)]
    if match:
        evidence.append(match.evidence)

    if match and (match.strength >= Strength.PARTUUID or _labels_unknown(context, match)):
        if at_own_path and match.location.disk.devnode == at_own_path.disk.devnode:
            return _back_at_own_path(pool, placement, match, evidence)
        return _present_elsewhere(context, pool, placement, match, evidence)
    if match and match.strength is Strength.DRIVE:
        return _label_lost(context, pool, placement, match, evidence)

    summary = f"{pool.name}: member {guid_text} is {leaf.state} and its disk is not on this node"
    detail = [
        f"ZFS cannot open member {guid_text} of {pool.name}"
        + (f" ({words.recorded_as(leaf)})." if words.recorded_as(leaf) else "."),
        _redundancy_words(placement),
    ]
    if not context.has_inventory:
        detail.append("No disk inventory was given, so nodewatch cannot tell whether the disk is here.")
    if match and match.strength is Strength.HINT:
        detail.append(f"Hint: {match.evidence}. Check with `zdb -l` before treating it as new.")
    detail.append(
        "If the disk is only disconnected (cable, USB dock, power), reconnect it and run"
        " `nodewatch diagnose` again: a reconnected disk needs no full resilver."
    )
    return Finding(
        severity=severity_for(placement),
        code="member-missing",
        summary=summary,
        detail=" ".join(detail),
        pool=pool.name,
        vdev_guid=leaf.guid,
        evidence=tuple(e for e in evidence if e),
        actions=tuple(_gone_actions(context, pool, placement)),
    )


def _gone_actions(context: Context, pool: Pool, placement: Placement) -> list[Action]:
    # An unused disk that fits is here: the owner has put in a replacement, so
    # replacing onto it comes first. Otherwise reconnecting is the first thing to try.
    online = _reconnect_then_online(pool, placement)
    found = candidates(context, pool, placement) if context.has_inventory else []
    replacements = list(replace_actions(context, pool, placement, found))
    if found:
        return [*replacements, online]
    return [online, *replacements]


def _reconnect_then_online(pool: Pool, placement: Placement) -> Action:
    # Safe whatever happened: fails harmlessly if the disk is still away.
    return Action(
        command=commands.online(pool.name, member_id(placement.leaf)),
        why="After reconnecting the disk: reopen it; ZFS resilvers only what it missed."
        " (ZED often does this by itself when the disk comes back at the same path.)",
        check_first="the disk is connected again and shows in `nodewatch disks`",
    )


def _labels_unknown(context: Context, match: Match) -> bool:
    """A by-id listing carries no labels: a drive match there is as good as we can get."""
    return (
        match.strength is Strength.DRIVE
        and context.snapshot.inventory is not None
        and (context.snapshot.inventory.source == BY_ID_LISTING)
    )


def _present_elsewhere(
    context: Context, pool: Pool, placement: Placement, match: Match, evidence: list[str]
) -> Finding:
    leaf = placement.leaf
    guid = member_id(leaf)
    disk = match.location.disk
    where = _member_partition(match.location, leaf.was_path or leaf.path)
    new_path = where.best_path()
    new_name = new_path.rsplit("/", 1)[-1]
    old_path = leaf.was_path or leaf.path
    detail = [
        f"ZFS cannot open member {guid} of {pool.name}: it looks for {old_path}, which no longer exists.",
        f"{words.recorded_as(leaf)}." if leaf.devid else "",
        f"That disk is here: {words.describe(disk)}.",
        words.why_renamed(disk, old_path),
        words.siblings_differ(disk, [context.disk_of_leaf(v) for v in placement.top.walk() if v is not leaf]),
        f"{match.evidence}: the same disk with its data, so it only needs to be shown its new path"
        " — no full resilver."
        if match.strength >= Strength.PARTUUID
        else f"{match.evidence}.",
        _redundancy_words(placement),
    ]
    if pool.action and "replace" in pool.action.lower():
        detail.append(
            f"ZFS's own advice ({pool.action.strip()!r}) is the wrong move here: `zpool replace` onto"
            ' the same disk is refused ("is part of active pool"), and forcing it costs a full resilver.'
        )
    positional = any(link.positional for link in where.partition.by_id) if where.partition else False
    if positional:
        detail.append(
            f"{new_path.rsplit('/', 1)[-1]} names the USB bay, not the drive: if disks are moved between"
            " bays the names swap. /dev/disk/by-partuuid/ names follow the partition instead."
        )
    return Finding(
        severity=severity_for(placement),
        code="member-present-elsewhere",
        summary=f"{pool.name}: member {guid} is {leaf.state}, but its disk is here as {new_name}",
        detail=" ".join(d for d in detail if d),
        pool=pool.name,
        vdev_guid=leaf.guid,
        disk=words.disk_ref(disk),
        evidence=tuple(e for e in evidence if e),
        actions=tuple(_repath_actions(context, pool, guid, where, match)),
    )


def _member_partition(location: Location, old_path: str | None) -> Location:
    """For a drive matched as a whole, pick the partition the old path named (-partN), else part 1."""
    if location.partition or not location.disk.partitions:
        return location
    wanted = 1
    if old_path and "-part" in old_path:
        suffix = old_path.rsplit("-part", 1)[1]
        wanted = int(suffix) if suffix.isdigit() else 1
    for partition in location.disk.partitions:
        if partition.number == wanted:
            return Location(location.disk, partition)
    return location


def _repath_actions(
    context: Context, pool: Pool, guid: int | str, where: Location, match: Match
) -> list[Action]:
    new_path = where.best_path()
    label_check = (
        f"`zdb -l {new_path}` shows pool {pool.name!r} and guid {guid}"
        if match.strength < Strength.PARTUUID
        else None
    )
    vdev_properties = context.has_vdev_properties()
    version = context.snapshot.zfs_version or "unknown"
    set_path = Action(
        command=commands.set_path_and_online(pool.name, guid, new_path),
        why="Point ZFS at the disk's current name and bring it online; only the writes it missed are"
        " resilvered and the pool stays imported"
        + ("." if vdev_properties else f" (needs OpenZFS ≥ 2.2; this node has {version})."),
        check_first=label_check,
    )
    mounted = context.mounted_datasets(pool)
    if context.is_root_pool(pool):
        export_check = (
            f"{pool.name} holds the root file system and cannot be exported while the system runs"
            " from it: run this from a rescue system or the initrd shell."
        )
    elif mounted:
        shown = ", ".join(mounted[:5]) + (" …" if len(mounted) > 5 else "")
        export_check = (
            f"Nothing may use {pool.name} while it is exported: stop what uses {shown}."
            " Export refuses a busy pool, so a failed export changes nothing."
        )
    else:
        export_check = "Nothing may use the pool while it is exported; export refuses a busy pool."
    export_import = Action(
        command=commands.export_import(pool.name),
        why="Re-import: ZFS scans /dev/disk/by-id, finds the member by its label and records the path"
        " it found. Works on every OpenZFS version.",
        check_first="; ".join(c for c in (label_check, export_check) if c),
    )
    last_resort = Action(
        command=commands.labelclear_then_replace(
            pool.name,
            guid,
            new_path,
            Location(where.disk).best_path(),
        ),
        why="Last resort, only if both of the above fail: wipes this disk's label and rebuilds it"
        " completely from the other members (a full resilver, hours on a large disk).",
        check_first=f"{_redundancy_after(pool)}; the commands above really failed",
        destructive=True,
    )
    if vdev_properties:
        return [set_path, export_import, last_resort]
    if vdev_properties is None:  # version unknown: the fix that works everywhere first
        return [export_import, set_path, last_resort]
    return [export_import, last_resort]


def _redundancy_after(pool: Pool) -> str:
    return f"every other member of {pool.name} is ONLINE (the rebuild reads them all)"


def _back_at_own_path(pool: Pool, placement: Placement, match: Match, evidence: list[str]) -> Finding:
    leaf = placement.leaf
    guid = member_id(leaf)
    disk = match.location.disk
    return Finding(
        severity=severity_for(placement),
        code="member-back",
        summary=f"{pool.name}: member {guid} is {leaf.state}, but its disk is back at the same path",
        detail=(
            f"{words.describe(disk)} is present at {leaf.path} and {match.evidence}."
            " ZFS has not reopened it by itself. " + _redundancy_words(placement)
        ),
        pool=pool.name,
        vdev_guid=leaf.guid,
        disk=words.disk_ref(disk),
        evidence=tuple(e for e in evidence if e),
        actions=(
            Action(
                command=commands.online(pool.name, guid),
                why="Reopen the disk; ZFS resilvers only what it missed while it was away.",
            ),
            Action(
                command=commands.clear_and_online(pool.name, guid),
                why="If online alone leaves it faulted: clear its error state, then online it.",
            ),
        ),
    )


def _label_lost(
    context: Context, pool: Pool, placement: Placement, match: Match, evidence: list[str]
) -> Finding:
    leaf = placement.leaf
    guid = member_id(leaf)
    disk = match.location.disk
    disk_path = Location(disk).best_path()
    return Finding(
        severity=severity_for(placement),
        code="member-label-lost",
        summary=f"{pool.name}: member {guid} is {leaf.state}; its drive is here but carries no ZFS label",
        detail=(
            f"{match.evidence}, but none of its partitions carries the ZFS label of {pool.name}: the"
            f" label was wiped or the drive was repartitioned. {words.describe(disk)}. It has to be"
            f" resilvered completely. {_redundancy_words(placement)}"
        ),
        pool=pool.name,
        vdev_guid=leaf.guid,
        disk=words.disk_ref(disk),
        evidence=tuple(e for e in evidence if e),
        actions=(
            Action(
                command=commands.replace(pool.name, guid, disk_path),
                why="Rebuild the member onto the same drive (ZFS repartitions it; full resilver).",
                check_first=f"nothing on {disk.devnode} is needed any more: its contents will be overwritten",
            ),
        ),
    )


def replace_actions(
    context: Context, pool: Pool, placement: Placement, found: list[Candidate] | None = None
) -> Iterator[Action]:
    """Yield `zpool replace` onto the best candidate disks, or a template when there is none."""
    leaf = placement.leaf
    guid = member_id(leaf)
    if found is None:
        found = candidates(context, pool, placement) if context.has_inventory else []
    for candidate in found[:3]:
        caveats = "; ".join(candidate.caveats)
        yield Action(
            command=commands.replace(pool.name, guid, candidate.path),
            why=f"Rebuild the member onto {candidate.disk.devnode}"
            f" ({candidate.disk.model or 'unknown model'}), an unused disk; ZFS partitions it and resilvers."
            + (f" Caveat: {caveats}." if caveats else ""),
            check_first="the old disk is really dead or gone; if it is only unplugged, reconnect it instead",
        )
    if not found:
        yield Action(
            command=commands.replace(pool.name, guid, "/dev/disk/by-id/NEW-DISK"),
            why="After attaching a new disk at least as large as the others: replace NEW-DISK with its"
            " by-id name (`nodewatch disks` lists it). ZFS partitions it and resilvers.",
            check_first="the old disk is really dead or gone; if it is only unplugged, reconnect it instead",
        )


# ─── present but not serving ───────────────────────────────────────────────


def faulted_member(context: Context, pool: Pool, placement: Placement) -> Finding:
    leaf = placement.leaf
    guid = member_id(leaf)
    where = context.locate(leaf)
    disk = where.disk if where else None
    smart_failing = bool(disk and disk.smart and disk.smart.passed is False)
    detail = [
        f"ZFS stopped using {leaf.name} of {pool.name}"
        + (f" ({leaf.note.strip()})" if leaf.note else "")
        + f" after {leaf.read_errors} read, {leaf.write_errors} write and {leaf.checksum_errors}"
        " checksum errors.",
        _redundancy_words(placement),
    ]
    if disk:
        detail.append(f"The disk is {words.describe(disk)}.")
        if disk.transport.value == "usb":
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
        disk=words.disk_ref(disk) if disk else None,
        evidence=(f"{leaf.name} {leaf.state} {leaf.read_errors} {leaf.write_errors} {leaf.checksum_errors}",),
        actions=tuple(actions),
    )


def _unknown_state(pool: Pool, placement: Placement) -> Finding:
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


def _offline(pool: Pool, placement: Placement) -> Finding:
    leaf = placement.leaf
    guid = member_id(leaf)
    return Finding(
        severity=severity_for(placement),
        code="member-offline",
        summary=f"{pool.name}: {leaf.name} was taken offline",
        detail=f"Someone ran `zpool offline` on it. {_redundancy_words(placement)}",
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
    counts = f"{leaf.read_errors} read, {leaf.write_errors} write, {leaf.checksum_errors} checksum"
    detail = [
        f"{leaf.name} of {pool.name} had {counts} errors. ZFS repaired what it could from redundancy"
        " and keeps using the disk.",
    ]
    # Observed on OpenZFS 2.1 (lab, usb-stick-suspended/zfs21): a pulled USB stick
    # can stay ONLINE with climbing write errors instead of suspending the pool.
    gone = context.has_inventory and where is None
    if disk:
        detail.append(f"The disk is {words.describe(disk)}.")
    elif gone:
        detail.append(
            f"Its device ({leaf.path or leaf.name}) is not on the node now: it was unplugged or fell"
            " off the bus, and ZFS keeps failing to write to it. Reconnect it first."
            f" {_redundancy_words(placement)}"
        )
    detail.append(
        "Checksum errors alone often come from cables, USB bridges or memory rather than the platters."
    )
    smart_failing = bool(disk and disk.smart and disk.smart.passed is False)
    actions = [
        Action(
            command=commands.clear(pool.name, member_id(leaf)),
            why="Reset the counters so new errors stand out.",
            check_first="the device is connected again (`nodewatch disks`) and `dmesg` shows no more resets"
            if gone
            else "SMART of the disk is fine (`nodewatch disks`) and `dmesg` shows no resets",
        ),
        Action(
            command=commands.scrub(pool.name),
            why="Verify every block again; errors that recur mean hardware.",
        ),
    ]
    if smart_failing:
        actions = [*replace_actions(context, pool, placement), *actions]
    critical = smart_failing or (gone and redundancy_left(placement.top) <= 0)
    return Finding(
        severity=Severity.CRITICAL if critical else Severity.WARNING,
        code="member-errors",
        summary=f"{pool.name}: {leaf.name} had {counts} errors"
        + (", and its device is gone from the node" if gone else ""),
        detail=" ".join(detail),
        pool=pool.name,
        vdev_guid=leaf.guid,
        disk=words.disk_ref(disk) if disk else None,
        evidence=(f"{leaf.name} {leaf.state} {leaf.read_errors} {leaf.write_errors} {leaf.checksum_errors}",),
        actions=tuple(actions),
    )
