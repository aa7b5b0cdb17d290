"""The disk a finding is about, as a person finds it; the sentences come from nodewatch.words.

Rules write a finding's summary and detail themselves; how a disk, its
transport and its names are said is shared with the outputs and lives in
nodewatch/words/disks.py (below diagnose in the layering), re-exported here.
"""

from __future__ import annotations

import re

from nodewatch.model import Disk, DiskRef, KnownMember, Vdev
from nodewatch.words.disks import (
    TRANSPORTS,
    describe,
    recorded_as,
    shared_name,
    siblings_differ,
    why_renamed,
)

__all__ = [
    "describe",
    "disk_ref",
    "known_ref",
    "last_seen",
    "member_ref",
    "recorded_as",
    "shared_name",
    "siblings_differ",
    "why_renamed",
]


def disk_ref(disk: Disk) -> DiskRef:
    preferred = disk.preferred_by_id()
    port = None
    if disk.bridge and disk.bridge.port_path:
        port = f"USB {disk.bridge.port_path}"
    elif disk.by_path:
        port = disk.by_path[0].rsplit("/", 1)[-1]
    return DiskRef(
        devnode=disk.devnode,
        by_id=preferred.name if preferred else None,
        model=disk.model,
        serial=disk.serial,  # the drive's own, as the inventory decided it
        transport=disk.transport,
        port=port,
    )


def last_seen(member: KnownMember) -> str:
    """'The missing member was the WDC WD40EFZX-68AWUN0 serial WD-WX12…, last seen as /dev/sdc
    behind a USB bridge at port USB 0:1:1.0 on 2026-11-23 12:00 UTC (nodewatch history).'"""
    what = " ".join(x for x in (member.model, f"serial {member.serial}" if member.serial else None) if x)
    text = f"The missing member was the {what or 'disk'}"
    if member.bridge_serial and member.bridge_serial != member.serial:
        text += f" (its USB bridge reports serial {member.bridge_serial})"
    where = [f"as {member.devnode}" if member.devnode else ""]
    if member.transport:
        where.append(TRANSPORTS[member.transport].phrase)
    if member.port:
        where.append(f"at port {member.port}")
    seen = " ".join(x for x in [*where, f"on {member.last_seen:%Y-%m-%d %H:%M} UTC"] if x)
    return f"{text}, last seen {seen} (nodewatch history)."


def known_ref(member: KnownMember) -> DiskRef:
    """The disk a member was last seen on, as a finding names it (from history, not present now)."""
    return DiskRef(
        devnode=None,
        by_id=member.by_id[0] if member.by_id else None,
        model=member.model,
        serial=member.serial,
        transport=member.transport,
        port=member.port,
    )


_BY_ID = "/dev/disk/by-id/"


def member_ref(leaf: Vdev, found: DiskRef | None) -> DiskRef | None:
    """The disk a member finding names: the one found (or remembered), else, for a member ZFS
    printed without a guid (`zpool status` text without -g), the disk its name or recorded
    path names, so that two such members of one pool keep findings of their own."""
    if found is not None or leaf.guid is not None:
        return found
    path = leaf.path or leaf.name
    if path.startswith(_BY_ID) or ("/" not in path and "-" in path):
        return DiskRef(by_id=re.sub(r"-part\d+$", "", path.removeprefix(_BY_ID)))
    return DiskRef(devnode=path if path.startswith("/") else f"/dev/{path}")
