"""Setups that work until the day they don't: SMR disks in raidz, bridges that
hide serials or name bays, and pool members known by /dev/sdX names."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodewatch.diagnose import commands, words
from nodewatch.diagnose.context import Context
from nodewatch.diagnose.matching import import_search
from nodewatch.diagnose.topology import placements
from nodewatch.known_hardware import smr_warning
from nodewatch.model import Action, Finding, Severity, VdevType

_RAIDZ = frozenset({VdevType.RAIDZ1, VdevType.RAIDZ2, VdevType.RAIDZ3, VdevType.DRAID})
# Kernel names are handed out in discovery order and change between boots.
_UNSTABLE = re.compile(r"^/dev/(sd[a-z]+|hd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme\d+n\d+|mmcblk\d+)(p?\d+)?$")


def check(context: Context) -> Iterator[Finding]:
    for pool in context.snapshot.pools:
        unstable = []
        for placement in placements(pool):
            leaf = placement.leaf
            if leaf.path and _UNSTABLE.match(leaf.path):
                unstable.append(leaf.path)
            where = context.locate(leaf)
            if not where:
                continue
            disk = where.disk
            smr = smr_warning(disk.model)
            if smr and placement.top.type in _RAIDZ:
                yield Finding(
                    severity=Severity.WARNING,
                    code="smr-in-raidz",
                    summary=f"{pool.name}: {leaf.name} is an SMR drive in {placement.top.name}",
                    detail=smr + ". Replace it with a CMR drive before a resilver is needed.",
                    pool=pool.name,
                    vdev_guid=leaf.guid,
                    disk=words.disk_ref(disk),
                )
            if disk.bridge and disk.bridge.bogus_serial_reason:
                yield Finding(
                    severity=Severity.WARNING,
                    code="bridge-bogus-serial",
                    summary=f"{pool.name}: {leaf.name} is behind a USB bridge that hides the drive's serial",
                    detail=(
                        f"{disk.bridge.bogus_serial_reason}. Its by-id name cannot tell drives apart; ZFS"
                        " finds members by label on import, but suggested paths may point at the wrong bay."
                    ),
                    pool=pool.name,
                    vdev_guid=leaf.guid,
                    disk=words.disk_ref(disk),
                )
            path_name = (leaf.path or "").rsplit("/", 1)[-1]
            own_links = (where.partition or where.disk).by_id
            shared = next((link for link in own_links if link.shared and link.name == path_name), None)
            positional = [link for link in own_links if link.positional]
            if shared:
                search = import_search(context, pool)
                yield Finding(
                    severity=Severity.WARNING,
                    code="shared-device-name",
                    summary=f"{pool.name}: {path_name} is claimed by another disk too",
                    detail=(
                        f"ZFS opens this member of {pool.name} through {path_name}. "
                        f"{words.shared_name(shared)}. At the next boot or replug the link may lead to"
                        " the other disk, and this member is then missing. Import so that each member"
                        " is recorded under a path of its own."
                    ),
                    pool=pool.name,
                    vdev_guid=leaf.guid,
                    disk=words.disk_ref(disk),
                    actions=(
                        Action(
                            command=commands.export_import(pool.name, search.search),
                            why="Re-import naming each member's own device, so ZFS records paths no other"
                            " disk claims" + (f" ({search.why})." if search.why else "."),
                            check_first="nothing uses the pool while it is exported (not the root pool)",
                        ),
                    ),
                )
            elif any(path_name == link.name for link in positional):
                yield Finding(
                    severity=Severity.WARNING,
                    code="positional-device-name",
                    summary=f"{pool.name}: {path_name} names a USB bay, not a drive",
                    detail=(
                        "If two disks in this enclosure swap bays, their names swap too. Import by"
                        " partition UUID so each member keeps a name of its own."
                    ),
                    pool=pool.name,
                    vdev_guid=leaf.guid,
                    disk=words.disk_ref(disk),
                    actions=(
                        Action(
                            command=commands.export_import(pool.name, "/dev/disk/by-partuuid"),
                            why="Re-import so ZFS records by-partuuid paths, which follow the partition.",
                            check_first="nothing uses the pool while it is exported",
                        ),
                    ),
                )
        if unstable:
            search = import_search(context, pool)
            yield Finding(
                severity=Severity.WARNING,
                code="unstable-device-path",
                summary=f"{pool.name} uses kernel device names ({', '.join(unstable[:4])})",
                detail=(
                    "Names like /dev/sdc are given out in discovery order and change when disks are added,"
                    " removed or enumerate differently at boot; ZFS may then open the wrong path."
                ),
                pool=pool.name,
                actions=(
                    Action(
                        command=commands.export_import(pool.name, search.search),
                        why="Re-import so ZFS records stable /dev/disk/by-id paths."
                        if search.why is None
                        else f"Re-import so ZFS records stable paths: {search.why}.",
                        check_first="nothing uses the pool while it is exported (not the root pool)",
                    ),
                ),
            )
