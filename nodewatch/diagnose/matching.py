"""Who is the missing member? Match a vdev that ZFS cannot open to a disk that is here.

Evidence, strongest first: the ZFS label on a partition names the vdev guid
(proof: the same disk, data intact); the partition's PARTUUID; the drive's own
serial or WWN (read through the bridge by SMART, or in the by-id name) equal
to what ZFS recorded in the vdev's devid/path; and last, the same model with a
size that fits — said as a hint, never acted on.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from nodewatch.diagnose.context import Context, Location
from nodewatch.diagnose.topology import placements
from nodewatch.model import REMOVED, UNAVAIL, Disk, Pool, Vdev, VdevType
from nodewatch.parse.by_id_listing import SOURCE as BY_ID_LISTING
from nodewatch.words.articles import with_article


class Strength(enum.IntEnum):
    HINT = 1  # same model and size: worth a look, not proof
    DRIVE = 2  # same serial or WWN: the same drive, its label not necessarily intact
    PARTUUID = 3
    LABEL = 4  # its ZFS label carries the vdev guid


@dataclass(frozen=True, slots=True)
class Match:
    location: Location
    strength: Strength
    evidence: str


@dataclass(frozen=True, slots=True)
class RecordedIdentity:
    """What ZFS remembers of a member: from its devid and its old path."""

    model: str | None = None  # as in by-id names: WDC_WD40EFZX-68AWUN0
    serial: str | None = None
    wwn: str | None = None  # 0x50014ee21522fca7
    partuuid: str | None = None


_PART_SUFFIX = re.compile(r"-part\d+$")
_WWN_NAME = re.compile(r"wwn-(0x[0-9a-fA-F]+|eui\.[0-9a-fA-F]+|naa\.[0-9a-fA-F]+)")
_BY_ID_DRIVE = re.compile(r"^(?:ata|scsi-[0-9]|nvme)-?(?P<model>.+)_(?P<serial>[^_]+)$")


def recorded_identity(vdev: Vdev) -> RecordedIdentity:
    """Given a member ZFS cannot open, return what its devid and old path say it was."""
    model = serial = wwn = partuuid = None
    if vdev.devid:
        drive = _BY_ID_DRIVE.match(_PART_SUFFIX.sub("", vdev.devid))
        if drive:
            model, serial = drive["model"], drive["serial"]
    for path in (vdev.was_path, vdev.path):
        if not path:
            continue
        wwn_match = _WWN_NAME.search(path)
        if wwn_match and not wwn:
            wwn = wwn_match[1].lower()
        if "/by-partuuid/" in path and not partuuid:
            partuuid = path.rsplit("/", 1)[1].lower()
        name = path.rsplit("/", 1)[1]
        if not serial and name.startswith(("ata-", "nvme-")):
            drive = _BY_ID_DRIVE.match(_PART_SUFFIX.sub("", name))
            if drive:
                model, serial = drive["model"], drive["serial"]
    return RecordedIdentity(model, serial, wwn, partuuid)


def find_member(context: Context, vdev: Vdev) -> Match | None:
    """Given a member ZFS cannot open, return the best evidence that it is present under another name."""
    if vdev.guid is not None and vdev.guid in context.by_label_guid:
        where = context.by_label_guid[vdev.guid]
        label = where.partition.zfs if where.partition else None
        pool_name = label.pool_name if label else "?"
        return Match(
            where,
            Strength.LABEL,
            f"{where.partition.devnode if where.partition else where.disk.devnode} carries the ZFS label"
            f" of pool {pool_name} with vdev guid {vdev.guid}",
        )
    identity = recorded_identity(vdev)
    if identity.partuuid and identity.partuuid in context.by_partuuid:
        where = context.by_partuuid[identity.partuuid]
        return Match(
            where, Strength.PARTUUID, f"partition UUID {identity.partuuid} is on {where.disk.devnode}"
        )
    for disk in context.snapshot.disks:
        why = _same_drive(disk, identity)
        if why:
            return Match(Location(disk), Strength.DRIVE, why)
    return _hint(context, vdev, identity)


def drives_of_missing_members(context: Context) -> set[str]:
    """The devnodes of disks that are the drive ZFS recorded (serial or WWN) for a member it
    cannot open: such a drive, even blank, belongs to that member's finding and is never offered
    to another member as an unused disk."""
    by_serial: dict[str, str] = {}
    by_wwn: dict[str, str] = {}
    for disk in context.snapshot.disks:
        for serial in (disk.serial, disk.smart.serial if disk.smart else None):
            if serial:
                by_serial.setdefault(serial, disk.devnode)
        for wwn in (disk.wwn, disk.smart.wwn if disk.smart else None):
            if wwn:
                by_wwn.setdefault(_wwn(wwn), disk.devnode)
    found = set()
    for pool in context.snapshot.pools:
        for leaf in pool.leaves():
            if not (leaf.not_present or leaf.state in (UNAVAIL, REMOVED)):
                continue
            identity = recorded_identity(leaf)
            if identity.serial and identity.serial in by_serial:
                found.add(by_serial[identity.serial])
            if identity.wwn and _wwn(identity.wwn) in by_wwn:
                found.add(by_wwn[_wwn(identity.wwn)])
    return found


def _same_drive(disk: Disk, identity: RecordedIdentity) -> str | None:
    # The drive's own serial and WWN, as the inventory decided them (parse/inventory.py).
    if identity.serial and identity.serial == disk.serial:
        return f"{disk.devnode} reports the drive serial {identity.serial} that ZFS recorded"
    if identity.wwn and disk.wwn and _wwn(identity.wwn) == _wwn(disk.wwn):
        return f"{disk.devnode} reports the WWN {identity.wwn} that ZFS recorded"
    return None


def _wwn(text: str) -> str:
    return text.lower().replace(" ", "").removeprefix("0x")


def _hint(context: Context, vdev: Vdev, identity: RecordedIdentity) -> Match | None:
    if not identity.model:
        return None
    wanted = _normalise_model(identity.model)
    for disk in context.snapshot.disks:
        if identity.serial and disk.serial and disk.serial != identity.serial:
            continue  # another drive of the same model: a hint would mislead
        if disk.model and _normalise_model(disk.model) == wanted and not _holds_any_zfs_label(disk):
            # A by-id listing shows no labels: say nothing about them from it.
            labels = (
                ""
                if context.snapshot.inventory and context.snapshot.inventory.source == BY_ID_LISTING
                else (", with no ZFS label")
            )
            return Match(
                Location(disk),
                Strength.HINT,
                f"{disk.devnode} is {with_article(disk.model)} like the missing member{labels}:"
                " perhaps the same drive after its label was lost, perhaps another one",
            )
    del vdev
    return None


def _normalise_model(model: str) -> str:
    return re.sub(r"[\s_]+", "_", model.strip()).upper()


def _holds_any_zfs_label(disk: Disk) -> bool:
    return any(partition.zfs for partition in disk.partitions)


BY_ID_DIR = "/dev/disk/by-id"


@dataclass(frozen=True, slots=True)
class ImportSearch:
    """Where `zpool import` must look to find every member of a pool where it is now."""

    search: tuple[str, ...]  # the -d arguments: /dev/disk/by-id, or each member's own path
    why: str | None = None  # why not a scan of /dev/disk/by-id (None: that scan finds them all)


def member_locations(context: Context, pool: Pool) -> list[tuple[Vdev, Location | None]]:
    """Every member an import needs (not spares or cache devices, which it does not need),
    with where it is now: at its own path, or found elsewhere by its label or PARTUUID."""
    out: list[tuple[Vdev, Location | None]] = []
    for placement in placements(pool):
        if placement.group in (VdevType.SPARES, VdevType.CACHE):
            continue
        leaf = placement.leaf
        where = None if leaf.not_present else context.locate(leaf)
        if where is None:
            match = find_member(context, leaf)
            if match and match.strength >= Strength.PARTUUID:
                where = match.location
        out.append((leaf, where))
    return out


def import_search(context: Context, pool: Pool) -> ImportSearch:
    """The `-d` arguments of an import that finds every member of pool that is on this node.

    A scan of /dev/disk/by-id finds a member only through a name that leads to it. Where all
    of a member's by-id names are claimed by another device as well, the link leads to one of
    them: the scan finds one and misses the other (the lab's shared-serial scenario). Then
    each member's own path is given instead: its own by-id name, else its partition UUID.
    """
    located = [where for _leaf, where in member_locations(context, pool) if where is not None]
    return _search_over(located)


def labelled_search(context: Context, pool: Pool) -> ImportSearch:
    """import_search for a pool that is not imported: its members are the partitions whose
    ZFS label names it (a listing does not say where its members are)."""
    labelled = [
        Location(disk, partition)
        for disk in context.snapshot.disks
        for partition in disk.partitions
        if partition.zfs
        and partition.zfs.pool_name == pool.name
        and (pool.guid is None or partition.zfs.pool_guid in (None, pool.guid))
    ]
    return _search_over(labelled)


def _search_over(located: list[Location]) -> ImportSearch:
    claimed = [where for where in located if where.shared_names and not _has_own_by_id(where)]
    if not claimed:
        return ImportSearch((BY_ID_DIR,))
    names = sorted({link.name for where in claimed for link in where.shared_names})
    devices = sorted(
        {(where.partition or where.disk).devnode for where in claimed}
        | {other for where in claimed for link in where.shared_names for other in link.shared_with}
    )
    why = (
        f"a scan of {BY_ID_DIR} would miss a member: {', '.join(devices)} claim the same by-id"
        f" name{'s' if len(names) > 1 else ''} ({', '.join(names)}), whose link leads to only one"
        " of them, so each member is named by its own path"
    )
    return ImportSearch(tuple(dict.fromkeys(where.best_path() for where in located)), why)


def _has_own_by_id(where: Location) -> bool:
    return where.best_path().startswith(BY_ID_DIR + "/")
