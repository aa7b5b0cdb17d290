"""/proc/self/mountinfo text to Mount records: read once, used for ZFS datasets
in use (can this pool be exported?) and for partitions' mountpoints."""

from __future__ import annotations

import re
from collections.abc import Iterable

from nodewatch.model import Mount

# The kernel escapes space, tab, newline and backslash in mount fields as octal.
_OCTAL = re.compile(r"\\([0-7]{3})")


def parse_mountinfo(text: str) -> tuple[Mount, ...]:
    """Given /proc/self/mountinfo, return its mounts in mount order.

    Layout (proc_pid_mountinfo(5)): id parent major:minor root mountpoint options
    [optional fields…] - fstype source superoptions. Lines that do not fit are skipped.
    """
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 7 or ":" not in fields[2] or "-" not in fields[6:]:
            continue
        separator = fields.index("-", 6)
        if len(fields) < separator + 3:
            continue
        mounts.append(
            Mount(
                source=_unescape(fields[separator + 2]),
                target=_unescape(fields[4]),
                fstype=fields[separator + 1],
                device=fields[2],
                read_only=_read_only(fields[5], fields[separator + 3] if len(fields) > separator + 3 else ""),
            )
        )
    return tuple(mounts)


def _read_only(mount_options: str, super_options: str) -> bool:
    """Whether the filesystem is read-only: its superblock's options (mounted ro, or remounted
    ro by the kernel after errors). A read-only bind of a writable filesystem, as a systemd
    sandbox (ProtectSystem=strict) makes of /, is ro in its mount options only: not counted."""
    if super_options:
        return "ro" in super_options.split(",")
    return "ro" in mount_options.split(",")


def mountpoints_by_device(mounts: Iterable[Mount]) -> dict[str, tuple[str, ...]]:
    """Given mounts, return "major:minor" → its mountpoints, in mount order."""
    out: dict[str, list[str]] = {}
    for mount in mounts:
        out.setdefault(mount.device, []).append(mount.target)
    return {device: tuple(targets) for device, targets in out.items()}


def _unescape(field: str) -> str:
    return _OCTAL.sub(lambda match: chr(int(match[1], 8)), field)
