"""Facts about the node itself: its name, its clock, and what is mounted."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

from nodewatch.model import Mount, ProbeErrorKind
from nodewatch.parse.mounts import parse_mountinfo
from nodewatch.probe.result import Reading, Stopwatch

MOUNTS_PROBE_NAME = "mounts"
MOUNTINFO = Path("proc/self/mountinfo")  # under root


def hostname() -> str:
    return socket.gethostname()


def clocks() -> tuple[datetime, datetime]:
    """Return (now in UTC, the node's local wall time, naive): zpool prints local times."""
    now = datetime.now(UTC)
    return now, now.astimezone().replace(tzinfo=None)


def read_mounts(root: Path = Path("/")) -> Reading[tuple[Mount, ...]]:
    """The mounts probe: /proc/self/mountinfo, read once a pass (datasets in use, partitions'
    mountpoints). Without it (not Linux, /proc hidden) export advice says less, nothing breaks."""
    watch = Stopwatch(MOUNTS_PROBE_NAME)
    path = root / MOUNTINFO
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return Reading((), watch.no_data(ProbeErrorKind.ABSENT, f"no {path}"))
    except PermissionError as err:
        return Reading(
            (), watch.failed(ProbeErrorKind.PERMISSION_DENIED, f"cannot read {path}: {err.strerror}")
        )
    except OSError as err:
        return Reading((), watch.failed(ProbeErrorKind.READ_FAILED, f"cannot read {path}: {err.strerror}"))
    return Reading(parse_mountinfo(text), watch.ok())


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


def software_versions(
    zpool: str = "zpool", smartctl: str = "smartctl", timeout: float = 5.0
) -> dict[str, str]:
    """What a bug report needs: the first line `zpool version` and `smartctl --version`
    print (userland and kernel module for ZFS), or why there is none."""
    import platform

    from nodewatch.probe.run import CommandError, run

    versions = {"python": f"{platform.python_implementation()} {platform.python_version()}"}
    for name, argv in (("zfs", [zpool, "version"]), ("smartmontools", [smartctl, "--version"])):
        try:
            result = run(argv, timeout)
        except CommandError as err:
            versions[name] = f"not found ({err})"
            continue
        lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
        if name == "zfs":
            versions[name] = ", ".join(lines[:2]) or f"unknown (`{result.command_line}` printed nothing)"
        else:
            versions[name] = lines[0] if lines else f"unknown (`{result.command_line}` printed nothing)"
    return versions
