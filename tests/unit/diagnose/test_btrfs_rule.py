"""The btrfs rule on public `btrfs` outputs (tests/fixtures/btrfs/, sources in the headers),
put together into filesystems, and on the lab's recordings (tests/fixtures/lab/btrfs/)."""

from __future__ import annotations

import shlex
from dataclasses import replace
from datetime import UTC, datetime

from nodewatch.config import DiagnoseSettings
from nodewatch.diagnose import diagnose
from nodewatch.model import (
    BtrfsAllocation,
    BtrfsDevice,
    BtrfsFilesystem,
    BtrfsUsage,
    Finding,
    Severity,
    Snapshot,
)
from nodewatch.parse.btrfs import parse_device_stats, parse_filesystem_show, parse_scrub_status, parse_usage
from tests.unit.parse.test_btrfs import _text

NOW = datetime(2025, 1, 20, 12, 0, tzinfo=UTC)
GIB = 1 << 30


def _fs(show: str, mountpoint: str = "/srv/btrfs-data", **fields: object) -> BtrfsFilesystem:
    [shown] = parse_filesystem_show(_text(show))
    return BtrfsFilesystem(
        uuid=shown.uuid,
        mountpoint=mountpoint,
        label=shown.label,
        total_devices=shown.total_devices,
        devices=shown.devices,
        some_missing=shown.some_missing,
        **fields,  # type: ignore[arg-type]
    )


def _findings(*filesystems: BtrfsFilesystem) -> list[Finding]:
    snapshot = Snapshot(
        hostname="pi", collected_at=NOW, local_time=NOW.replace(tzinfo=None), btrfs=filesystems
    )
    return [f for f in diagnose(snapshot, DiagnoseSettings()).findings if f.code.startswith("btrfs-")]


def test_device_errors_name_the_device_and_the_fix_is_scrub_then_reset():
    stats = parse_device_stats(_text("device-stats.progs-6.1.3-sdb1-errors.txt"))
    fs = _fs("filesystem-show.progs-286-three-devices.txt")
    devices = (
        BtrfsDevice(1, "/dev/sdc1", errors=stats["/dev/sdc1"]),
        BtrfsDevice(2, "/dev/sdb1", errors=stats["/dev/sdb1"]),
    )
    [finding] = _findings(replace(fs, devices=devices, total_devices=2))
    assert finding.code == "btrfs-device-errors" and finding.severity is Severity.WARNING
    assert finding.summary == (
        "btrfs at /srv/btrfs-data: /dev/sdb1 has error counts: write 7489899, read 3751023, "
        "flush 117, corruption 68, generation 25"
    )
    assert "cable" in finding.detail and finding.filesystem == "/srv/btrfs-data"
    assert finding.disk is not None and finding.disk.devnode == "/dev/sdb1"
    assert [a.command for a in finding.actions] == [
        "btrfs scrub start /srv/btrfs-data",
        "btrfs device stats -z /dev/sdb1",
    ]
    assert finding.actions[1].check_first and "Uncorrectable: 0" in finding.actions[1].check_first


def test_a_missing_device_is_critical_and_says_how_to_bring_it_back():
    fs = _fs("filesystem-show.rockstor-1416-devid3-missing.txt", "/mnt2/storage")
    [finding] = _findings(fs)
    assert finding.code == "btrfs-device-missing" and finding.severity is Severity.CRITICAL
    assert finding.summary == 'btrfs "storage" at /mnt2/storage: 1 of its 4 devices missing'
    assert "btrfs replace start" in finding.detail
    assert finding.actions[0].command == "btrfs filesystem show /mnt2/storage"


def test_uncorrectable_scrub_errors_are_critical():
    scrub = parse_scrub_status(_text("scrub-status.progs-uncorrectable-11.txt"))
    fs = _fs("filesystem-show.progs-286-three-devices.txt", "/", scrub=scrub)
    [finding] = _findings(fs)
    assert finding.code == "btrfs-scrub-uncorrectable" and finding.severity is Severity.CRITICAL
    assert "11 uncorrectable" in finding.summary and "2024-08-09 16:58" in finding.summary
    assert shlex.split(finding.actions[0].command)[:3] == ["journalctl", "-k", "-g"]


def test_a_scrub_that_repaired_everything_with_clean_counters_is_info():
    scrub = parse_scrub_status(_text("scrub-status.progs-6.10.1-raid10-corrected.txt"))
    fs = _fs("filesystem-show.progs-286-three-devices.txt", "/mnt/nas_hdd", scrub=scrub)
    [finding] = _findings(fs)
    assert finding.code == "btrfs-scrub-repaired" and finding.severity is Severity.INFO


def test_an_old_scrub_is_overdue_and_a_missing_one_is_info():
    scrub = parse_scrub_status(_text("scrub-status.progs-uncorrectable-11.txt"))
    assert scrub is not None
    clean = replace(scrub, errors={}, uncorrectable=0)
    [finding] = _findings(_fs("filesystem-show.progs-286-three-devices.txt", "/", scrub=clean))
    assert finding.code == "btrfs-scrub-overdue" and "163 days ago" in finding.summary
    never = parse_scrub_status("UUID: x\n\tno stats available\n")
    [finding] = _findings(_fs("filesystem-show.progs-286-three-devices.txt", "/", scrub=never))
    assert finding.code == "btrfs-scrub-never" and finding.severity is Severity.INFO
    assert finding.actions[0].command == "btrfs scrub start /"


def _one_device(usage: BtrfsUsage) -> BtrfsFilesystem:
    return BtrfsFilesystem(
        "u",
        "/",
        devices=(BtrfsDevice(1, "/dev/mmcblk0p2", size=usage.device_size),),
        total_devices=1,
        usage=usage,
    )


def test_single_metadata_on_one_device_is_flagged_and_dup_is_not():
    usage = BtrfsUsage(
        device_size=16 * GIB,
        device_unallocated=8 * GIB,
        allocations=(
            BtrfsAllocation("Data", "single", 7 * GIB, 5 * GIB),
            BtrfsAllocation("Metadata", "single", GIB, GIB // 4),
        ),
    )
    [finding] = _findings(_one_device(usage))
    assert finding.code == "btrfs-metadata-single"
    assert finding.actions[0].command == "btrfs balance start -mconvert=dup,soft /"
    assert finding.evidence == (
        f"Data,single: Size:{7 * GIB}, Used:{5 * GIB}",
        f"Metadata,single: Size:{GIB}, Used:{GIB // 4}",
    )
    dup = replace(
        usage, allocations=(usage.allocations[0], BtrfsAllocation("Metadata", "DUP", GIB, GIB // 4))
    )
    assert _findings(_one_device(dup)) == []


def test_unallocated_space_low_with_empty_data_chunks_suggests_the_filtered_balance():
    usage = BtrfsUsage(
        device_size=16 * GIB,
        device_unallocated=GIB // 2,
        allocations=(
            BtrfsAllocation("Data", "single", 14 * GIB, 6 * GIB),
            BtrfsAllocation("Metadata", "DUP", GIB // 2, GIB // 8),
        ),
    )
    [finding] = _findings(_one_device(usage))
    assert finding.code == "btrfs-unallocated-low" and finding.severity is Severity.WARNING
    assert [a.command for a in finding.actions] == [
        "btrfs balance start -dusage=10 /",
        "btrfs balance start -dusage=50 /",
    ]
    full_meta = replace(
        usage,
        allocations=(usage.allocations[0], BtrfsAllocation("Metadata", "DUP", GIB // 2, GIB // 2 - 1)),
        global_reserve_used=4096,
    )
    [finding] = _findings(_one_device(full_meta))
    assert finding.code == "btrfs-metadata-full" and finding.severity is Severity.CRITICAL
    truly_full = replace(
        full_meta,
        allocations=(BtrfsAllocation("Data", "single", 14 * GIB, 14 * GIB - 1), full_meta.allocations[1]),
    )
    [finding] = _findings(_one_device(truly_full))
    assert finding.actions == () and "delete files" in finding.detail


def test_mixed_profiles_after_a_degraded_mount():
    usage = parse_usage(_text("filesystem-usage.progs-686-raid1-excerpt.txt"))
    assert usage is not None
    mixed = replace(usage, allocations=(*usage.allocations, BtrfsAllocation("Data", "single", GIB, GIB)))
    [finding] = _findings(_fs("filesystem-show.progs-286-three-devices.txt", "/mnt/nas", usage=mixed))
    assert finding.code == "btrfs-mixed-profiles"
    assert (
        finding.actions[0].command == "btrfs balance start -dconvert=raid1,soft -mconvert=raid1,soft /mnt/nas"
    )
    # Every chunk line, the odd single one among them, in the order btrfs printed them.
    assert [line.split(": ")[0] for line in finding.evidence] == [
        f"{a.kind},{a.profile}" for a in mixed.allocations
    ]
    assert finding.evidence[-1] == f"Data,single: Size:{GIB}, Used:{GIB}"


def test_findings_of_two_filesystems_have_their_own_keys():
    never = parse_scrub_status("UUID: x\n\tno stats available\n")
    a = _fs("filesystem-show.progs-286-three-devices.txt", "/", scrub=never)
    b = replace(a, uuid="other", mountpoint="/srv")
    first, second = _findings(a, b)
    assert first.key != second.key and str(first.key).endswith("fs:/")
