"""What each ZFS-8000 message id means to someone at a console.

From OpenZFS lib/libzfs/libzfs_status.c (zfs_msgid_table, check_status order)
and https://openzfs.github.io/openzfs-docs/msg/ (shared/research/ANCHORS.md §5.10).
Vdev-level rules refine these; this table speaks for the pool as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from nodewatch.model import Severity


@dataclass(frozen=True, slots=True)
class MessageId:
    severity: Severity
    meaning: str
    # True when other rules speak for it with their own findings and actions
    # (members: missing/faulted devices; pool_down: suspended; data_errors: 8A),
    # so no generic pool-level finding is made.
    spoken_for_by_rules: bool = False


MESSAGE_IDS: dict[str, MessageId] = {
    "ZFS-8000-14": MessageId(Severity.WARNING, "the pool cache file (zpool.cache) is corrupt"),
    "ZFS-8000-2Q": MessageId(
        Severity.WARNING, "a device could not be opened; the pool still has redundancy", True
    ),
    "ZFS-8000-3C": MessageId(
        Severity.CRITICAL, "a device could not be opened and the pool has no redundancy left", True
    ),
    "ZFS-8000-4J": MessageId(
        Severity.WARNING, "a device's ZFS label is missing or invalid; the pool still has redundancy", True
    ),
    "ZFS-8000-5E": MessageId(
        Severity.CRITICAL, "a device's ZFS label is missing or invalid and there is no redundancy", True
    ),
    "ZFS-8000-6X": MessageId(Severity.CRITICAL, "a whole top-level vdev is missing"),
    "ZFS-8000-72": MessageId(Severity.CRITICAL, "the pool metadata is corrupted"),
    "ZFS-8000-8A": MessageId(Severity.CRITICAL, "files have permanent data errors (data was lost)", True),
    "ZFS-8000-9P": MessageId(
        Severity.WARNING, "a device had read, write or checksum errors; ZFS repaired what it could", True
    ),
    "ZFS-8000-A5": MessageId(Severity.CRITICAL, "the pool was written by a newer ZFS than this node's"),
    "ZFS-8000-EY": MessageId(Severity.CRITICAL, "the pool was last used by another host (hostid)"),
    "ZFS-8000-HC": MessageId(
        Severity.CRITICAL, "the pool is suspended after I/O failures (failmode=wait)", True
    ),
    "ZFS-8000-JQ": MessageId(
        Severity.CRITICAL, "the pool is suspended after I/O failures (failmode=continue)", True
    ),
    "ZFS-8000-MM": MessageId(Severity.CRITICAL, "multihost (MMP) writes failed; the pool is suspended", True),
    "ZFS-8000-K4": MessageId(Severity.CRITICAL, "the separate intent log (SLOG) cannot be read"),
    "ZFS-8000-ER": MessageId(Severity.WARNING, "the pool is affected by an on-disk format erratum"),
}
