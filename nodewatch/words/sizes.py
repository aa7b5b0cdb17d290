"""Sizes and durations in words: both unit systems, each where people expect it.

Drives are sold in decimal units (a "4 TB" drive holds 4.00 TB), so disk and
partition sizes use them; zpool prints binary units with one letter (3.6T),
so pool-side amounts (space, scan rates, repaired bytes) use those, to match
what the user sees in `zpool status` beside ours; error counters are quoted
as zpool prints them too (nicenum).
"""

from __future__ import annotations

_DECIMAL = ("B", "kB", "MB", "GB", "TB", "PB")
_BINARY = ("B", "K", "M", "G", "T", "P")


def decimal_size(size: int) -> str:
    """1_000_204_886_016 → '1.00 TB' (decimal units, as drives are sold)."""
    value = float(size)
    for unit in _DECIMAL:
        if value < 1000 or unit == _DECIMAL[-1]:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def binary_size(size: int) -> str:
    """3_998_614_552_576 → '3.6T' (binary units, one letter, as zpool prints them)."""
    value = float(size)
    for unit in _BINARY:
        if value < 1024 or unit == _BINARY[-1]:
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    raise AssertionError("unreachable")


def nicenum(value: int) -> str:
    """Given a counter, return it as zpool prints it (zfs_nicenum): `960`, `2.04K`, `12M`.

    The inverse of parse.zpool_numbers.parse_count, so a count read from `2.04K`
    is shown as `2.04K` again, not as an exact-looking 2089.
    """
    if value < 1024:
        return str(value)
    index, whole = 0, value
    while whole >= 1024 and index < 6:
        whole //= 1024
        index += 1
    unit = "KMGTPE"[index - 1]
    if value % (1 << (10 * index)) == 0:
        return f"{whole}{unit}"
    for digits in (2, 1, 0):
        text = f"{value / (1 << (10 * index)):.{digits}f}{unit}"
        if len(text) <= 5:
            return text
    return text


def clock_duration(seconds: int) -> str:
    """93_784 → '1d 02:03:04': exact, as zpool prints a scan's elapsed time."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}d {clock}" if days else clock


def rough_duration(seconds: int) -> str:
    """7_500 → '2 h 5 min': how long to wait, to the minute (never '0 min')."""
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{max(minutes, 1)} min"
