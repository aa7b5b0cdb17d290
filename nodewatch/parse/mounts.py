"""/proc/self/mounts text to Mount records."""

from __future__ import annotations

import re

from nodewatch.model import Mount

# The kernel escapes space, tab, newline and backslash in mount fields as octal.
_OCTAL = re.compile(r"\\([0-7]{3})")


def parse_mounts(text: str) -> tuple[Mount, ...]:
    """Given the text of /proc/self/mounts, return its mounts; malformed lines are skipped."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            source, target, fstype = (_unescape(field) for field in fields[:3])
            mounts.append(Mount(source=source, target=target, fstype=fstype))
    return tuple(mounts)


def _unescape(field: str) -> str:
    return _OCTAL.sub(lambda match: chr(int(match[1], 8)), field)
