"""Which OpenZFS release first reads each pool feature: facts, not code.

A pool that "uses feature(s) not supported on this system" needs at least
the newest of these releases. Derived from OpenZFS's own compatibility files
(cmd/zpool/compatibility.d/ in openzfs/zfs: zol-0.6.1 … openzfs-2.4, each
listing the features that release supports on Linux): a feature's version is
the first file that lists it.
"""

from __future__ import annotations

FIRST_RELEASE: dict[str, str] = {
    **dict.fromkeys(("async_destroy", "empty_bpobj", "lz4_compress"), "0.6.1"),
    **dict.fromkeys(
        (
            "bookmarks",
            "embedded_data",
            "enabled_txg",
            "extensible_dataset",
            "hole_birth",
            "spacemap_histogram",
        ),
        "0.6.4",
    ),
    **dict.fromkeys(("filesystem_limits", "large_blocks"), "0.6.5"),
    **dict.fromkeys(
        ("edonr", "large_dnode", "multi_vdev_crash_dump", "sha512", "skein", "userobj_accounting"), "0.7"
    ),
    **dict.fromkeys(
        (
            "allocation_classes",
            "bookmark_v2",
            "device_removal",
            "encryption",
            "obsolete_counts",
            "project_quota",
            "resilver_defer",
            "spacemap_v2",
            "zpool_checkpoint",
        ),
        "0.8",
    ),
    **dict.fromkeys(
        (
            "bookmark_written",
            "device_rebuild",
            "livelist",
            "log_spacemap",
            "redacted_datasets",
            "redaction_bookmarks",
            "zstd_compress",
        ),
        "2.0",
    ),
    "draid": "2.1",
    **dict.fromkeys(("blake3", "block_cloning", "head_errlog", "vdev_zaps_v2", "zilsaxattr"), "2.2"),
    **dict.fromkeys(
        ("fast_dedup", "large_microzap", "longname", "raidz_expansion", "redaction_list_spill"), "2.3"
    ),
    **dict.fromkeys(("block_cloning_endian", "dynamic_gang_header", "physical_rewrite"), "2.4"),
}


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def release_needed(features: tuple[str, ...] | list[str]) -> str | None:
    """Given feature names as `zpool import` prints them (`com.delphix:spacemap_histogram`,
    with or without the guid prefix), return the oldest OpenZFS release that reads all
    of them, or None if any is unknown here (a vendor's own feature, or newer than this table)."""
    versions = []
    for feature in features:
        version = FIRST_RELEASE.get(feature.rpartition(":")[2].split()[0])
        if version is None:
            return None
        versions.append(version)
    return max(versions, key=_key) if versions else None
