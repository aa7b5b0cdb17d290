"""Numbers, durations and times as `zpool` prints them.

`zpool status` prints counters and sizes through zfs_nicenum(): `0`, `960K`,
`2.04K`, `1.43P`, and in a non-C locale `12,8K` (the probe forces LC_ALL=C,
but pasted outputs come from anywhere). Durations changed form over the
years (`0h1m`, `1 days 00:12:08`, `00:00:01`), and times are ctime() or,
in `zpool status -j` string mode, the locale's date format
(`Wed Jan  7 02:35:05 AM PST 2026`).
"""

from __future__ import annotations

import re
from datetime import datetime

# zfs_nicenum() suffixes: powers of 1024.
_UNITS = {"": 0, "B": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6, "Z": 7}
_NUMBER = re.compile(r"^(?P<value>\d+(?:[.,]\d+)?)\s*(?P<unit>[KMGTPEZ]?)(?:i?B)?$", re.IGNORECASE)


def parse_size(text: str) -> int | None:
    """Given a zfs_nicenum/zfs_nicebytes string (`224K`, `1,73T`, `0B`, `4096`),
    return the number of bytes (or units), rounded; None if it is not a number.

    A printed `2.04K` has lost precision: the result is the closest integer to
    what was printed, not the exact value ZFS had.
    """
    match = _NUMBER.match(text.strip())
    if not match:
        return None
    value = float(match["value"].replace(",", "."))
    multiplier: int = 1024 ** _UNITS[match["unit"].upper()]
    return round(value * multiplier)


def parse_count(text: str) -> int | None:
    """Given a READ/WRITE/CKSUM column (`0`, `2.04K`, `12,8K`), return it as an integer."""
    return parse_size(text)


def is_count(text: str) -> bool:
    """Say whether a token looks like a READ/WRITE/CKSUM value."""
    return _NUMBER.match(text) is not None and not text.upper().endswith("B")


_HOURS_MINUTES = re.compile(r"^(?:(?P<hours>\d+)h)?(?P<minutes>\d+)m(?:(?P<seconds>\d+)s)?$")
_DAYS_CLOCK = re.compile(r"^(?:(?P<days>\d+) days? )?(?P<hours>\d+):(?P<minutes>\d\d):(?P<seconds>\d\d)$")


def parse_duration(text: str) -> int | None:
    """Given a duration as zpool prints it (`0h1m`, `60h43m`, `00:00:01`,
    `1 days 00:12:08`), return seconds; None if the form is unknown."""
    text = text.strip()
    match = _DAYS_CLOCK.match(text)
    if match:
        days = int(match["days"] or 0)
        return ((days * 24 + int(match["hours"])) * 60 + int(match["minutes"])) * 60 + int(match["seconds"])
    match = _HOURS_MINUTES.match(text)
    if match:
        return (int(match["hours"] or 0) * 60 + int(match["minutes"])) * 60 + int(match["seconds"] or 0)
    return None


_MONTHS = {
    name: index
    for index, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
# ctime(): "Sun Nov 22 10:40:00 2026"; nl_langinfo(_DATE_FMT) in C and en_US:
# "Wed Jan  7 02:35:05 UTC 2026", "Wed Jan  7 02:35:05 AM PST 2026".
_TIME = re.compile(
    r"^(?:[A-Za-z]{3},?\s+)?(?P<month>[A-Za-z]{3})\s+(?P<day>\d{1,2})\s+"
    r"(?P<hour>\d{1,2}):(?P<minute>\d\d):(?P<second>\d\d)"
    r"(?:\s+(?P<ampm>[AaPp][Mm]))?(?:\s+(?P<zone>[A-Z][A-Za-z0-9+-]*))?\s+(?P<year>\d{4})$"
)


def parse_time(text: str) -> datetime | None:
    """Given a time as zpool prints it, return it as a naive datetime (the
    node's wall clock, zone dropped); None if it cannot be read."""
    match = _TIME.match(text.strip())
    if not match or match["month"].lower() not in _MONTHS:
        return None
    hour = int(match["hour"])
    if match["ampm"]:
        hour = hour % 12 + (12 if match["ampm"].lower() == "pm" else 0)
    try:
        return datetime(  # noqa: DTZ001 - zpool prints local wall time without a zone we could trust
            int(match["year"]),
            _MONTHS[match["month"].lower()],
            int(match["day"]),
            hour,
            int(match["minute"]),
            int(match["second"]),
        )
    except ValueError:
        return None
