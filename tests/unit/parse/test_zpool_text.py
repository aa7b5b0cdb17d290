# ruff: noqa: DTZ001 - zpool prints naive node-local times; the model keeps them naive
"""`zpool status` text parsing, on every recorded fixture in tests/fixtures/zpool-status-text/.

Each fixture's provenance is in its `#` header (tests/fixtures/README.md).
The table below gives, per fixture, the facts a person reading the output
would take from it; a parser change that loses any of them fails here.
"""

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nodewatch.model import ScanFunction, ScanState, VdevType
from nodewatch.parse.zpool_scan import parse_scan
from nodewatch.parse.zpool_status import parse_zpool_status, strip_preamble
from nodewatch.parse.zpool_text import parse_zpool_status_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "zpool-status-text"
ALL_TEXT = sorted(FIXTURES.glob("*.txt"))


def load(name: str) -> str:
    return strip_preamble((FIXTURES / name).read_text(encoding="utf-8"))


def parse(name: str):
    return parse_zpool_status_text(load(name))


def find(pool, name):
    matches = [vdev for vdev in pool.root.walk() if vdev.name == name]
    assert len(matches) == 1, f"{name}: {len(matches)} matches"
    return matches[0]


def shape(vdev, depth=0):
    """The tree as `depth name type state r/w/c` lines: what the table compares."""
    line = f"{'  ' * depth}{vdev.name} {vdev.type.value} {vdev.state} "
    line += f"{vdev.read_errors}/{vdev.write_errors}/{vdev.checksum_errors}"
    lines = [line.rstrip()]
    for child in vdev.children:
        lines.extend(shape(child, depth + 1))
    return lines


# fixture → [(pool name, state, msgid, number of leaves, scan function, scan state, error_count)]
POOLS = {
    "lab-2.3.2-raidz1-healthy.txt": [("bigdata", "ONLINE", None, 3, "none", "none", 0)],
    "lab-2.3.2-raidz1-healthy-PL.txt": [("bigdata", "ONLINE", None, 3, "none", "none", 0)],
    "lab-2.3.2-raidz1-member-missing-4J.txt": [("bigdata", "DEGRADED", "ZFS-8000-4J", 3, "none", "none", 0)],
    "lab-2.3.2-raidz1-member-missing-4J-PL.txt": [
        ("bigdata", "DEGRADED", "ZFS-8000-4J", 3, "none", "none", 0)
    ],
    "lab-2.3.2-raidz1-member-missing-4J-g.txt": [
        ("bigdata", "DEGRADED", "ZFS-8000-4J", 3, "none", "none", 0)
    ],
    "lab-2.3.2-replacing-after-labelclear.txt": [("bigdata", "DEGRADED", None, 4, "resilver", "finished", 0)],
    "lab-2.3.2-resilvered-after-set-path-P.txt": [("bigdata", "ONLINE", None, 3, "resilver", "finished", 0)],
    "lab-2.3.2-cksum-after-plain-import-P.txt": [
        ("bigdata", "ONLINE", "ZFS-8000-9P", 3, "resilver", "finished", 0)
    ],
    "lab-2.3.2-member-missing-P.txt": [("bigdata", "DEGRADED", "ZFS-8000-4J", 3, "none", "none", 0)],
    "openzfs-2.1.11-cache-device-unavail-4J-row-completed-SYNTHETIC.txt": [
        ("storage", "ONLINE", "ZFS-8000-4J", 6, "scrub", "finished", None)
    ],
    "zol-0.6.0-raidz2-sdX-renumbered-corrupted-data-5E.txt": [
        ("cloud", "UNAVAIL", "ZFS-8000-5E", 4, "none", "none", None)
    ],
    "zol-0.6.3-mirror-sdX-faulted-corrupted-data-5E-x.txt": [
        ("mypool", "UNAVAIL", "ZFS-8000-5E", 2, "none", "none", None)
    ],
    "zol-0.6.5-raidz2-replacing-missing-was-excerpt.txt": [
        ("ZFS01", "DEGRADED", None, 9, "resilver", "finished", None)
    ],
    "zol-0.7-resilver-old-progress-replacing-excerpt.txt": [
        ("storage", "DEGRADED", None, 13, "resilver", "in_progress", None)
    ],
    "zol-0.6.3-resilver-scan-is-slow-excerpt.txt": [
        ("tank", "DEGRADED", None, 8, "resilver", "in_progress", None)
    ],
    "zol-0.7-resilver-issued-format-offline-too-many-errors-excerpt.txt": [
        ("vz", "DEGRADED", None, 6, "resilver", "in_progress", None)
    ],
    "openzfs-2.x-special-mirror-write-errors-9P-excerpt.txt": [
        ("storage", "ONLINE", "ZFS-8000-9P", 4, "scrub", "finished", None)
    ],
    "openzfs-2.3-resilver-expand-paths-was-old-elided.txt": [
        ("storage", "DEGRADED", None, 4, "resilver", "in_progress", 1)
    ],
    "zol-0.6.5-permanent-errors-2.04K-counters.txt": [
        ("volumes", "ONLINE", "ZFS-8000-8A", 4, "scrub", "finished", 2)
    ],
    "zol-0.7.6-decimal-comma-faulted-too-many-errors-excerpt.txt": [
        ("timemachinepool", "DEGRADED", "ZFS-8000-8A", 3, "resilver", "finished", None)
    ],
    "truenas-config-only-special-logs-cache-spares-inuse.txt": [
        ("testspare", "ONLINE", None, 13, "none", "none", None)
    ],
    "zol-0.6.5-logs-cache-spares-excerpt.txt": [("zones", "ONLINE", None, 7, "resilver", "finished", None)],
    "zol-0.7-file-vdevs-spare-avail.txt": [("test-123", "ONLINE", None, 2, "none", "none", 0)],
    "openzfs-2.1-draid3-two-scan-lines-excerpt.txt": [
        ("aggr0", "DEGRADED", None, 4, "rebuild", "in_progress", None)
    ],
    "openzfs-2.0-draid2-trailing-spaces-excerpt.txt": [
        ("data", "ONLINE", None, 4, "scrub", "finished", None)
    ],
    "illumos-omnios-raidz2-logs-cache-cXtYdZ-excerpt.txt": [
        ("pool0", "ONLINE", None, 14, "scrub", "finished", None)
    ],
    "solaris-old-scrub-header-no-blank-lines.txt": [("pool01", "ONLINE", None, 1, "scrub", "finished", 0)],
    "zol-0.6.0-scan-one-space-raidz2.txt": [("tank", "ONLINE", None, 4, "scrub", "finished", 0)],
    "freebsd-two-pools-mfid-9P.txt": [
        ("zdisk2", "ONLINE", None, 1, "scrub", "finished", 0),
        ("zroot", "ONLINE", "ZFS-8000-9P", 1, "scrub", "finished", 0),
    ],
    "freebsd-file-vdevs-jq-metadata-errors-excerpt.txt": [
        ("big", "ONLINE", "ZFS-8000-JQ", 10, "none", "none", 8)
    ],
    "zol-0.7-scrub-canceled-then-in-progress-with-date-lines.txt": [
        ("tank", "ONLINE", None, 1, "scrub", "canceled", 0),
        ("tank", "ONLINE", None, 1, "scrub", "in_progress", 0),
    ],
    "openzfs-2.3.4-scrub-in-progress-no-eta-excerpt.txt": [
        ("backup1", "ONLINE", None, 2, "scrub", "in_progress", None)
    ],
    "openzfs-2.x-scrub-canceled-logs-tab-excerpt.txt": [
        ("rpool", "ONLINE", None, 9, "scrub", "canceled", None)
    ],
    "openzfs-2.1.4-two-pools-8A-partuuid-excerpt.txt": [
        ("bpool", "ONLINE", None, 1, "scrub", "finished", 0),
        ("rpool", "ONLINE", "ZFS-8000-8A", 1, "scrub", "finished", None),
    ],
    "openzfs-2.x-remove-line-scrub-in-progress-excerpt.txt": [
        ("z", "ONLINE", None, 0, "scrub", "in_progress", None)
    ],
    "zol-0.6-four-space-indent-scan-none.txt": [("test", "ONLINE", None, 4, "none", "none", 0)],
    "openzfs-2.3.1-scrub-paused-SYNTHETIC-unprefixed.txt": [
        ("tank1", "ONLINE", None, 0, "scrub", "paused", None)
    ],
    "freebsd-gpt-labels-table-only.txt": [("zvm0", "ONLINE", None, 3, "none", "none", None)],
    "openzfs-2.x-single-disk-write-errors-8A-file-pastebin.txt": [
        ("bpool", "ONLINE", None, 1, "scrub", "finished", 0),
        ("rpool", "ONLINE", "ZFS-8000-8A", 1, "scrub", "finished", 1),
    ],
    "zol-0.8-raidz1-dedup-class-single-file-vdevs-excerpt.txt": [
        ("dozer", "ONLINE", None, 5, "resilver", "finished", None)
    ],
    "freebsd-hast-single-vdev-unavail-removed-HC-346-data-errors.txt": [
        ("zhast01", "UNAVAIL", "ZFS-8000-HC", 1, "none", "none", 346)
    ],
    "freebsd-geli-diskid-mirror-both-unavail-3C-redacted-excerpt.txt": [
        ("tank0", "UNAVAIL", "ZFS-8000-3C", 2, "none", "none", None)
    ],
    "solaris-illumos-msg-3C-stripe-cannot-open-faulted.txt": [
        ("test", "FAULTED", "ZFS-8000-3C", 2, "none", "none", 0)
    ],
    "zol-0.7-unavail-suspended-insufficient-replicas-list-unavailable.txt": [
        ("dozer", "UNAVAIL", "ZFS-8000-HC", 2, "scrub", "in_progress", None)
    ],
    "zol-0.8.1-single-disk-unavail-two-errors-lines.txt": [
        ("pool1", "UNAVAIL", "ZFS-8000-JQ", 1, "none", "none", 5)
    ],
    "openzfs-2.x-suspended-raidz3-faulted-was-excerpt.txt": [
        ("datapool", "SUSPENDED", "ZFS-8000-HC", 15, "none", "none", None)
    ],
    "smartos-illumos-slices-offline-log.txt": [("zones", "DEGRADED", None, 4, "scrub", "finished", 0)],
    "openzfs-2.3.1-removed-members-unavail-L-excerpt.txt": [
        ("Regression-Pool", "UNAVAIL", None, 5, "resilver", "finished", None)
    ],
    "openzfs-2.2.4-draid-nested-spares-table-only.txt": [
        ("tank20", "DEGRADED", None, 11, "none", "none", None)
    ],
    "zol-0.6-raidz1-online-member-unavail-was-4J-partitions.txt": [
        ("rpool", "ONLINE", "ZFS-8000-4J", 3, "resilver", "finished", None)
    ],
    "openzfs-2.1.5-three-way-mirror-offline-resilvering-excerpt.txt": [
        ("corona", "DEGRADED", None, 3, "resilver", "in_progress", None)
    ],
    "zol-0.6.5.9-raidz2-spare-inuse-not-attached.txt": [
        ("array", "ONLINE", None, 7, "resilver", "finished", 0)
    ],
    "zol-0.8-dev-status-t-trimming-and-trim-unsupported.txt": [
        ("rpool73ac2ec5b7134ca192b020681ab913d8", "ONLINE", None, 1, "none", "none", 0),
        ("vpool2", "ONLINE", None, 1, "none", "none", 0),
    ],
    "zol-0.6.5-multipath-unavail-suspended-HC-scrub-errors-excerpt.txt": [
        ("pool2", "UNAVAIL", "ZFS-8000-HC", 11, "scrub", "finished", None)
    ],
    "zol-0.7-mmp-suspended-HC-degraded-mirror-cut-excerpt.txt": [
        ("Pool-0", "DEGRADED", "ZFS-8000-HC", 6, "none", "none", None)
    ],
    "zol-0.6-two-raidz1-members-offline-vdev-aliases-excerpt.txt": [
        ("data", "DEGRADED", None, 16, "resilver", "finished", None)
    ],
    "openzfs-2.x-alpine-mirror-member-removed-partuuid-names.txt": [
        ("gallium-data", "DEGRADED", None, 2, "none", "none", 0)
    ],
    "openzfs-2.2.7-mirror-faulted-pool-online-serials-redacted.txt": [
        ("tank", "ONLINE", None, 2, "resilver", "finished", 0)
    ],
    # two lines of a table, no `pool:` line: read as a bare root; diagnose refuses it (exit 3)
    "openzfs-2.4-status-s-slow-column-fragment.txt": [
        ("7319fb47-d7d0-5642-b575-e9e8e5351adb", "OFFLINE", None, 0, "none", "none", None)
    ],
}

# fixture → [(vdev name, field, expected)] for the facts that matter in that output
VDEVS = {
    "lab-2.3.2-raidz1-member-missing-4J.txt": [
        ("raidz1-0", "type", VdevType.RAIDZ1),
        ("4296869500517908464", "state", "UNAVAIL"),
        ("4296869500517908464", "guid", 4296869500517908464),
        ("4296869500517908464", "not_present", True),
        ("4296869500517908464", "was_path", "/dev/disk/by-id/wwn-0x50014ee21522fca7-part1"),
        ("4296869500517908464", "path", "/dev/disk/by-id/wwn-0x50014ee21522fca7-part1"),
        ("wwn-0x50014ee21522fe55", "path", None),
    ],
    "lab-2.3.2-raidz1-member-missing-4J-g.txt": [
        ("5076766168916336601", "type", VdevType.UNKNOWN),
        ("11876267131358752005", "guid", 11876267131358752005),
    ],
    "lab-2.3.2-raidz1-healthy-PL.txt": [("sdb", "path", "/dev/sdb1"), ("sdb", "type", VdevType.DISK)],
    "lab-2.3.2-replacing-after-labelclear.txt": [
        ("replacing-2", "type", VdevType.REPLACING),
        ("replacing-2", "state", "DEGRADED"),
        ("usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0", "state", "ONLINE"),
    ],
    "lab-2.3.2-cksum-after-plain-import-P.txt": [("sdc", "checksum_errors", 1), ("sdc", "path", "/dev/sdc1")],
    "lab-2.3.2-resilvered-after-set-path-P.txt": [
        (
            "usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0",
            "path",
            "/dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0-part1",
        ),
    ],
    "zol-0.6.5-raidz2-replacing-missing-was-excerpt.txt": [
        ("127286639182292558", "was_path", "/dev/disk/by-id/ata-WDC_WD30EZRX-00DC0B0_WD-WMC1T0419233-part1"),
        ("replacing-6", "type", VdevType.REPLACING),
    ],
    "zol-0.7-resilver-old-progress-replacing-excerpt.txt": [
        ("sde", "state", "UNAVAIL"),
        ("sde1", "note", "(resilvering)"),
    ],
    "zol-0.7-resilver-issued-format-offline-too-many-errors-excerpt.txt": [
        ("ata-WDC_WD3001FFSX-68JNUN0_WD-WCC13RYDLSH9", "state", "OFFLINE"),
        ("ata-WDC_WD3001FFSX-68JNUN0_WD-WCC13HETXXKA", "note", "too many errors"),
        ("sdh", "note", "(resilvering)"),
    ],
    "openzfs-2.3-resilver-expand-paths-was-old-elided.txt": [
        ("sdt", "path", "/dev/sdt1"),
        ("sdt", "checksum_errors", 9),
        ("replacing-2", "checksum_errors", 26),
        ("11687508470009778260", "was_path", "/dev/sdv1/old"),
        ("sdv", "note", "(resilvering)"),
    ],
    "zol-0.6.5-permanent-errors-2.04K-counters.txt": [
        ("volumes", "checksum_errors", 2089),
        ("vdd", "checksum_errors", 4188),
    ],
    "zol-0.7.6-decimal-comma-faulted-too-many-errors-excerpt.txt": [
        ("ata-WDC_WD2003FYYS-02W0B0_WD-WMAUR0553783", "state", "FAULTED"),
        ("ata-WDC_WD2003FYYS-02W0B0_WD-WMAUR0553783", "read_errors", 8),
        ("ata-WDC_WD2003FYYS-02W0B0_WD-WMAUR0553783", "note", "too many errors"),
    ],
    "truenas-config-only-special-logs-cache-spares-inuse.txt": [
        ("spare-0", "type", VdevType.SPARE),
        ("special", "type", VdevType.SPECIAL),
        ("logs", "type", VdevType.LOGS),
        ("cache", "type", VdevType.CACHE),
        ("spares", "type", VdevType.SPARES),
        ("4d982589-03a3-4ae3-934a-8386a49a891c", "state", "AVAIL"),
    ],
    "zol-0.7-file-vdevs-spare-avail.txt": [
        ("/vdevs/vdev0", "type", VdevType.FILE),
        ("/vdevs/vdev1", "state", "AVAIL"),
    ],
    "openzfs-2.1-draid3-two-scan-lines-excerpt.txt": [
        ("draid3:19d:24c:2s-0", "type", VdevType.DRAID),
        ("0a-0", "note", "(resilvering)"),
    ],
    "illumos-omnios-raidz2-logs-cache-cXtYdZ-excerpt.txt": [
        ("raidz2-2", "type", VdevType.RAIDZ2),
        ("c0t55CD2E414EC0FF43d0", "type", VdevType.DISK),
        ("logs", "type", VdevType.LOGS),
    ],
    "solaris-old-scrub-header-no-blank-lines.txt": [("/home/user/d1", "type", VdevType.FILE)],
    "openzfs-2.x-single-disk-write-errors-8A-file-pastebin.txt": [
        ("nvme-eui.0000000624102621caf25b0333000059-part4", "write_errors", 7),
    ],
    "zol-0.8-raidz1-dedup-class-single-file-vdevs-excerpt.txt": [
        ("dedup", "type", VdevType.DEDUP),
        ("/var/tmp/vdev4", "type", VdevType.FILE),
    ],
    "freebsd-hast-single-vdev-unavail-removed-HC-346-data-errors.txt": [
        ("1647624338504393426", "state", "REMOVED"),
        ("1647624338504393426", "was_path", "/dev/hast/mirror1"),
    ],
    "solaris-illumos-msg-3C-stripe-cannot-open-faulted.txt": [
        ("test", "note", "insufficient replicas"),
        ("c0t0d1", "note", "cannot open"),
    ],
    "freebsd-gpt-labels-table-only.txt": [
        ("gpt/pool0", "checksum_errors", 20),
        ("gpt/pool0", "type", VdevType.DISK),
    ],
    "zol-0.7-unavail-suspended-insufficient-replicas-list-unavailable.txt": [
        ("dozer", "note", "insufficient replicas"),
        ("sdd", "state", "FAULTED"),
        ("sdd", "read_errors", 6),
        ("sdd", "note", "too many errors"),
    ],
    "openzfs-2.x-suspended-raidz3-faulted-was-excerpt.txt": [
        ("7766977507585751734", "state", "FAULTED"),
        ("7766977507585751734", "was_path", "/dev/sdc1"),
        ("sdl", "write_errors", 178),
        ("raidz3-0", "write_errors", 94),
    ],
    "smartos-illumos-slices-offline-log.txt": [
        ("c1t2d0s4", "state", "OFFLINE"),
        ("c1t4d0s1", "type", VdevType.DISK),
    ],
    "openzfs-2.3.1-removed-members-unavail-L-excerpt.txt": [
        ("wwn-0x50000394f803873c", "state", "REMOVED"),
        ("raidz1-1", "note", "insufficient replicas"),
    ],
    "openzfs-2.2.4-draid-nested-spares-table-only.txt": [
        ("spare-6", "type", VdevType.SPARE),
        ("spare-6", "checksum_errors", 13517),
        ("L6/old", "note", "external device fault"),
        ("draid2-0-1", "type", VdevType.DISK),
        ("replacing-0", "type", VdevType.REPLACING),
    ],
    "freebsd-file-vdevs-jq-metadata-errors-excerpt.txt": [("big", "write_errors", 169)],
    "openzfs-2.1.4-two-pools-8A-partuuid-excerpt.txt": [
        ("aa49dafd-309c-0646-92e3-53310824e522", "checksum_errors", 24)
    ],
    "zol-0.8-dev-status-t-trimming-and-trim-unsupported.txt": [
        ("sdd", "note", "(0% trimmed, started at Thu 21 Feb 2019 07:32:44 PM UTC)"),
        ("scsi-36000c290f7e3d3e0c3644005631d8107", "note", "(trim unsupported)"),
    ],
    "openzfs-2.1.5-three-way-mirror-offline-resilvering-excerpt.txt": [
        ("ata-ST4000DM004-2CV104_ZTT1R5GF", "state", "OFFLINE"),
        ("ata-ST4000DM004-2CV104_ZTT1R5GF", "note", "(resilvering)"),
    ],
    "zol-0.6-raidz1-online-member-unavail-was-4J-partitions.txt": [
        ("17682433485448789979", "was_path", "/dev/disk/by-id/ata-TOSHIBA_DT01ACA200_74FWMHDKS"),
    ],
}

# fixture → (pool index, expected Scan fields)
SCANS = {
    "lab-2.3.2-resilvered-after-set-path-P.txt": (
        0,
        {
            "repaired_bytes": 224 * 1024,
            "errors": 0,
            "duration_seconds": 0,
            "end_time": datetime(2026, 11, 22, 10, 44, 27),
        },
    ),
    "zol-0.7-resilver-old-progress-replacing-excerpt.txt": (
        0,
        {
            "percent_done": 0.09,
            "eta_seconds": 547 * 3600 + 25 * 60,
            "start_time": datetime(2019, 5, 6, 18, 6, 10),
        },
    ),
    "zol-0.6.3-resilver-scan-is-slow-excerpt.txt": (0, {"percent_done": 0.57, "eta_seconds": None}),
    "zol-0.7-resilver-issued-format-offline-too-many-errors-excerpt.txt": (
        0,
        {"percent_done": 66.46, "eta_seconds": 5078, "rate_bytes_per_second": 444 * 1024**2},
    ),
    "openzfs-2.3-resilver-expand-paths-was-old-elided.txt": (
        0,
        {
            "percent_done": 46.64,
            "eta_seconds": 7 * 3600 + 58 * 60 + 49,
            "repaired_bytes": round(2.80 * 1024**4),
        },
    ),
    "zol-0.6.5-permanent-errors-2.04K-counters.txt": (
        0,
        {"errors": 1937, "duration_seconds": 3 * 3600 + 49 * 60},
    ),
    "zol-0.7.6-decimal-comma-faulted-too-many-errors-excerpt.txt": (
        0,
        {"repaired_bytes": round(1.73 * 1024**4), "duration_seconds": 18 * 3600 + 26 * 60, "errors": 1},
    ),
    "openzfs-2.1-draid3-two-scan-lines-excerpt.txt": (
        0,
        {"percent_done": 92.97, "eta_seconds": 3 * 3600 + 22 * 60 + 35},
    ),
    "solaris-old-scrub-header-no-blank-lines.txt": (
        0,
        {"errors": 0, "end_time": datetime(2010, 12, 3, 11, 44, 6)},
    ),
    "zol-0.7-scrub-canceled-then-in-progress-with-date-lines.txt": (1, {"percent_done": 100.33}),
    "openzfs-2.3.4-scrub-in-progress-no-eta-excerpt.txt": (
        0,
        {"percent_done": 0.0, "eta_seconds": None, "total_bytes": round(1.43 * 1024**5)},
    ),
    "openzfs-2.3.1-scrub-paused-SYNTHETIC-unprefixed.txt": (
        0,
        {"start_time": datetime(2025, 6, 8, 12, 43, 45), "percent_done": 0.0, "eta_seconds": None},
    ),
}

# fixture → lines that must be kept as not understood (in a pool, or outside any)
UNPARSED = {
    "openzfs-2.3-resilver-expand-paths-was-old-elided.txt": [
        "expand: expanded raidz2-0 copied 103T in 4 days 00:32:32, on Sat Feb 14 20:04:35 2026",
        ".",
    ],
    "zol-0.6.5-permanent-errors-2.04K-counters.txt": ["....."],
    "zol-0.7-scrub-canceled-then-in-progress-with-date-lines.txt": ["Mon Jul 16 16:30:38 PDT 2018"],
    "openzfs-2.3.4-scrub-in-progress-no-eta-excerpt.txt": ["Thu Jan 22 12:15:32 PM PST 2026"],
    "openzfs-2.x-remove-line-scrub-in-progress-excerpt.txt": [
        "remove: Removal of vdev 7 copied 38.6G in 0h7m, completed on Fri Jul 29 11:01:51 2022"
    ],
    # the poster's own command line, kept in the paste
    "openzfs-2.1.5-three-way-mirror-offline-resilvering-excerpt.txt": ["zpool status corona"],
    "zol-0.6-two-raidz1-members-offline-vdev-aliases-excerpt.txt": ["root@nas2:~# zpool status"],
    "zol-0.7-mmp-suspended-HC-degraded-mirror-cut-excerpt.txt": ["zpool status"],  # kept stripped
    "zol-0.8-dev-status-t-trimming-and-trim-unsupported.txt": ["[root@bl-vsnap-100 vsnap]# zpool status -t"],
    "openzfs-2.x-alpine-mirror-member-removed-partuuid-names.txt": [
        "gallium-dev-r720:~# zpool status",
        "gallium-dev-r720:~#",
    ],
}


def all_unparsed(status):
    return [line.strip() for line in status.unparsed_lines] + [
        line.strip() for pool in status.pools for line in pool.unparsed_lines
    ]


def test_every_text_fixture_has_a_table_entry():
    assert {path.name for path in ALL_TEXT} == set(POOLS)


@pytest.mark.parametrize("fixture", sorted(POOLS))
def test_parse_zpool_status_text_reads_pools(fixture):
    status = parse(fixture)
    got = [
        (
            pool.name,
            pool.state,
            pool.msgid,
            len(pool.leaves()),
            pool.scan.function.value,
            pool.scan.state.value,
            pool.error_count,
        )
        for pool in status.pools
    ]
    assert got == POOLS[fixture]


@pytest.mark.parametrize(
    ("fixture", "name", "field", "expected"), [(f, *c) for f, cs in VDEVS.items() for c in cs]
)
def test_parse_zpool_status_text_reads_vdev_facts(fixture, name, field, expected):
    pools = [pool for pool in parse(fixture).pools if any(v.name == name for v in pool.root.walk())]
    assert pools, f"{name} not in {fixture}"
    assert getattr(find(pools[0], name), field) == expected


@pytest.mark.parametrize("fixture", sorted(SCANS))
def test_parse_zpool_status_text_reads_scan(fixture):
    index, expected = SCANS[fixture]
    scan = parse(fixture).pools[index].scan
    assert {key: getattr(scan, key) for key in expected} == expected


@pytest.mark.parametrize("fixture", sorted(UNPARSED))
def test_parse_zpool_status_text_keeps_unknown_lines(fixture):
    unparsed = all_unparsed(parse(fixture))
    for line in UNPARSED[fixture]:
        assert line in unparsed


@pytest.mark.parametrize(
    "fixture", sorted(set(POOLS) - set(UNPARSED) - {"zol-0.6.5-logs-cache-spares-excerpt.txt"})
)
def test_parse_zpool_status_text_understands_every_line_of_clean_outputs(fixture):
    assert all_unparsed(parse(fixture)) == []


def test_parse_zpool_status_text_builds_the_seed_story_tree():
    pool = parse("lab-2.3.2-raidz1-member-missing-4J.txt").pools[0]
    assert shape(pool.root) == [
        "bigdata root DEGRADED 0/0/0",
        "  raidz1-0 raidz1 DEGRADED 0/0/0",
        "    wwn-0x50014ee21522fe55 disk ONLINE 0/0/0",
        "    wwn-0x50014ee26a782728 disk ONLINE 0/0/0",
        "    4296869500517908464 disk UNAVAIL 0/0/0",
    ]
    assert pool.status.startswith(
        "One or more devices could not be used because the label is missing or invalid."
    )
    assert pool.action == "Replace the device using 'zpool replace'."
    assert pool.see_url == "https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-4J"
    assert pool.errors_text == "No known data errors"


def test_parse_zpool_status_text_puts_class_groups_under_the_root():
    pool = parse("truenas-config-only-special-logs-cache-spares-inuse.txt").pools[0]
    assert [(child.name, child.type) for child in pool.root.children] == [
        ("mirror-0", VdevType.MIRROR),
        ("mirror-1", VdevType.MIRROR),
        ("special", VdevType.SPECIAL),
        ("logs", VdevType.LOGS),
        ("cache", VdevType.CACHE),
        ("spares", VdevType.SPARES),
    ]
    spares = find(pool, "spares")
    assert [(v.state, v.note) for v in spares.children][:2] == [("INUSE", "currently in use"), ("AVAIL", "")]


def test_parse_zpool_status_text_reads_permanent_error_files():
    pool = parse("zol-0.6.5-permanent-errors-2.04K-counters.txt").pools[0]
    assert pool.error_files == (
        "volumes/free/1/be9509b4-cca7-45bc-6b36-46e01a2c755b:<0x1659>",
        "/volumes1/data/free/1/5f9cf209-69d8-4289-56a6-ebc96231bc50/avatar/avatar_20160919042303.jpg",
    )
    metadata = parse("freebsd-file-vdevs-jq-metadata-errors-excerpt.txt").pools[0]
    assert metadata.error_files[0] == "<metadata>:<0x0>"


def test_parse_zpool_status_text_reads_a_second_scan_line_as_the_running_one():
    scan = parse("openzfs-2.1-draid3-two-scan-lines-excerpt.txt").pools[0].scan
    assert (scan.function, scan.state) == (ScanFunction.REBUILD, ScanState.IN_PROGRESS)
    assert "scrub repaired 0B in 2 days 10:05:20" in scan.text


def test_parse_zpool_status_text_keeps_a_second_state_line_instead_of_overwriting():
    text = load("lab-2.3.2-raidz1-healthy.txt").replace(
        " state: ONLINE\n", " state: ONLINE\n state: FAULTED\n"
    )
    pool = parse_zpool_status_text(text).pools[0]
    assert pool.state == "ONLINE"
    assert " state: FAULTED" in pool.unparsed_lines


@pytest.mark.parametrize(
    ("lines", "function", "state"),
    [
        (["scrub in progress for 0h1m, 12.34% done, 0h5m to go"], ScanFunction.SCRUB, ScanState.IN_PROGRESS),
        (
            ["resilver completed after 0h0m with 0 errors on Fri Dec  3 11:44:06 2010"],
            ScanFunction.RESILVER,
            ScanState.FINISHED,
        ),
        (
            ["scrub stopped after 0h3m with 0 errors on Fri Dec  3 11:44:06 2010"],
            ScanFunction.SCRUB,
            ScanState.CANCELED,
        ),
        (
            ["resilver (draid2:3d:6c:1s-0) canceled on Fri Dec  3 11:44:06 2021"],
            ScanFunction.REBUILD,
            ScanState.CANCELED,
        ),
    ],
)
def test_parse_scan_reads_old_and_rare_forms(lines, function, state):
    # SYNTHETIC lines in the forms printed by Solaris-era zpool and by OpenZFS print_rebuild_status_impl.
    scan = parse_scan(lines)
    assert (scan.function, scan.state) == (function, state)


def test_parse_scan_returns_none_for_an_unknown_form():
    assert parse_scan(["defragmenting since yesterday"]) is None


def test_parse_zpool_status_text_reports_an_unknown_scan_form_as_unparsed():
    text = load("lab-2.3.2-raidz1-healthy.txt").replace(
        "config:", "  scan: defragmenting since yesterday\nconfig:"
    )
    status = parse_zpool_status_text(text)
    assert status.pools[0].scan.function is ScanFunction.NONE
    assert "scan: defragmenting since yesterday" in status.pools[0].unparsed_lines


def test_parse_zpool_status_detects_text_and_skips_the_provenance_header():
    status = parse_zpool_status((FIXTURES / "lab-2.3.2-raidz1-healthy.txt").read_text())
    assert [pool.name for pool in status.pools] == ["bigdata"]
    assert status.unparsed_lines == ()


@given(st.text())
@settings(max_examples=300)
def test_parse_zpool_status_text_never_raises(text):
    status = parse_zpool_status_text(text)
    assert isinstance(status.pools, tuple)


_LINE = st.text(
    st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    ),
    min_size=1,
)


@given(
    fixture=st.sampled_from([path.name for path in ALL_TEXT]),
    line=_LINE.filter(lambda s: s.strip()),
    position=st.integers(min_value=0, max_value=60),
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.filter_too_much])
def test_parse_zpool_status_text_never_drops_an_inserted_line_silently(fixture, line, position):
    lines = load(fixture).splitlines()
    position = min(position, len(lines))
    before = parse_zpool_status_text("\n".join(lines))
    after = parse_zpool_status_text("\n".join([*lines[:position], line, *lines[position:]]))
    understood = after != before
    kept = line.rstrip() in [kept.rstrip() for kept in after.unparsed_lines] + [
        kept.rstrip() for pool in after.pools for kept in pool.unparsed_lines
    ]
    assert understood or kept, f"{line!r} at {position} vanished"


def test_parse_zpool_status_text_reads_decimal_comma_counters_and_a_slow_column():
    # SYNTHETIC: a lab line reprinted as a de_DE locale and `zpool status -s` would print it.
    text = load("lab-2.3.2-raidz1-healthy.txt")
    text = text.replace("READ WRITE CKSUM", "READ WRITE CKSUM  SLOW")
    text = text.replace(
        "wwn-0x50014ee26a782728  ONLINE       0     0     0",
        "wwn-0x50014ee26a782728  ONLINE    12,8K     0     0     3",
    )
    pool = parse_zpool_status_text(text).pools[0]
    member = find(pool, "wwn-0x50014ee26a782728")
    assert (member.read_errors, member.note) == (13107, "")
    assert pool.unparsed_lines == ()


def test_parse_zpool_status_text_reads_both_errors_lines_of_a_suspended_pool():
    pool = parse("zol-0.8.1-single-disk-unavail-two-errors-lines.txt").pools[0]
    assert pool.errors_text == (
        "List of errors unavailable: pool I/O is currently suspended; 5 data errors, use '-v' for a list"
    )
    assert pool.unparsed_lines == ()


def test_parse_zpool_status_text_builds_deeply_nested_spares():
    pool = parse("openzfs-2.2.4-draid-nested-spares-table-only.txt").pools[0]
    assert shape(find(pool, "spare-6")) == [
        "spare-6 spare DEGRADED 0/0/13517",
        "  replacing-0 replacing DEGRADED 0/0/0",
        "    spare-0 spare DEGRADED 0/0/0",
        "      L6/old disk FAULTED 0/0/0",
        "      draid2-0-1 disk ONLINE 0/0/0",
        "    L6 disk ONLINE 0/0/0",
        "  draid2-0-0 disk ONLINE 0/0/0",
    ]
