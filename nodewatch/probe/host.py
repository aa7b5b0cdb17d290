"""Facts about the node itself: its name, its clock, and what is mounted."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

from nodewatch.model import Mount
from nodewatch.parse.mounts import parse_mountinfo


def hostname() -> str:
    return socket.gethostname()


def clocks() -> tuple[datetime, datetime]:
    """Return (now in UTC, the node's local wall time, naive): zpool prints local times."""
    now = datetime.now(UTC)
    return now, now.astimezone().replace(tzinfo=None)


def read_mounts(root: Path = Path("/")) -> tuple[Mount, ...]:
    try:
        return parse_mountinfo((root / "proc/self/mountinfo").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return ()  # not Linux, or /proc hidden: export advice then says less, nothing breaks


def boot_time(root: Path = Path("/")) -> datetime | None:
    """Return when the node booted (aware UTC), from /proc/stat's btime; None where there is none."""
    try:
        text = (root / "proc/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("btime "):
            value = line.split()[1]
            return datetime.fromtimestamp(int(value), UTC) if value.isdigit() else None
    return None
