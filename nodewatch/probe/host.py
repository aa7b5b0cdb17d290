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
