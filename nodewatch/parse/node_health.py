"""The small sysfs files and command outputs of a node's own health: the Pi firmware's
throttling word, temperatures, an eMMC's wear report, NixOS system links.

Pure: each takes the text as read and returns a value, or None when the text is not what
the file or command prints (never raises).
"""

from __future__ import annotations

import re

_THROTTLED = re.compile(r"^(?:throttled=)?(?:0x)?([0-9a-fA-F]{1,8})$")
_BYTE = re.compile(r"^0x([0-9a-fA-F]{1,2})$")
# A /nix/store path's name: the hash, then the name and version (linux-6.6.31, zfs-kernel-2.2.4-6.6.31).
_STORE_NAME = re.compile(r"^/nix/store/[0-9a-z]{32}-(?P<name>.+)$")


def parse_throttled(text: str) -> int | None:
    """Given `vcgencmd get_throttled` ("throttled=0x50005") or the firmware's sysfs
    get_throttled ("50005"), return the word."""
    match = _THROTTLED.match(text.strip())
    return int(match[1], 16) if match else None


def parse_millidegrees(text: str) -> float | None:
    """Given a thermal zone's `temp` or a hwmon `temp*_input` (millidegrees Celsius), return °C."""
    value = text.strip()
    if not re.fullmatch(r"-?\d+", value):
        return None
    return int(value) / 1000


def parse_life_time(text: str) -> tuple[int | None, int | None]:
    """Given an eMMC's sysfs `life_time` ("0x01 0x02": type A, type B), return both;
    None for a value that is not a byte, or 0x00 (not defined)."""
    parts = text.split()
    values = [_byte(part) for part in parts[:2]]
    while len(values) < 2:
        values.append(None)
    return values[0], values[1]


def parse_pre_eol(text: str) -> int | None:
    """Given an eMMC's sysfs `pre_eol_info` ("0x01"), return it; None when not defined."""
    return _byte(text.strip())


def _byte(text: str) -> int | None:
    match = _BYTE.match(text)
    if not match:
        return None
    value = int(match[1], 16)
    return value or None  # 0x00: not defined (an eMMC older than 5.0)


def life_used(value: int) -> str:
    """Given a life_time estimate (0x01…0x0B), return how much of the life is used, in words."""
    if value >= 0x0B:
        return "past its rated life"
    if value >= 0x01:
        return f"{(value - 1) * 10}–{value * 10} % of its rated life used"
    return "not reported"


def store_name(path: str | None) -> str | None:
    """Given a /nix/store path, return its name without the hash: linux-6.6.31-modules."""
    if not path:
        return None
    match = _STORE_NAME.match(path.rstrip("/"))
    return match["name"] if match else path
