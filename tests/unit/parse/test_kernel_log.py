"""The kernel log parser on real journal, syslog and dmesg text from public posts and the lab."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from nodewatch.model import KernelEventKind as Kind
from nodewatch.parse.kernel_log import disk_name, looks_like_kernel_log, parse_kernel_log, parse_line

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
LOGS = FIXTURES / "kernel-log"


def _events(name: str) -> list[tuple[Kind, str]]:
    log = parse_kernel_log((LOGS / name).read_text())
    return [(event.kind, event.device) for event in log.events]


def test_uas_aborts_device_reset_and_usb_reset_from_a_quoted_dmesg():
    events = _events("rpi-linux-3814-uas-abort-reset-superspeed.txt")
    assert events == [(Kind.UAS_ABORT, "sda")] * 6 + [(Kind.UAS_RESET, "host0"), (Kind.USB_RESET, "2-1.4")]


def test_sata_failed_commands_link_reset_io_error_and_zio():
    log = parse_kernel_log((LOGS / "openzfs-10094-ata-link-reset-io-error-zio.txt").read_text())
    assert [(e.kind, e.device) for e in log.events] == [
        (Kind.ATA_FAILED_COMMAND, "ata8"),
        (Kind.ATA_FAILED_COMMAND, "ata8"),
        (Kind.ATA_LINK_RESET, "ata8"),
        (Kind.IO_ERROR, "sdf"),
        (Kind.ZIO_ERROR, "/dev/mapper/slot6crypt"),
    ]
    assert log.events[-1].pool == "dpool"
    assert log.events[0].when == "251.595005" and log.events[0].time is None
    assert log.lines == 17  # the continuation lines of a failed command count, and are not events


def test_syslog_lines_with_uptime_usb_disconnects_and_io_error():
    events = _events("blog-yetanotherdevlog-rpi4-usb-disconnect-io-error-syslog.txt")
    assert events == [
        (Kind.USB_DISCONNECT, "1-1"),
        (Kind.USB_DISCONNECT, "1-1.4"),
        (Kind.USB_DISCONNECT, "2-2"),
        (Kind.IO_ERROR, "sda"),
    ]
    first = parse_kernel_log(
        (LOGS / "blog-yetanotherdevlog-rpi4-usb-disconnect-io-error-syslog.txt").read_text()
    )
    assert first.events[0].when == "Jul 4 14:48:15" and first.events[0].time is None  # syslog: no year


def test_syslog_ata_link_reset_of_two_ports():
    events = _events("openzfs-5345-ata-link-reset-syslog.txt")
    assert events == [
        (Kind.ATA_FAILED_COMMAND, "ata10"),
        (Kind.ATA_LINK_RESET, "ata10"),
        (Kind.ATA_FAILED_COMMAND, "ata12"),
    ]


def test_under_voltage_of_the_firmware_driver_and_of_hwmon_not_its_normalisation():
    assert _events("dietpi-3225-firmware-under-voltage.txt") == [(Kind.UNDER_VOLTAGE, "")] * 3
    log = parse_kernel_log((LOGS / "rpi-linux-5584-hwmon-undervoltage-dmesg-H.txt").read_text())
    assert [e.kind for e in log.events] == [Kind.UNDER_VOLTAGE] * 4
    assert [e.when for e in log.events] == ["Aug28 17:07", "+14.112012", "Aug28 17:29", "+12.095992"]


def test_the_lab_vms_own_dmesg_usb_disconnect():
    text = (FIXTURES / "lab" / "disks-zoo" / "zfs23" / "03-hotplugged-dmesg.txt").read_text()
    assert [(e.kind, e.device) for e in parse_kernel_log(text).events] == [(Kind.USB_DISCONNECT, "2-1")]


def test_journal_short_iso_and_dmesg_T_times():
    # The message is the lab's; the stamps are journalctl -o short-iso's and dmesg -T's formats.
    iso = parse_line("2026-11-23T09:17:31+0100 lab kernel: usb 2-1: USB disconnect, device number 2")
    assert iso is not None and iso.device == "2-1"
    assert iso.time == datetime(2026, 11, 23, 9, 17, 31, tzinfo=timezone(timedelta(hours=1)))
    dmesg_t = parse_line("[Mon Nov 23 09:17:31 2026] usb 2-1: USB disconnect, device number 2")
    assert dmesg_t is not None and dmesg_t.time == datetime(2026, 11, 23, 9, 17, 31)  # noqa: DTZ001 (node-local)
    short = parse_line("Nov 23 09:17:31 lab kernel: usb 2-1: USB disconnect, device number 2")
    assert short is not None and short.when == "Nov 23 09:17:31" and short.time is None
    assert datetime(2026, 11, 23, 8, 17, 31, tzinfo=UTC) == iso.time


def test_partitions_name_their_disk():
    assert [disk_name(n) for n in ("sdc1", "sdaa9", "mmcblk0p2", "nvme0n1p1", "sdc", "dm-0")] == [
        "sdc",
        "sdaa",
        "mmcblk0",
        "nvme0n1",
        "sdc",
        "dm-0",
    ]


def test_what_is_not_a_kernel_log():
    status = (FIXTURES / "zpool-status-text").glob("*.txt")
    assert not looks_like_kernel_log(next(iter(sorted(status))).read_text())
    assert not looks_like_kernel_log("")
    assert all(looks_like_kernel_log(path.read_text()) for path in LOGS.glob("*.txt"))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_the_parser_never_raises(text):
    log = parse_kernel_log(text)
    assert len(log.events) <= log.lines
    looks_like_kernel_log(text)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "[ 1.0] usb 1-1.2: reset high-speed USB device number 3 using dwc_otg",
                "Jul 4 14:48:15 pi kernel: [ 1.0] sd 0:0:0:0: [sda] tag#1 uas_eh_abort_handler 0",
                "[Mon Nov 23 09:17:31 2026] zio pool=t vdev=/dev/sdc1 error=5",
                "2026-02-30T25:61:61+99:99 x kernel: ata3: hard resetting link",
                "[Xyz Abc 99 99:99:99 2026] Under-voltage detected!",
            ]
        )
        | st.text(max_size=40)
    ).map("\n".join)
)
def test_mixed_and_broken_stamps_never_raise(text):
    parse_kernel_log(text)


def test_zio_flags_are_hex_before_openzfs_2_2_and_decimal_since():
    from nodewatch.parse.kernel_log import ZIO_FLAG_PROBE, zio_flags

    # ZFS on Linux 0.8 (openzfs/zfs#10094): `%x`, a normal read (CANFAIL, DONT_QUEUE, DONT_PROPAGATE …).
    old = parse_kernel_log((LOGS / "openzfs-10094-ata-link-reset-io-error-zio.txt").read_text()).events[-1]
    assert zio_flags(old.line, (0, 8, 3)) == 0x1808B0 and not zio_flags(old.line, (0, 8, 3)) & ZIO_FLAG_PROBE
    assert zio_flags(old.line, None) == 0x1808B0  # hex digits say it without a version
    # OpenZFS 2.3 prints `%llu`: digits alone need the version to be read at all.
    line = "zio pool=tank vdev=/dev/sdb1 error=5 type=1 offset=270336 size=8192 flags=1245889"
    assert zio_flags(line, (2, 3, 2)) == 1245889 and zio_flags(line, (2, 3, 2)) & ZIO_FLAG_PROBE
    assert zio_flags(line, (2, 1, 11)) == 0x1245889
    assert zio_flags(line, None) is None
    assert zio_flags("zio pool=tank vdev=/dev/sdb1 error=5 type=1", (2, 3, 2)) is None
