"""The zpool probe: run `zpool` (time-limited, LC_ALL=C) and parse what it says.

Which invocation is used:
- OpenZFS ≥ 2.3 (`zpool status -j` works): `zpool status -j --json-int -v`
  and `zpool list -j --json-int -p` for capacity.
- older ZFS: `zpool status -P -v` text and `zpool list -Hp -o
  name,size,allocated,free,fragmentation,capacity`.

Every failure becomes a ProbeResult with a reason a person can act on —
no zpool program, no /dev/zfs, permission denied, a hung pool (timeout),
output that is not what zpool prints — never a traceback. No libzfs binding
is used (docs/pools.md says why).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from nodewatch.config import Config
from nodewatch.model import PoolStatus, ProbeOutcome, ProbeResult, RawOutput
from nodewatch.parse.zpool_errors import ParseError
from nodewatch.parse.zpool_json import parse_zpool_status_json
from nodewatch.parse.zpool_list import LIST_TEXT_COLUMNS, parse_zpool_list_json, parse_zpool_list_text
from nodewatch.parse.zpool_status import attach_capacity
from nodewatch.parse.zpool_text import parse_zpool_status_text
from nodewatch.probe.run import CommandError, CommandResult, run

PROBE_NAME = "zpool"
VERSION_TIMEOUT_SECONDS = 5.0
STATUS_JSON_ARGS = ("status", "-j", "--json-int", "-v")
STATUS_TEXT_ARGS = ("status", "-P", "-v")
STATUS_OLD_TEXT_ARGS = ("status", "-v")
LIST_JSON_ARGS = ("list", "-j", "--json-int", "-p")
LIST_TEXT_ARGS = ("list", "-Hp", "-o", ",".join(LIST_TEXT_COLUMNS))
ZFS_DEVICE = Path("/dev/zfs")

_VERSION = re.compile(r"zfs-(?:kmod-)?(?P<version>\d+\.\d+(?:\.\d+)?)")
# Messages zpool (libzfs_init failures) prints when it cannot reach the kernel module.
_NO_MODULE = re.compile(r"modules are not loaded|modprobe zfs|kernel module", re.IGNORECASE)
_DENIED = re.compile(r"permission denied|not permitted|must be run as root", re.IGNORECASE)
_NO_POOLS = "no pools available"


def read_pools(
    config: Config, *, dev_zfs: Path = ZFS_DEVICE
) -> tuple[PoolStatus | None, ProbeResult, list[RawOutput]]:
    """Given the config (its [zfs] zpool_command and timeout_seconds), return
    the pools with capacity, how the probe went, and the raw outputs.

    Never raise: the pools are None when they could not be read, and the
    ProbeResult says why (NO_DATA when ZFS is not there, ERROR when it is but
    failed).
    """
    zpool = config.zfs.zpool_command
    timeout = config.zfs.timeout_seconds
    started = time.monotonic()
    raw: list[RawOutput] = []

    def result(outcome: ProbeOutcome, reason: str | None = None) -> ProbeResult:
        return ProbeResult(PROBE_NAME, outcome, reason, time.monotonic() - started)

    if shutil.which(zpool) is None and not Path(zpool).exists():
        return None, result(ProbeOutcome.NO_DATA, f"no zpool program ({zpool!r} not found in PATH)"), raw
    use_json = detect_json_support(zpool, min(timeout, VERSION_TIMEOUT_SECONDS))
    status_args = STATUS_JSON_ARGS if use_json else STATUS_TEXT_ARGS
    try:
        status = run([zpool, *status_args], timeout)
        if not use_json and status.returncode == 2 and "invalid option" in status.stderr:
            # ZoL before 0.6.4 has no -P: names only, paths unknown.
            raw.append(_raw(status))
            status = run([zpool, *STATUS_OLD_TEXT_ARGS], timeout)
    except CommandError as err:
        return None, result(ProbeOutcome.ERROR, _command_failure(str(err))), raw
    raw.append(_raw(status))
    failure = _status_failure(status, dev_zfs)
    if failure is not None:
        return None, result(*failure), raw
    try:
        if use_json:
            pools = parse_zpool_status_json(status.stdout, source=status.command_line, now=time.time())
        else:
            pools = parse_zpool_status_text(status.stdout, source=status.command_line)
    except ParseError as err:
        reason = f"`{status.command_line}` printed something unreadable: {err.reason}"
        return None, result(ProbeOutcome.ERROR, reason), raw
    if not pools.pools and not _says_no_pools(status) and status.stdout.strip():
        reason = f"`{status.command_line}` printed no pool this version of nodewatch understands"
        return None, result(ProbeOutcome.ERROR, reason), raw
    pools = _with_capacity(zpool, pools, use_json, timeout, raw)
    return pools, result(ProbeOutcome.OK), raw


def detect_json_support(zpool_command: str, timeout: float = VERSION_TIMEOUT_SECONDS) -> bool:
    """Given the zpool program, say whether it supports `zpool status -j`
    (OpenZFS ≥ 2.3). Asks `zpool version` (cheap, no pool access); an
    unreadable answer means text, which every version prints."""
    version = _userland_version(zpool_command, timeout)
    if version is None:
        return False
    major, minor = (int(part) for part in version.split(".")[:2])
    return (major, minor) >= (2, 3)


def read_zfs_version(zpool_command: str = "zpool", timeout: float = VERSION_TIMEOUT_SECONDS) -> str | None:
    """Given the zpool program, return the userland ZFS version (`2.3.2`), or
    None if it cannot be told (ZoL < 0.8 has no `zpool version`)."""
    return _userland_version(zpool_command, timeout)


def read_kstat_state(pool: str, root: Path = Path("/")) -> str | None:
    """Given a pool name, return its state from /proc/spl/kstat/zfs/<pool>/state
    (`ONLINE`, `SUSPENDED`, …) without running zpool: cheap enough to poll
    often, and it answers even when zpool would hang. None if not there."""
    if not pool or "/" in pool or pool in (".", ".."):
        return None
    try:
        text = (root / "proc/spl/kstat/zfs" / pool / "state").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return text.strip() or None


def read_kstat_states(root: Path = Path("/")) -> dict[str, str]:
    """Return the kstat state of every imported pool, by name."""
    base = root / "proc/spl/kstat/zfs"
    try:
        names = sorted(entry.name for entry in base.iterdir() if entry.is_dir())
    except OSError:
        return {}
    states = {}
    for name in names:
        state = read_kstat_state(name, root)
        if state is not None:
            states[name] = state
    return states


def _userland_version(zpool_command: str, timeout: float) -> str | None:
    try:
        result = run([zpool_command, "version"], timeout)
    except CommandError:
        return None
    if result.returncode != 0:
        return None
    match = _VERSION.search(result.stdout)
    return match["version"] if match else None


def _raw(result: CommandResult) -> RawOutput:
    return RawOutput(
        command=result.command_line, stdout=result.stdout, returncode=result.returncode, stderr=result.stderr
    )


def _command_failure(message: str) -> str:
    if "did not finish" in message:
        return f"{message}: a suspended pool or a hung disk can do this; see `dmesg`"
    return message


def _status_failure(status: CommandResult, dev_zfs: Path) -> tuple[ProbeOutcome, str] | None:
    """Given a finished `zpool status`, return (outcome, reason) if it failed."""
    if status.returncode == 0:
        return None
    stderr = " ".join(status.stderr.split()) or "(no message)"
    # "Unable to open /dev/zfs: Permission denied." names the device too: permission first.
    if _DENIED.search(stderr) and dev_zfs.exists():
        return ProbeOutcome.ERROR, f"permission denied reading pools ({stderr}); run as root or fix {dev_zfs}"
    if _NO_MODULE.search(stderr) or not dev_zfs.exists():
        return ProbeOutcome.NO_DATA, f"no {dev_zfs} (ZFS kernel module not loaded): {stderr}"
    if _says_no_pools(status):
        return None
    return ProbeOutcome.ERROR, f"`{status.command_line}` exited {status.returncode}: {stderr}"


def _says_no_pools(status: CommandResult) -> bool:
    return _NO_POOLS in status.stdout or _NO_POOLS in status.stderr


def _with_capacity(
    zpool: str, pools: PoolStatus, use_json: bool, timeout: float, raw: list[RawOutput]
) -> PoolStatus:
    # Capacity is a bonus: a failing `zpool list` leaves it unknown, not the pools unavailable.
    args = LIST_JSON_ARGS if use_json else LIST_TEXT_ARGS
    try:
        listing = run([zpool, *args], timeout)
    except CommandError:
        return pools
    raw.append(_raw(listing))
    if listing.returncode != 0:
        return pools
    try:
        if use_json:
            capacities = parse_zpool_list_json(listing.stdout)
        else:
            capacities = parse_zpool_list_text(listing.stdout)
    except ParseError:
        return pools
    return attach_capacity(pools, capacities)
