"""`btrfs` command outputs to the model: filesystem show, device stats, scrub status,
filesystem usage. Each parser takes what the command printed (any btrfs-progs since 4.x,
`--raw`/`-b` bytes or the human units people paste) and skips lines it does not know.

- `btrfs filesystem show [--raw] <mountpoint>`: the filesystem's uuid, label, device count
  and devices (`MISSING`, `*** Some devices missing`).
- `btrfs device stats <mountpoint>`: `[/dev/sdb].write_io_errs 0` (a missing device is
  `[devid:2]`).
- `btrfs scrub status <mountpoint>`: the layout of btrfs-progs ≥ 5.1 (`Status: finished`,
  `Error summary: csum=3`, `Corrected: 3`) and the older one (`scrub started at … and
  finished after …`, `total bytes scrubbed: … with 3 errors`).
- `btrfs filesystem usage -b <mountpoint>`: the Overall block and the `Data,DUP: Size:…,
  Used:…` lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from nodewatch.model import (
    BtrfsAllocation,
    BtrfsDevice,
    BtrfsDeviceErrors,
    BtrfsFilesystem,
    BtrfsScrub,
    BtrfsScrubStatus,
    BtrfsUsage,
)

_UNITS = {
    "": 1,
    "B": 1,
    "KIB": 1 << 10,
    "MIB": 1 << 20,
    "GIB": 1 << 30,
    "TIB": 1 << 40,
    "PIB": 1 << 50,
    "EIB": 1 << 60,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "PB": 10**15,
}
_SIZE = re.compile(r"^(-?\d+(?:\.\d+)?)\s*([KMGTPE]?i?B)?$", re.IGNORECASE)


def parse_size(text: str) -> int | None:
    """`21474836480`, `20.00GiB`, `0.00B`, `0` → bytes; None for anything else."""
    match = _SIZE.match(text.strip())
    if not match:
        return None
    unit = (match[2] or "").upper()
    if unit not in _UNITS:
        return None
    return round(float(match[1]) * _UNITS[unit])


# ─── btrfs filesystem show ─────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Shown:
    """One filesystem of `btrfs filesystem show`."""

    uuid: str
    label: str | None
    total_devices: int | None
    devices: tuple[BtrfsDevice, ...]
    some_missing: bool


_LABEL = re.compile(r"^Label:\s+(?:'(?P<quoted>.*)'|(?P<bare>\S+))\s+uuid:\s+(?P<uuid>[0-9a-fA-F-]{36})\s*$")
_TOTAL = re.compile(r"^\s*Total devices\s+(\d+)")
_DEVID = re.compile(
    r"^\s*devid\s+(?P<devid>\d+)\s+size\s+(?P<size>\S+)\s+used\s+(?P<used>\S+)\s+path\s+(?P<path>.*?)\s*$"
)


def parse_filesystem_show(text: str) -> tuple[Shown, ...]:
    """Given `btrfs filesystem show` output, return its filesystems in order."""
    blocks: list[tuple[re.Match[str], list[str]]] = []
    for line in text.splitlines():
        if match := _LABEL.match(line.strip()):
            blocks.append((match, []))
        elif blocks:
            blocks[-1][1].append(line)
    return tuple(_shown(head, lines) for head, lines in blocks)


def _shown(head: re.Match[str], lines: list[str]) -> Shown:
    total = None
    devices = []
    some_missing = False
    for line in lines:
        if match := _TOTAL.match(line):
            total = int(match[1])
        elif match := _DEVID.match(line):
            devices.append(_device(match))
        elif "Some devices missing" in line:
            some_missing = True
    quoted = head["quoted"]
    return Shown(
        uuid=head["uuid"].lower(),
        label=quoted if quoted is not None else (None if head["bare"] == "none" else head["bare"]),
        total_devices=total,
        devices=tuple(devices),
        some_missing=some_missing or any(device.missing for device in devices),
    )


def _device(match: re.Match[str]) -> BtrfsDevice:
    path = match["path"]
    missing = path.endswith(" MISSING") or path in {"MISSING", "<missing disk>"}
    path = path.removesuffix("MISSING").strip()
    return BtrfsDevice(
        devid=int(match["devid"]),
        path=None if path in {"", "<missing disk>"} else path,
        size=parse_size(match["size"]),
        used=parse_size(match["used"]),
        missing=missing,
    )


# ─── btrfs device stats ────────────────────────────────────────────────────────

_STAT = re.compile(r"^\[(?P<device>[^\]]+)\]\.(?P<name>\w+)\s+(?P<value>\d+)\s*$")
_STAT_FIELDS = {
    "write_io_errs": "write_io",
    "read_io_errs": "read_io",
    "flush_io_errs": "flush_io",
    "corruption_errs": "corruption",
    "generation_errs": "generation",
}


def looks_like_device_stats(text: str) -> bool:
    return any(_STAT.match(line.strip()) for line in text.splitlines())


def parse_device_stats(text: str) -> dict[str, BtrfsDeviceErrors]:
    """Given `btrfs device stats` output, return device → its counters, in order.

    The device is the path btrfs prints (`/dev/sdb1`) or `devid:N` for a device without one.
    """
    counters: dict[str, dict[str, int]] = {}
    for line in text.splitlines():
        match = _STAT.match(line.strip())
        if match and match["name"] in _STAT_FIELDS:
            counters.setdefault(match["device"], {})[_STAT_FIELDS[match["name"]]] = int(match["value"])
    return {device: BtrfsDeviceErrors(**values) for device, values in counters.items()}


# ─── btrfs scrub status ────────────────────────────────────────────────────────

_FIELD = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z ]*?):\s*(?P<value>.*?)\s*$")
# btrfs-progs < 5.1 (cmds-scrub.c): "scrub started at <%c> and finished after <duration>",
# ", running for", " and was aborted after", ", interrupted after"; the duration in seconds
# ("123 seconds") before 4.x's "00:02:03".
_OLD_STARTED = re.compile(
    r"scrub (?:started|resumed) at (?P<when>.+?)(?:,| and) "
    r"(?P<how>finished after|was aborted after|interrupted after|running for) (?P<duration>\S+)"
)
_OLD_TOTAL = re.compile(r"total bytes scrubbed: .* with (\d+) errors")
_OLD_CORRECTED = re.compile(r"corrected errors: (\d+), uncorrectable errors: (\d+), unverified errors: (\d+)")
_ERROR_KINDS = re.compile(r"(\w+)=(\d+)")
_OLD_STATUS = {
    "finished after": BtrfsScrubStatus.FINISHED,
    "was aborted after": BtrfsScrubStatus.ABORTED,
    "interrupted after": BtrfsScrubStatus.INTERRUPTED,
    "running for": BtrfsScrubStatus.RUNNING,
}


def looks_like_scrub_status(text: str) -> bool:
    return "no stats available" in text or "Status:" in text or "scrub started at" in text


def parse_scrub_status(text: str) -> BtrfsScrub | None:
    """Given `btrfs scrub status` output (whole filesystem, not `-d`), return the last scrub;
    status NEVER for `no stats available`; None when the text is no scrub status."""
    if not looks_like_scrub_status(text):
        return None
    if "no stats available" in text and "Status:" not in text and "scrub started at" not in text:
        return BtrfsScrub(BtrfsScrubStatus.NEVER)
    if "scrub started at" in text or "scrub resumed at" in text:
        return _old_scrub_status(text)
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if match := _FIELD.match(line):
            fields.setdefault(match["key"].strip(), match["value"])
    status_word = fields.get("Status", "").split()[0] if fields.get("Status") else ""
    try:
        status = BtrfsScrubStatus(status_word)
    except ValueError:
        return None
    started = _scrub_time(fields.get("Scrub started") or fields.get("Scrub resumed") or "")
    summary = fields.get("Error summary", "")
    return BtrfsScrub(
        status=status,
        started=started,
        duration_seconds=_duration(fields.get("Duration", "")),
        errors={kind: int(count) for kind, count in _ERROR_KINDS.findall(summary)},
        corrected=_int(fields.get("Corrected")),
        uncorrectable=_int(fields.get("Uncorrectable")),
        unverified=_int(fields.get("Unverified")),
    )


def _old_scrub_status(text: str) -> BtrfsScrub | None:
    match = _OLD_STARTED.search(text)
    if not match:
        return None
    errors: dict[str, int] = {}
    corrected = uncorrectable = unverified = 0
    for line in text.splitlines():
        if "error details:" in line:
            errors = {kind: int(count) for kind, count in _ERROR_KINDS.findall(line)}
        elif found := _OLD_CORRECTED.search(line):
            corrected, uncorrectable, unverified = (int(found[i]) for i in (1, 2, 3))
    if not errors and (total := _OLD_TOTAL.search(text)) and int(total[1]):
        errors = {"total": int(total[1])}
    return BtrfsScrub(
        status=_OLD_STATUS[match["how"]],
        started=_scrub_time(match["when"]),
        duration_seconds=_duration(match["duration"].rstrip(",")),
        errors=errors,
        corrected=corrected,
        uncorrectable=uncorrectable,
        unverified=unverified,
    )


def _scrub_time(text: str) -> datetime | None:
    """`Fri Aug  9 16:58:37 2024` (strftime %c in the C locale) → naive local time."""
    try:
        return datetime.strptime(" ".join(text.split()), "%a %b %d %H:%M:%S %Y")  # noqa: DTZ007 (node-local)
    except ValueError:
        return None


def _duration(text: str) -> int | None:
    """`0:02:50`, `13:44:57`, `123` (seconds, old progs) → seconds."""
    parts = text.strip().split(":")
    if not all(part.isdigit() for part in parts) or not 1 <= len(parts) <= 3:
        return None
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return seconds


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


# ─── btrfs filesystem usage ────────────────────────────────────────────────────

_CHUNKS = re.compile(
    r"^(?P<kind>Data|Metadata|System|Data\+Metadata),(?P<profile>[A-Za-z0-9]+):\s+"
    r"Size:\s*(?P<size>\S+?),?\s+Used:\s*(?P<used>\S+?)(?:\s|$)"
)
_OVERALL = {
    "Device size": "device_size",
    "Device allocated": "device_allocated",
    "Device unallocated": "device_unallocated",
    "Device missing": "device_missing",
    "Used": "used",
    "Free (estimated)": "free_estimated",
    "Global reserve": "global_reserve",
}


def looks_like_usage(text: str) -> bool:
    return "Overall:" in text and "Device size:" in text


def parse_usage(text: str) -> BtrfsUsage | None:
    """Given `btrfs filesystem usage [-b]` output, return the space it shows; None when the
    text is no such output."""
    if not looks_like_usage(text):
        return None
    values: dict[str, int | None] = {}
    allocations = []
    for line in text.splitlines():
        if match := _CHUNKS.match(line.strip()):
            size, used = parse_size(match["size"]), parse_size(match["used"])
            if size is not None and used is not None:
                allocations.append(BtrfsAllocation(match["kind"], match["profile"], size, used))
            continue
        key, _, rest = line.strip().partition(":")
        if key in _OVERALL and key not in values:
            words = rest.split()
            values[_OVERALL[key]] = parse_size(words[0]) if words else None
            if key == "Global reserve" and "(used:" in rest:
                values["global_reserve_used"] = parse_size(rest.split("(used:")[1].strip(" )"))
    return BtrfsUsage(allocations=tuple(allocations), **values)


# ─── one filesystem from the four outputs ──────────────────────────────────────


def filesystem_from_outputs(
    mountpoint: str,
    show: str,
    stats: str | None = None,
    scrub: str | None = None,
    usage: str | None = None,
) -> BtrfsFilesystem | None:
    """Given what the four commands printed for one mountpoint (None: not read), return the
    filesystem; None when `show` names none."""
    shown = parse_filesystem_show(show)
    if not shown:
        return None
    fs = shown[0]
    errors = parse_device_stats(stats) if stats is not None else {}
    devices = tuple(
        replace(device, errors=errors.get(device.path or "") or errors.get(f"devid:{device.devid}"))
        if errors
        else device
        for device in fs.devices
    )
    return BtrfsFilesystem(
        uuid=fs.uuid,
        mountpoint=mountpoint,
        label=fs.label,
        total_devices=fs.total_devices,
        devices=devices,
        some_missing=fs.some_missing,
        usage=parse_usage(usage) if usage is not None else None,
        scrub=parse_scrub_status(scrub) if scrub is not None else None,
    )
