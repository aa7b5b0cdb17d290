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
from dataclasses import dataclass
from pathlib import Path

from nodewatch.config import ZfsSettings
from nodewatch.model import PoolStatus, ProbeErrorKind, RawOutput
from nodewatch.parse.json_document import load_json
from nodewatch.parse.zpool_errors import ParseError
from nodewatch.parse.zpool_json import parse_zpool_status_json
from nodewatch.parse.zpool_list import LIST_TEXT_COLUMNS, parse_zpool_list_json, parse_zpool_list_text
from nodewatch.parse.zpool_status import attach_capacity
from nodewatch.parse.zpool_text import parse_zpool_status_text
from nodewatch.probe.result import NO_DEADLINE, Deadline, Reading, Stopwatch
from nodewatch.probe.run import CommandError, CommandResult, run

PROBE_NAME = "zpool"
KSTAT_PROBE_NAME = "kstat"
ZPOOL_TIMEOUT_SECONDS = ZfsSettings().timeout_seconds  # the config's default
VERSION_TIMEOUT_SECONDS = 5.0
STATUS_JSON_ARGS = ("status", "-j", "--json-int", "-v")
STATUS_TEXT_ARGS = ("status", "-P", "-v")
STATUS_OLD_TEXT_ARGS = ("status", "-v")
LIST_JSON_ARGS = ("list", "-j", "--json-int", "-p")
LIST_TEXT_ARGS = ("list", "-Hp", "-o", ",".join(LIST_TEXT_COLUMNS))
ZFS_DEVICE = Path("/dev/zfs")
KSTAT_DIRECTORY = Path("proc/spl/kstat/zfs")  # under root

_VERSION = re.compile(r"zfs-(?:kmod-)?(?P<version>\d+\.\d+(?:\.\d+)?)")
# What zpool prints when libzfs cannot reach the kernel (libzfs_error_init): the module is not
# loaded or cannot be, /dev/zfs is missing, or the library failed to initialise.
_NO_ZFS = re.compile(
    r"modules are not loaded|modules cannot be auto-loaded|modprobe zfs|kernel module"
    r"|/dev/zfs (?:and /proc/self/mounts are required|device is missing)"
    r"|failed to initiali[sz]e (?:the )?(?:libzfs|ZFS) library",
    re.IGNORECASE,
)
_DENIED = re.compile(r"permission denied|not permitted|must be run as root", re.IGNORECASE)
_NO_POOLS = "no pools available"


@dataclass(frozen=True, slots=True)
class Zpool:
    """What the zpool probe read: the userland version and the pools (None when unreadable)."""

    version: str | None = None  # "2.3.2"; None when `zpool version` cannot tell (ZoL < 0.8)
    pool_status: PoolStatus | None = None


def read_pools(
    zpool: str = "zpool",
    timeout: float = ZPOOL_TIMEOUT_SECONDS,
    *,
    deadline: Deadline = NO_DEADLINE,
    dev_zfs: Path = ZFS_DEVICE,
) -> Reading[Zpool]:
    """Given the zpool program and the timeout of one call, return the version and the
    pools with capacity, how the probe went, and the raw outputs.

    `zpool version` runs once: it gives the version and says whether `status -j`
    works. Never raises: the value's pool_status is None when the pools could not
    be read, and the result says why — NO_DATA/NOT_INSTALLED when there is no zpool
    program, FAILED with ZFS_UNAVAILABLE when zpool is there but the kernel module
    is not, PERMISSION_DENIED, TIMED_OUT, BAD_OUTPUT or COMMAND_FAILED otherwise.
    """
    watch = Stopwatch(PROBE_NAME)
    raw: list[RawOutput] = []

    def failed(kind: ProbeErrorKind, reason: str, version: str | None = None) -> Reading[Zpool]:
        return Reading(Zpool(version), watch.failed(kind, reason), tuple(raw))

    if shutil.which(zpool) is None and not Path(zpool).exists():
        reason = f"no zpool program ({zpool!r} not found in PATH)"
        return Reading(Zpool(), watch.no_data(ProbeErrorKind.NOT_INSTALLED, reason))
    try:
        version = _userland_version(zpool, deadline.timeout(min(timeout, VERSION_TIMEOUT_SECONDS)), raw)
    except CommandError as err:
        return failed(err.kind, _command_failure(err))
    use_json = _has_json(version)
    status_args = STATUS_JSON_ARGS if use_json else STATUS_TEXT_ARGS
    # `zpool list` (capacity only) runs beside `zpool status`: a pass woken by a pulled disk
    # waits for the slower of the two, not for both one after the other.
    listing = _Listing(zpool, LIST_JSON_ARGS if use_json else LIST_TEXT_ARGS, deadline.timeout(timeout))
    try:
        status = run([zpool, *status_args], deadline.timeout(timeout))
        if not use_json and status.returncode == 2 and "invalid option" in status.stderr:
            # ZoL before 0.6.4 has no -P: names only, paths unknown.
            raw.append(status.raw(PROBE_NAME))
            status = run([zpool, *STATUS_OLD_TEXT_ARGS], deadline.timeout(timeout))
    except CommandError as err:
        return failed(err.kind, _command_failure(err), version)
    raw.append(status.raw(PROBE_NAME))
    failure = _status_failure(status, dev_zfs)
    if failure is not None:
        return failed(*failure, version)
    try:
        if use_json:
            pools = parse_zpool_status_json(status.stdout, source=status.command_line, now=time.time())
        else:
            pools = parse_zpool_status_text(status.stdout, source=status.command_line)
    except ParseError as err:
        reason = f"`{status.command_line}` printed something unreadable: {err.reason}"
        return failed(ProbeErrorKind.BAD_OUTPUT, reason, version)
    if not pools.pools and not _says_no_pools(status, use_json) and status.stdout.strip():
        reason = f"`{status.command_line}` printed no pool this version of nodewatch understands"
        return failed(ProbeErrorKind.BAD_OUTPUT, reason, version)
    pools = _with_capacity(pools, use_json, listing.result(), raw)
    return Reading(Zpool(version, pools), watch.ok(), tuple(raw))


def detect_json_support(zpool_command: str, timeout: float = VERSION_TIMEOUT_SECONDS) -> bool:
    """Given the zpool program, say whether it supports `zpool status -j`
    (OpenZFS ≥ 2.3). Asks `zpool version` (cheap, no pool access); an
    unreadable answer means text, which every version prints."""
    try:
        return _has_json(_userland_version(zpool_command, timeout, []))
    except CommandError:
        return False


def _has_json(version: str | None) -> bool:
    if version is None:
        return False
    major, minor = (int(part) for part in version.split(".")[:2])
    return (major, minor) >= (2, 3)


def read_kstat_state(pool: str, root: Path = Path("/")) -> str | None:
    """Given a pool name, return its state from /proc/spl/kstat/zfs/<pool>/state
    (`ONLINE`, `SUSPENDED`, …) without running zpool: cheap enough to poll
    often, and it answers even when zpool would hang. None if not there."""
    if not pool or "/" in pool or pool in (".", ".."):
        return None
    try:
        text = (root / KSTAT_DIRECTORY / pool / "state").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return text.strip() or None


def read_kstat_states(root: Path = Path("/")) -> dict[str, str]:
    """Return the kstat state of every imported pool, by name."""
    base = root / KSTAT_DIRECTORY
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


def read_kstat(root: Path = Path("/")) -> Reading[dict[str, str]]:
    """The kstat probe: every imported pool's state from /proc, without running zpool.

    No /proc/spl/kstat/zfs is an empty answer, not a failure: no pool is imported
    (or ZFS is not loaded, which the zpool probe tells)."""
    watch = Stopwatch(KSTAT_PROBE_NAME)
    return Reading(read_kstat_states(root), watch.ok())


def _userland_version(zpool_command: str, timeout: float, raw: list[RawOutput]) -> str | None:
    """Return the version `zpool version` prints, None if it cannot tell; raise CommandError
    if zpool cannot be run or hangs (then `zpool status` would hang too: not tried).

    A long-running process (the service) asks once per zpool program and kernel module: the
    answer is kept under what would change it (the program file's identity, the loaded
    module's version), so an upgrade or a module reload asks again. Half a second of a
    small node's CPU saved on every pass, and on the pass a pulled disk wakes."""
    identity = _version_identity(zpool_command)
    kept = _VERSIONS.get(identity) if identity is not None else None
    if kept is not None:
        raw.append(kept[1])
        return kept[0]
    result = run([zpool_command, "version"], timeout)
    raw.append(result.raw(PROBE_NAME))
    if result.returncode != 0:
        return None
    match = _VERSION.search(result.stdout)
    version = match["version"] if match else None
    if identity is not None:
        _VERSIONS.clear()  # one zpool program per process: keep only the newest answer
        _VERSIONS[identity] = (version, result.raw(PROBE_NAME))
    return version


# (program path, inode, size, mtime, module version) → what `zpool version` said, and its output
_VERSIONS: dict[tuple[object, ...], tuple[str | None, RawOutput]] = {}
MODULE_VERSION = Path("/sys/module/zfs/version")


def _version_identity(zpool_command: str) -> tuple[object, ...] | None:
    """What `zpool version`'s answer depends on, or None when it cannot be told (then ask)."""
    program = shutil.which(zpool_command) or zpool_command
    try:
        info = Path(program).stat()
        module = MODULE_VERSION.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    return (program, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, module)


def _command_failure(err: CommandError) -> str:
    if err.kind is ProbeErrorKind.TIMED_OUT:
        return f"{err}: a suspended pool or a hung disk can do this; see `dmesg`"
    return str(err)


def _status_failure(status: CommandResult, dev_zfs: Path) -> tuple[ProbeErrorKind, str] | None:
    """Given a finished `zpool status`, return (error kind, reason) if it failed."""
    if status.returncode == 0:
        return None
    stderr = " ".join(status.stderr.split()) or "(no message)"
    # "Unable to open /dev/zfs: Permission denied." names the device too: permission first.
    if _DENIED.search(stderr):
        return (
            ProbeErrorKind.PERMISSION_DENIED,
            f"permission denied reading pools ({stderr}); run as root or fix {dev_zfs}",
        )
    if _NO_ZFS.search(stderr) or not dev_zfs.exists():
        return (
            ProbeErrorKind.ZFS_UNAVAILABLE,
            f"zpool is installed but cannot reach ZFS (kernel module not loaded, or no {dev_zfs}): {stderr}",
        )
    if _says_no_pools(status):
        return None
    return ProbeErrorKind.COMMAND_FAILED, f"`{status.command_line}` exited {status.returncode}: {stderr}"


def _says_no_pools(status: CommandResult, use_json: bool = False) -> bool:
    if use_json:
        # OpenZFS 2.3 with no pool imported prints `{"output_version": …, "pools": {}}`.
        try:
            document = load_json(status.stdout)
        except ValueError:
            return False
        return isinstance(document, dict) and document.get("pools") == {}
    return _NO_POOLS in status.stdout or _NO_POOLS in status.stderr


class _Listing:
    """`zpool list` run on a thread of its own; result() waits for it (None: it could not run)."""

    def __init__(self, zpool: str, args: tuple[str, ...], timeout: float) -> None:
        import threading

        self._result: CommandResult | None = None
        self._thread = threading.Thread(target=self._run, args=([zpool, *args], timeout), daemon=True)
        self._thread.start()

    def _run(self, argv: list[str], timeout: float) -> None:
        try:
            self._result = run(argv, timeout)
        except CommandError:
            self._result = None

    def result(self) -> CommandResult | None:
        self._thread.join()
        return self._result


def _with_capacity(
    pools: PoolStatus, use_json: bool, listing: CommandResult | None, raw: list[RawOutput]
) -> PoolStatus:
    # Capacity is a bonus: a failing `zpool list` leaves it unknown, not the pools unavailable.
    if listing is None:
        return pools
    raw.append(listing.raw(PROBE_NAME))
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
