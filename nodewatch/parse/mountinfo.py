"""/proc/self/mountinfo text to mountpoints by block device number."""

from __future__ import annotations

import re

_OCTAL = re.compile(r"\\([0-7]{3})")


def mountpoints_by_device(text: str) -> dict[str, tuple[str, ...]]:
    """Given /proc/self/mountinfo, return "major:minor" → its mountpoints, in mount order.

    Lines that do not fit proc(5)'s layout are skipped.
    """
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 5 or ":" not in fields[2]:
            continue
        target = _OCTAL.sub(lambda match: chr(int(match[1], 8)), fields[4])
        out.setdefault(fields[2], []).append(target)
    return {device: tuple(targets) for device, targets in out.items()}
