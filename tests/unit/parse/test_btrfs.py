"""`btrfs` outputs to the model, on public outputs (sources in each fixture's header) and
the lab's recordings (tests/fixtures/lab/btrfs/)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from nodewatch.model import BtrfsDeviceErrors, BtrfsScrubStatus
from nodewatch.parse.btrfs import (
    filesystem_from_outputs,
    parse_device_stats,
    parse_filesystem_show,
    parse_scrub_status,
    parse_size,
    parse_usage,
)
from tests.support.recordings import body

PUBLIC = Path(__file__).resolve().parents[2] / "fixtures" / "btrfs"


def _text(name: str) -> str:
    return body(PUBLIC / name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21474836480", 21474836480),
        ("20.00GiB", 20 << 30),
        ("0.00B", 0),
        ("0", 0),
        ("1.5KiB", 1536),
        ("512.00MiB", 512 << 20),
        ("abc", None),
        ("1.0XB", None),
    ],
)
def test_sizes_in_bytes_or_the_units_btrfs_prints(text, expected):
    assert parse_size(text) == expected


def test_device_stats_every_counter_of_every_device():
    stats = parse_device_stats(_text("device-stats.progs-6.1.3-sdb1-errors.txt"))
    assert list(stats) == ["/dev/sdc1", "/dev/sdb1"]
    assert stats["/dev/sdc1"].total == 0
    assert stats["/dev/sdb1"] == BtrfsDeviceErrors(7489899, 3751023, 117, 68, 25)


def test_device_stats_of_older_progs_with_narrower_columns():
    [(device, errors)] = parse_device_stats(_text("device-stats.python-btrfs-21-corruption.txt")).items()
    assert device == "/dev/sdf2" and errors == BtrfsDeviceErrors(corruption=1)


def test_device_stats_of_a_device_without_a_path_is_keyed_by_devid():
    text = "[devid:2].write_io_errs    12\n[devid:2].read_io_errs     0\n"
    assert parse_device_stats(text) == {"devid:2": BtrfsDeviceErrors(write_io=12)}


def test_filesystem_show_devices_sizes_and_no_label():
    [fs] = parse_filesystem_show(_text("filesystem-show.progs-286-three-devices.txt"))
    assert fs.uuid == "bddae3c1-2c83-4469-b99b-8bb713ada5a2" and fs.label is None
    assert fs.total_devices == 3 and [d.devid for d in fs.devices] == [1, 2, 3]
    assert fs.devices[1].path == "/dev/sdb" and fs.devices[1].size == 20 << 30
    assert not fs.some_missing


def test_filesystem_show_some_devices_missing_without_leading_tabs():
    [fs] = parse_filesystem_show(_text("filesystem-show.rockstor-1416-devid3-missing.txt"))
    assert fs.label == "storage" and fs.total_devices == 4
    assert [d.devid for d in fs.devices] == [1, 2, 4]
    assert fs.some_missing


def test_filesystem_show_a_missing_device_line():
    # The layout of btrfs-progs ≥ 5.x for a device btrfs knows but cannot open
    # (rockstor/rockstor-core#2311 quotes it).
    text = (
        "Label: none  uuid: 5a3c1d2e-0000-4000-8000-000000000001\n"
        "\tTotal devices 2 FS bytes used 1.26GiB\n"
        "\tdevid    1 size 5.00GiB used 1.26GiB path /dev/loop0\n"
        "\tdevid    2 size 0 used 0 path /dev/loop1 MISSING\n"
    )
    [fs] = parse_filesystem_show(text)
    assert fs.devices[1].missing and fs.devices[1].path == "/dev/loop1" and fs.some_missing


def test_scrub_status_uncorrectable():
    scrub = parse_scrub_status(_text("scrub-status.progs-uncorrectable-11.txt"))
    assert scrub is not None and scrub.status is BtrfsScrubStatus.FINISHED
    assert scrub.started == datetime(2024, 8, 9, 16, 58, 37) and scrub.duration_seconds == 170  # noqa: DTZ001 (node-local)
    assert scrub.errors == {"csum": 11} and scrub.uncorrectable == 11 and scrub.corrected == 0


def test_scrub_status_corrected_over_a_day():
    scrub = parse_scrub_status(_text("scrub-status.progs-6.10.1-raid10-corrected.txt"))
    assert scrub is not None and scrub.duration_seconds == 24 * 3600 + 25 * 60 + 33
    assert scrub.corrected == 121582377 and scrub.uncorrectable == 0


def test_an_error_summary_without_a_status_is_no_scrub_status():
    assert parse_scrub_status(_text("scrub-status.progs-verify-csum-corrected.txt")) is None
    assert parse_scrub_status("ERROR: cannot access '/x': No such file or directory") is None


def test_scrub_status_never_scrubbed():
    text = "UUID:             6d0e0a4b-6a1c-4a2b-9d3c-2f6a7e1b5c4d\n\tno stats available\n"
    scrub = parse_scrub_status(text)
    assert scrub is not None and scrub.status is BtrfsScrubStatus.NEVER


def test_usage_overall_and_chunks_in_units():
    usage = parse_usage(_text("filesystem-usage.progs-686-raid1-excerpt.txt"))
    assert usage is not None
    assert usage.device_unallocated == round(15.52 * (1 << 40)) and usage.device_missing == 0
    assert usage.global_reserve == 512 << 20 and usage.global_reserve_used == 0
    [data] = usage.allocations
    assert (data.kind, data.profile) == ("Data", "RAID1") and data.used == round(10.05 * (1 << 40))


def test_not_usage():
    assert parse_usage("Label: none  uuid: x") is None


def test_one_filesystem_from_its_outputs_joins_counters_to_devices():
    show = _text("filesystem-show.progs-286-three-devices.txt")
    stats = "[/dev/sdb].corruption_errs  4\n[/dev/sda].corruption_errs  0\n"
    fs = filesystem_from_outputs("/mnt", show, stats=stats)
    assert fs is not None and fs.mountpoint == "/mnt" and fs.usage is None and fs.scrub is None
    assert [d.errors.corruption if d.errors else None for d in fs.devices] == [0, 4, None]
    assert filesystem_from_outputs("/mnt", "") is None


def test_scrub_status_of_btrfs_progs_before_5_1():
    # The layout of cmds-scrub.c before 5.1 (kdave/btrfs-progs, print_scrub_ss and
    # print_scrub_summary): the lines as its printf calls write them.
    finished = (
        "scrub status for 8e1f5c0a-4a4f-4a5c-9d5e-1f2a3b4c5d6e\n"
        "\tscrub started at Sun Jan  5 03:00:01 2020 and finished after 00:12:34\n"
        "\ttotal bytes scrubbed: 50.00GiB with 3 errors\n"
        "\terror details: csum=3\n"
        "\tcorrected errors: 3, uncorrectable errors: 0, unverified errors: 0\n"
    )
    scrub = parse_scrub_status(finished)
    assert scrub is not None and scrub.status is BtrfsScrubStatus.FINISHED
    assert scrub.duration_seconds == 754 and scrub.errors == {"csum": 3} and scrub.corrected == 3
    running = "scrub status for x\n\tscrub started at Fri May 31 15:56:57 2019, running for 123 seconds\n"
    scrub = parse_scrub_status(running)
    assert scrub is not None and scrub.status is BtrfsScrubStatus.RUNNING and scrub.duration_seconds == 123
