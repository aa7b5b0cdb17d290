"""A member ZFS cannot open (UNAVAIL, REMOVED, not present): is its disk here under
another name (member_moved), here without its label, or gone?"""

from __future__ import annotations

from nodewatch.diagnose import commands, words
from nodewatch.diagnose.context import Context, Location
from nodewatch.diagnose.matching import Match, Strength, find_member
from nodewatch.diagnose.platform import commands_for
from nodewatch.diagnose.replacement import candidates, in_use_reason, listing_only, replace_actions
from nodewatch.diagnose.risk import redundancy_words, severity_for
from nodewatch.diagnose.rules import kernel_log, member_moved
from nodewatch.diagnose.topology import Placement, member_id
from nodewatch.model import Action, Disk, Finding, Pool, Transport
from nodewatch.words.disks import smart_words


def missing_member(
    context: Context, pool: Pool, placement: Placement, together: tuple[member_moved.Moved, ...] = ()
) -> Finding:
    """together: every member of the pool here under another name (member_moved.moved_members)."""
    leaf = placement.leaf
    guid_text = str(member_id(leaf))
    match = find_member(context, leaf) if context.has_inventory else None
    at_own_path = context.locate(leaf)
    evidence = [f"{leaf.name} {leaf.state} {leaf.note}".strip(), words.recorded_as(leaf)]
    if match:
        evidence.append(match.evidence)
    evidence += kernel_log.failed_probes(context, pool, leaf)  # how it went, in the kernel's words

    if match and member_moved.proves_moved(context, match):
        if at_own_path and match.location.disk.devnode == at_own_path.disk.devnode:
            return member_moved.back_at_own_path(pool, placement, match, evidence)
        return member_moved.present_elsewhere(context, pool, placement, match, evidence, together=together)
    if match and match.strength is Strength.DRIVE:
        return _label_lost(context, pool, placement, match, evidence)

    summary = f"{pool.name}: member {guid_text} is {leaf.state}"
    if context.has_inventory and not (match and match.strength is Strength.HINT):
        summary += " and its disk is not on this node"
    elif not context.has_inventory:
        summary += " (no disk inventory: whether its disk is here is unknown)"
    detail = [
        f"ZFS cannot open member {guid_text} of {pool.name}"
        + (f" ({words.recorded_as(leaf)})." if words.recorded_as(leaf) else "."),
        redundancy_words(placement),
    ]
    known = context.known_members.get(leaf.guid) if leaf.guid is not None else None
    if known:
        detail.append(words.last_seen(known))
    if not context.has_inventory:
        detail.append("No disk inventory was given, so nodewatch cannot tell whether the disk is here.")
    elif listing_only(context):
        detail.append(
            "Only a by-id listing was given: it shows names, not sizes, labels or what is in use, so any"
            " disk offered below needs checking (`lsblk -f`) before a replace."
        )
    if match and match.strength is Strength.HINT:
        detail.append(f"Hint: {match.evidence}. Check with `zdb -l` before treating it as new.")
    detail.append(
        "If the disk is only disconnected (cable, USB dock, power), reconnect it first"
        + (" and run `nodewatch diagnose` again" if commands_for(context.platform).linux else "")
        + ": a reconnected disk needs no full resilver."
    )
    return Finding(
        severity=severity_for(placement),
        code="member-missing",
        summary=summary,
        detail=" ".join(detail),
        pool=pool.name,
        vdev_guid=leaf.guid,
        disk=words.member_ref(leaf, words.known_ref(known) if known else None),
        evidence=tuple(e for e in evidence if e),
        actions=tuple(_gone_actions(context, pool, placement)),
    )


def _gone_actions(context: Context, pool: Pool, placement: Placement) -> list[Action]:
    # An unused disk that fits is here: the owner has put in a replacement, so
    # replacing onto it comes first. Otherwise reconnecting is the first thing to try.
    online = _reconnect_then_online(context, pool, placement)
    found = candidates(context, pool, placement) if context.has_inventory else []
    replacements = list(replace_actions(context, pool, placement, found))
    if found and not listing_only(context):
        # A by-id listing cannot tell an unused disk from a LUKS or LVM one: reconnect stays first.
        return [*replacements, online]
    return [online, *replacements]


def _reconnect_then_online(context: Context, pool: Pool, placement: Placement) -> Action:
    # Safe whatever happened: fails harmlessly if the disk is still away.
    linux = commands_for(context.platform).linux
    return Action(
        command=commands.online(pool.name, member_id(placement.leaf)),
        why="After reconnecting the disk: reopen it; ZFS resilvers only what it missed."
        + (" (ZED often does this by itself when the disk comes back at the same path.)" if linux else ""),
        check_first="the disk is connected again" + (" and shows in `nodewatch disks`" if linux else ""),
    )


def _label_lost(
    context: Context, pool: Pool, placement: Placement, match: Match, evidence: list[str]
) -> Finding:
    leaf = placement.leaf
    guid = member_id(leaf)
    disk = match.location.disk
    in_use = in_use_reason(context, disk)
    # A fitting new disk is the proven path (lab: members-blank, gone-replace); the blank drive
    # itself is never its own candidate.
    found = [c for c in candidates(context, pool, placement) if c.disk.devnode != disk.devnode]
    new_disk_check = (
        f"this is the disk meant for the member, not one holding data elsewhere; the blank {disk.devnode}"
        " then stays out of the pool"
    )
    actions = [*replace_actions(context, pool, placement, found, new_disk_check)] if found else []
    actions += _reuse_actions(pool, guid, disk, in_use)
    smart = smart_words(disk.smart) if disk.smart and disk.smart.available else None
    detail = [
        f"{match.evidence}, but none of its partitions carries the ZFS label of {pool.name}: the"
        f" label was wiped or the drive was repartitioned. {words.describe(disk)}.",
        "A drive that lost its label while nobody wiped it may be failing: read its SMART report"
        " before trusting it again" + (f" (last reading: {smart})." if smart else "."),
        "Either way the member is rebuilt completely (a full resilver)"
        + (", best onto the unused disk offered first." if found else "."),
        redundancy_words(placement),
        f"nodewatch offers no command onto this drive: {in_use}; find out what it holds first."
        if in_use
        else "",
    ]
    return Finding(
        severity=severity_for(placement),
        code="member-label-lost",
        summary=f"{pool.name}: member {guid} is {leaf.state}; its drive is here but carries no ZFS label",
        detail=" ".join(d for d in detail if d),
        pool=pool.name,
        vdev_guid=leaf.guid,
        disk=words.disk_ref(disk),
        evidence=tuple(e for e in evidence if e),
        actions=tuple(actions),
    )


def _reuse_actions(pool: Pool, guid: int | str, disk: Disk, in_use: str | None) -> list[Action]:
    """Read the drive's SMART report, then rebuild the member onto it (proven on the blank drive
    itself on OpenZFS 2.3.2 and 2.1.11, lab scenario members-blank)."""
    disk_path = Location(disk).best_path()
    bridged = disk.transport is Transport.USB
    actions = [
        Action(
            command=commands.smartctl("-x", disk_path),
            why="Read-only: the drive's health (reallocated, pending and uncorrectable sectors, its error"
            " log) before it is trusted with the pool again."
            + (" Behind a USB bridge it may need `-d sat`." if bridged else ""),
        )
    ]
    if in_use is None:
        actions.append(
            Action(
                command=commands.offline_then_replace(pool.name, guid, disk_path),
                why="Rebuild the member onto the same drive: ZFS partitions it anew and resilvers it"
                " completely. The member is taken offline first: ZED recognises the drive by its"
                " serial and would try to reopen the member on the new partition while the replace"
                " writes it, which makes the replace fail with \"cannot open '…-part1': Device or"
                ' resource busy".',
                check_first=f"its SMART report shows no reallocated, pending or uncorrectable sectors;"
                f" nothing on {disk.devnode} is needed any more: its contents will be overwritten",
            )
        )
    return actions
