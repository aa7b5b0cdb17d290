"""The joins between pools and disks, computed once per diagnosis.

Rules ask "which physical disk is at this vdev path?", "who carries the label
of this vdev guid?", "can this pool be exported?"; the answers come from
indexes built here so no rule walks the inventory itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from nodewatch.config import DiagnoseSettings
from nodewatch.diagnose.compare import by_key
from nodewatch.diagnose.platform import Platform, platform_of
from nodewatch.model import (
    CLASS_GROUPS,
    ByIdLink,
    Disk,
    Finding,
    FindingKey,
    Guid,
    KnownMember,
    Partition,
    Pool,
    PoolSource,
    Severity,
    Snapshot,
    Vdev,
    VdevType,
    preferred_link,
)


@dataclass(frozen=True, slots=True)
class Location:
    """A place on the node: a whole disk, or one of its partitions."""

    disk: Disk
    partition: Partition | None = None

    def best_path(self) -> str:
        """The path a human should type: its by-id name; where other devices claim every by-id
        name it has (bridges reporting one serial), its partition UUID (a partition) or its
        port (a whole disk); the devnode last. Never a name that may lead to another device."""
        # A file system on the whole disk (no partition table) goes by the disk's names.
        part = self.partition if self.partition and self.partition.devnode != self.disk.devnode else None
        preferred = preferred_link(part.by_id if part else self.disk.by_id)
        if preferred:
            return preferred.path
        if part:
            return part.by_partuuid or part.devnode
        return self.disk.by_path[0] if self.disk.by_path else self.disk.devnode

    @property
    def shared_names(self) -> tuple[ByIdLink, ...]:
        """Its by-id names that other devices claim as well."""
        return tuple(link for link in (self.partition or self.disk).by_id if link.shared)


_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass
class Context:
    snapshot: Snapshot
    settings: DiagnoseSettings = field(default_factory=DiagnoseSettings)
    previous: Snapshot | None = None
    known_members: Mapping[Guid, KnownMember] = field(default_factory=dict)  # the service's history
    # The findings that stood before (the service's open problems), by key: Threshold
    # (diagnose/threshold.py) keeps a level raised while the value is within its clear margin.
    standing: Mapping[FindingKey, Severity] = field(default_factory=dict)
    by_path: dict[str, Location] = field(default_factory=dict)
    # Paths several devices claim (one by-id name for two bridges reporting one serial): all of them.
    claimed_by_several: dict[str, list[Location]] = field(default_factory=dict)
    by_label_guid: dict[Guid, Location] = field(default_factory=dict)
    by_partuuid: dict[str, Location] = field(default_factory=dict)
    # Answers computed once per diagnosis (unused disks, disks in pools), by name.
    memo: dict[str, object] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        snapshot: Snapshot,
        settings: DiagnoseSettings,
        previous: Snapshot | None = None,
        known_members: Mapping[Guid, KnownMember] | None = None,
        standing: Iterable[Finding] = (),
    ) -> Context:
        context = cls(snapshot, settings, previous, dict(known_members or {}), _worst_by_key(standing))
        for disk in snapshot.disks:
            context._index(Location(disk), disk.devnode, [link.path for link in disk.by_id], disk.by_path)
            for partition in disk.partitions:
                where = Location(disk, partition)
                context._index(
                    where,
                    partition.devnode,
                    [link.path for link in partition.by_id],
                    (partition.by_partuuid,) if partition.by_partuuid else (),
                )
                if partition.zfs and partition.zfs.vdev_guid is not None:
                    context.by_label_guid[partition.zfs.vdev_guid] = where
                if partition.partuuid:
                    context.by_partuuid[partition.partuuid.lower()] = where
        return context

    def _index(self, where: Location, devnode: str, by_id: list[str], others: tuple[str, ...]) -> None:
        for path in (_absolute(p) for p in (devnode, *by_id, *others) if p):
            earlier = self.by_path.get(path)
            if earlier is not None and earlier.disk.devnode != where.disk.devnode:
                self.claimed_by_several.setdefault(path, [earlier]).append(where)
            self.by_path[path] = where

    # ── questions rules ask ────────────────────────────────────────────────

    @property
    def platform(self) -> Platform:
        """The OS the pools were read on (a paste may be from FreeBSD or illumos)."""
        cached = self.memo.get("platform")
        if isinstance(cached, Platform):
            return cached
        found = platform_of(self.snapshot)
        self.memo["platform"] = found
        return found

    @property
    def has_inventory(self) -> bool:
        return self.snapshot.inventory is not None

    def locate(self, vdev: Vdev) -> Location | None:
        """Return where the device a vdev names is on this node now, if it exists."""
        for candidate in _candidate_paths(vdev):
            claimants = self.claimed_by_several.get(candidate)
            if claimants:
                # Which claimant the link leads to now is not known: the one carrying this
                # vdev's label is the member; without a label to tell, none is.
                labelled = [
                    where
                    for where in claimants
                    if where.partition and where.partition.zfs and where.partition.zfs.vdev_guid == vdev.guid
                ]
                if vdev.guid is not None and len(labelled) == 1:
                    return labelled[0]
                continue
            if candidate in self.by_path:
                return self.by_path[candidate]
        return None

    def is_gone(self, vdev: Vdev) -> bool:
        """The inventory was read and no device of it answers to this member: it was unplugged
        or fell off the bus, whatever ZFS's state column says yet."""
        return self.has_inventory and self.locate(vdev) is None

    def is_claimed_by_several(self, path: str) -> bool:
        """True when more than one device on the node claims this path (a shared by-id name)."""
        return _absolute(path) in self.claimed_by_several

    def zfs_version(self) -> tuple[int, int, int] | None:
        version = self.snapshot.zfs_version
        match = _VERSION.search(version) if version else None
        if not match:
            return None
        return (int(match[1]), int(match[2]), int(match[3] or 0))

    def has_vdev_properties(self) -> bool | None:
        """OpenZFS 2.2 brought vdev properties (`zpool set path=`); None when unknown."""
        version = self.zfs_version()
        if version is None:
            # Only OpenZFS >= 2.3 writes `zpool status -j`.
            pool_status = self.snapshot.pool_status
            return True if pool_status and pool_status.source is PoolSource.JSON else None
        return version >= (2, 2, 0)

    def mounted_datasets(self, pool: Pool) -> list[str]:
        """Return the mountpoints of the pool's mounted datasets."""
        return [
            mount.target
            for mount in self.snapshot.mounts
            if mount.fstype == "zfs"
            and (mount.source == pool.name or mount.source.startswith(pool.name + "/"))
        ]

    def is_root_pool(self, pool: Pool) -> bool:
        return any(
            mount.target == "/"
            and mount.fstype == "zfs"
            and (mount.source == pool.name or mount.source.startswith(pool.name + "/"))
            for mount in self.snapshot.mounts
        )

    def disks_in_pools(self) -> set[str]:
        """Return the devnodes of every disk that is a present member of some pool."""
        cached = self.memo.get("disks-in-pools")
        if isinstance(cached, set):
            return cached
        in_use = {where.disk.devnode for where in self.by_label_guid.values()}
        for pool in self.snapshot.pools:
            for leaf in pool.leaves():
                where = self.locate(leaf)
                if where:
                    in_use.add(where.disk.devnode)
        self.memo["disks-in-pools"] = in_use
        return in_use

    def disk_of_leaf(self, vdev: Vdev) -> Disk | None:
        location = self.locate(vdev)
        return location.disk if location else None


def _worst_by_key(findings: Iterable[Finding]) -> dict[FindingKey, Severity]:
    return {key: finding.severity for key, finding in by_key(findings).items()}


def _absolute(path: str) -> str:
    return path if path.startswith("/") else f"/dev/disk/by-path/{path}"


def _candidate_paths(vdev: Vdev) -> list[str]:
    """Paths a vdev may be known by: its path, then what its printed name suggests."""
    paths = [path for path in (vdev.path,) if path]
    if vdev.type is VdevType.DISK and not vdev.not_present and not vdev.name.isdigit():
        name = vdev.name
        if name.startswith("/"):
            paths.append(name)
        else:
            # `zpool status` without -P strips /dev/disk/by-id/ and a whole disk's -part1.
            paths += [f"/dev/disk/by-id/{name}-part1", f"/dev/disk/by-id/{name}", f"/dev/{name}"]
    return paths


def top_level_of(pool: Pool, leaf: Vdev) -> Vdev | None:
    """Return the top-level vdev (child of the root or of a class group) holding leaf."""
    if pool.root is None:
        return None
    for top in pool.root.children:
        groups = top.children if top.type in CLASS_GROUPS else (top,)
        for candidate in groups:
            if any(node is leaf for node in candidate.walk()):
                return candidate
    return None
