"""The kernel log lines that say something about a disk, its link, or the node's power.

Reads `journalctl -k` (short and `-o short-iso`), syslog files (kern.log, with or
without the `[ uptime]` prefix) and `dmesg` (plain, `-T`, `-H`) text. Lines it
does not recognise are counted and skipped: a kernel log is mostly other news.
Pure: never raises on any text.
"""

from __future__ import annotations

import re
from datetime import datetime

from nodewatch.model import KernelEvent, KernelEventKind, KernelLog

# Timestamp prefixes, tried in order; group "when" is the timestamp, the rest is the message.
_ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
_SYSLOG = r"[A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d(?:\.\d+)?"
_JOURNAL = re.compile(rf"^(?P<when>{_ISO}|{_SYSLOG}) \S+ kernel: (?:\[\s*\d+\.\d+\] )?")
_DMESG_T = re.compile(r"^\[(?P<when>[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d \d{4})\] ")
_DMESG = re.compile(r"^\[\s*(?P<when>\d+\.\d+|[A-Z][a-z]{2}\d\d? \d\d:\d\d|\+\s*\d+\.\d+)\] ")

_PORT = r"\d+-\d+(?:\.\d+)*"
_MESSAGES: tuple[tuple[KernelEventKind, re.Pattern[str]], ...] = (
    (KernelEventKind.USB_RESET, re.compile(rf"^usb (?P<device>{_PORT}): reset .*USB device")),
    (
        KernelEventKind.USB_DISCONNECT,
        re.compile(rf"^usb (?P<device>{_PORT}): USB disconnect, (?:device number|address) \d+"),
    ),
    (
        KernelEventKind.UAS_ABORT,
        re.compile(r"^sd \d+:\d+:\d+:\d+: \[(?P<device>\w+)\] .*uas_eh_abort_handler"),
    ),
    (KernelEventKind.UAS_RESET, re.compile(r"^scsi (?P<device>host\d+): uas_eh_device_reset_handler start")),
    (KernelEventKind.IO_ERROR, re.compile(r"(?:^|: )I/O error,? (?:on )?dev(?:ice)? (?P<device>[\w-]+)[, ]")),
    (KernelEventKind.ATA_LINK_RESET, re.compile(r"^(?P<device>ata\d+)(?:\.\d+)?: hard resetting link")),
    (KernelEventKind.ATA_FAILED_COMMAND, re.compile(r"^(?P<device>ata\d+)(?:\.\d+)?: failed command:")),
    (KernelEventKind.UNDER_VOLTAGE, re.compile(r"(?i)(?:^|: )under-?voltage detected!")),
    (
        KernelEventKind.ZIO_ERROR,
        re.compile(r"^zio pool=(?P<pool>\S+) vdev=(?P<device>\S+) error=(?P<error>\d+)"),
    ),
    (
        KernelEventKind.READ_ONLY_REMOUNT,
        re.compile(
            r"^(?:EXT[234]-fs|BTRFS \w+) \((?:device )?(?P<device>[\w-]+)\):"
            r" (?:Remounting filesystem read-only|forced readonly)"
        ),
    ),
    (KernelEventKind.MMC_ERROR, re.compile(r"^(?P<device>mmcblk\d+): (?:error -\d+ |recovery failed)")),
)
# A word every message of _MESSAGES holds: a line without one is about something else.
_HINT = re.compile(
    r"reset|disconnect|uas_eh|I/O error|failed command|(?i:under-?voltage)|zio pool=|read-?only|mmcblk"
)
# A partition's kernel name → its disk's: sdc1 → sdc, mmcblk0p2 → mmcblk0, nvme0n1p1 → nvme0n1.
_PARTITION = re.compile(r"^((?:sd|vd|hd|xvd)[a-z]+)\d+$|^((?:mmcblk|nvme\d+n)\d+)p\d+$")


def parse_kernel_log(text: str) -> KernelLog:
    """Given kernel log text, return the events about disks, links and power, in log order."""
    events: list[KernelEvent] = []
    lines = 0
    for raw in text.splitlines():
        line = raw.strip().removeprefix("> ")  # a paste quoted in a forum or issue
        if not line or line.startswith("#"):
            continue
        lines += 1
        event = parse_line(line)
        if event is not None:
            events.append(event)
    return KernelLog(events=tuple(events), lines=lines)


def parse_line(line: str) -> KernelEvent | None:
    """Given one kernel log line, return its event, or None when it is about something else."""
    if not _HINT.search(line):  # most of a kernel log: one cheap look instead of every pattern
        return None
    when = ""
    message = line
    for prefix in (_JOURNAL, _DMESG_T, _DMESG):
        match = prefix.match(line)
        if match:
            when = match["when"]
            message = line[match.end() :]
            break
    for kind, pattern in _MESSAGES:
        found = pattern.search(message)
        if not found:
            continue
        groups = found.groupdict()
        device = groups.get("device") or ""
        if kind is KernelEventKind.IO_ERROR:
            device = disk_name(device)
        return KernelEvent(
            kind=kind,
            device=device,
            line=message,
            when=when,
            time=_time(when),
            pool=groups.get("pool"),
        )
    return None


def disk_name(name: str) -> str:
    """Given a block device's kernel name (a partition's too), return its disk's name."""
    match = _PARTITION.match(name)
    if not match:
        return name
    return match[1] or match[2]


def _time(when: str) -> datetime | None:
    """A full date and time, else None (syslog stamps carry no year, dmesg's are uptime):
    aware for ISO stamps with an offset, node-local wall time (naive) for dmesg -T."""
    if re.fullmatch(_ISO, when):
        try:
            return datetime.fromisoformat(when.replace(",", "."))
        except ValueError:
            return None
    try:
        # dmesg -T prints the node's local wall time, without a zone.
        return datetime.strptime(" ".join(when.split()), "%a %b %d %H:%M:%S %Y")  # noqa: DTZ007
    except ValueError:
        return None


def looks_like_kernel_log(text: str, *, sample: int = 200) -> bool:
    """Given text said to be a kernel log, return whether one of its first lines is a kernel
    log line: a journal, syslog or dmesg timestamp, or a line nodewatch knows."""
    seen = 0
    for raw in text.splitlines():
        line = raw.strip().removeprefix("> ")
        if not line or line.startswith("#"):
            continue
        if any(prefix.match(line) for prefix in (_JOURNAL, _DMESG_T, _DMESG)) or parse_line(line):
            return True
        seen += 1
        if seen >= sample:
            break
    return False


# include/sys/zio.h: the flag of an I/O issued by vdev_probe(), which ZFS runs after an I/O
# failed to ask whether the device is still there at all (it reads the labels' pad areas).
# The same bit from ZFS on Linux 0.8 to OpenZFS 2.3.
ZIO_FLAG_PROBE = 1 << 16
_ZIO_FLAGS = re.compile(r"\bflags=(?:0x)?(?P<flags>[0-9a-fA-F]+)\b")


def zio_flags(line: str, zfs_version: tuple[int, int, int] | None) -> int | None:
    """Given a `zio pool=… flags=…` line and the OpenZFS version that printed it, return its
    I/O flags, or None when they cannot be read for sure. vdev_disk_error() prints them in
    hex (`%x`) before OpenZFS 2.2 and as a decimal (`%llu`) since, when zio_flag_t became 64
    bits (openzfs/zfs#14086): digits alone need the version to be read."""
    match = _ZIO_FLAGS.search(line)
    if match is None:
        return None
    text = match["flags"]
    hex_digits = any(c in "abcdefABCDEF" for c in text) or "flags=0x" in line
    if hex_digits or (zfs_version is not None and zfs_version < (2, 2, 0)):
        return int(text, 16)
    if zfs_version is None:
        return None
    return int(text)
