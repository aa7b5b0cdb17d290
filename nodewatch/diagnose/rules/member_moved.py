"""A missing member whose disk is here under another name, or back at its own path.

The central case (shared/DESIGN.md): a member is UNAVAIL because the path ZFS
knows is gone, while the same disk is present under another name. Its label
proves it; the fix that works is pointing ZFS at the new path, never
`zpool replace` (refused onto the same disk, or a needless full resilver).
Every fix below was tried on a real pool: shared/lab/NOTES.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from nodewatch.diagnose import commands, words
from nodewatch.diagnose.context import Context, Location
from nodewatch.diagnose.matching import Match, Strength, find_member, import_search
from nodewatch.diagnose.risk import redundancy_words, severity_for
from nodewatch.diagnose.topology import Placement, member_id
from nodewatch.model import HEALTHY_STATES, Action, Finding, Pool
from nodewatch.parse.by_id_listing import SOURCE as BY_ID_LISTING
from nodewatch.words.members import others_here_too, restored_together


@dataclass(frozen=True, slots=True)
class Moved:
    """A member whose disk is here under another name, and the path that names it now."""

    guid: int | str
    path: str
    proven: bool  # its label or PARTUUID says so (not only the drive's serial in a by-id listing)


def proves_moved(context: Context, match: Match) -> bool:
    """The match is proof enough to point ZFS at the disk's new name."""
    return match.strength >= Strength.PARTUUID or labels_unknown(context, match)


def moved_members(context: Context, missing: list[Placement]) -> tuple[Moved, ...]:
    """Every missing member (of one pool) whose disk is here under another name, in pool order.

    Their findings share one first command that restores them all: restoring one member per
    command would leave the pool degraded after the first. Members whose disks would end up
    under the same path are left out (no two vdevs are ever pointed at one path).
    """
    if not context.has_inventory:
        return ()
    found = []
    for placement in missing:
        leaf = placement.leaf
        match = find_member(context, leaf)
        if match is None or not proves_moved(context, match):
            continue
        at_own_path = context.locate(leaf)
        if at_own_path and at_own_path.disk.devnode == match.location.disk.devnode:
            continue  # back at its own path: `zpool online` (back_at_own_path)
        where = _member_partition(match.location, leaf.was_path or leaf.path)
        found.append(Moved(member_id(leaf), where.best_path(), match.strength >= Strength.PARTUUID))
    paths = Counter(moved.path for moved in found)
    return tuple(moved for moved in found if paths[moved.path] == 1)


def labels_unknown(context: Context, match: Match) -> bool:
    """A by-id listing carries no labels: a drive match there is as good as we can get."""
    return (
        match.strength is Strength.DRIVE
        and context.snapshot.inventory is not None
        and (context.snapshot.inventory.source == BY_ID_LISTING)
    )


def present_elsewhere(
    context: Context,
    pool: Pool,
    placement: Placement,
    match: Match,
    evidence: list[str],
    *,
    together: tuple[Moved, ...] = (),
) -> Finding:
    """together: every member of the pool here under another name, this one among them."""
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
        words.why_renamed(disk, old_path, new_path),
        words.siblings_differ(disk, [context.disk_of_leaf(v) for v in placement.top.walk() if v is not leaf]),
        f"{match.evidence}: the same disk with its data, so it only needs to be shown its new path"
        " — no full resilver."
        if match.strength >= Strength.PARTUUID
        else f"{match.evidence}.",
        redundancy_words(placement),
    ]
    if pool.action and "replace" in pool.action.lower():
        detail.append(
            f"ZFS's own advice ({pool.action.strip()!r}) is the wrong move here: `zpool replace` onto"
            ' the same disk is refused ("is part of active pool"), and forcing it costs a full resilver.'
        )
    group = together if len(together) > 1 and any(m.guid == guid for m in together) else ()
    others = [(m.guid, m.path) for m in group if m.guid != guid]
    if others:
        detail.append(others_here_too(pool.name, others))
    named_by = (
        next((link for link in where.partition.by_id if link.path == new_path), None)
        if where.partition
        else None
    )
    if named_by and named_by.positional:
        detail.append(
            f"{named_by.name} names the USB bay, not the drive: if disks are moved between"
            " bays the names swap. /dev/disk/by-partuuid/ names follow the partition instead."
        )
    if where.shared_names:
        detail.append(f"{words.shared_name(where.shared_names[0])}; here it is {new_path}.")
    return Finding(
        severity=severity_for(placement),
        code="member-present-elsewhere",
        summary=f"{pool.name}: member {guid} is {leaf.state}, but its disk is here as {new_name}",
        detail=" ".join(d for d in detail if d),
        pool=pool.name,
        vdev_guid=leaf.guid,
        disk=words.disk_ref(disk),
        evidence=tuple(e for e in evidence if e),
        actions=tuple(_repath_actions(context, pool, guid, where, match, group=group)),
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
    context: Context, pool: Pool, guid: int | str, where: Location, match: Match, *, group: tuple[Moved, ...]
) -> list[Action]:
    new_path = where.best_path()
    members = group or (Moved(guid, new_path, match.strength >= Strength.PARTUUID),)
    unproven = [m for m in members if not m.proven]
    label_check = (
        "; ".join(f"`zdb -l {m.path}` shows pool {pool.name!r} and guid {m.guid}" for m in unproven)
        if unproven
        else None
    )
    vdev_properties = context.has_vdev_properties()
    version = context.snapshot.zfs_version or "unknown"
    needs = "." if vdev_properties else f" (needs OpenZFS ≥ 2.2; this node has {version})."
    pairs = [(m.guid, m.path) for m in members]
    if group:
        set_path = Action(
            command=commands.set_paths_and_online(pool.name, pairs),
            why="Point ZFS at each disk's current name and bring it online; only the writes they missed"
            " are resilvered and the pool stays imported" + needs + " " + restored_together(pool.name, pairs),
            check_first=label_check,
        )
    else:
        set_path = Action(
            command=commands.set_path_and_online(pool.name, guid, new_path),
            why="Point ZFS at the disk's current name and bring it online; only the writes it missed are"
            " resilvered and the pool stays imported" + needs,
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
    search = import_search(context, pool)
    export_import = Action(
        command=commands.export_import(pool.name, search.search),
        why=(
            "Re-import: ZFS scans /dev/disk/by-id, finds "
            + (
                "the members by their labels and records the paths"
                if group
                else "the member by its label and records the path"
            )
            + " it found. Works on every OpenZFS version."
            if search.why is None
            else f"Re-import from each member's own device: {search.why}. ZFS checks each label and"
            " records these paths. Works on every OpenZFS version."
        )
        + (" " + restored_together(pool.name, pairs) if group else ""),
        check_first="; ".join(c for c in (label_check, export_check) if c),
    )
    last_resort = _labelclear_last_resort(context, pool, guid, where, match)
    safe_first = (
        [set_path, export_import]
        if vdev_properties
        else [export_import, set_path]
        if vdev_properties is None  # version unknown: the fix that works everywhere first
        else [export_import]
    )
    return [*safe_first, last_resort] if last_resort else safe_first


def _labelclear_last_resort(
    context: Context, pool: Pool, guid: int | str, where: Location, match: Match
) -> Action | None:
    """Wipe the label and rebuild, offered only where it cannot hit the wrong disk: the
    inventory shows this very member's label on the partition, no member that is in use
    carries that guid, and the path names this partition alone (never a by-id name that
    another device claims: the link may lead to a live member)."""
    partition = where.partition
    label = partition.zfs if partition else None
    if match.strength is not Strength.LABEL or partition is None or label is None:
        return None
    if label.vdev_guid != guid or (pool.guid is not None and label.pool_guid not in (None, pool.guid)):
        return None
    live = [
        leaf
        for each in context.snapshot.pools
        for leaf in each.leaves()
        if leaf.guid == guid and not leaf.not_present and leaf.state in HEALTHY_STATES
    ]
    path, disk_path = where.best_path(), Location(where.disk).best_path()
    if live or context.is_claimed_by_several(path) or context.is_claimed_by_several(disk_path):
        return None
    return Action(
        command=commands.labelclear_then_replace(pool.name, guid, path, disk_path),
        why="Last resort, only if the above fail: wipes this disk's label and rebuilds it"
        " completely from the other members (a full resilver, hours on a large disk).",
        check_first=(
            f"`zdb -l {path}` shows pool {pool.name!r} and guid {guid}, this missing member's own"
            f" (never clear the label of a member that is ONLINE); {_redundancy_after(pool)};"
            " the commands above really failed"
        ),
        destructive=True,
    )


def _redundancy_after(pool: Pool) -> str:
    return f"every other member of {pool.name} is ONLINE (the rebuild reads them all)"


def back_at_own_path(pool: Pool, placement: Placement, match: Match, evidence: list[str]) -> Finding:
    leaf = placement.leaf
    guid = member_id(leaf)
    disk = match.location.disk
    return Finding(
        severity=severity_for(placement),
        code="member-back",
        summary=f"{pool.name}: member {guid} is {leaf.state}, but its disk is back at the same path",
        detail=(
            f"{words.describe(disk)} is present at {leaf.path} and {match.evidence}."
            " ZFS has not reopened it by itself. " + redundancy_words(placement)
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
