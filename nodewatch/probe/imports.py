"""The pools that should be imported here, and what `zpool import` finds of them.

Expected pools come from the cache file the boot import reads (`zdb -C -U`),
the boot's own `cannot import '<pool>': …` lines (journal of
zfs-import-cache / zfs-import-scan) and the config (`[zfs] expected_pools`,
which the NixOS module fills). Only when one of them is not imported does the
probe list what the disks hold: `zpool import -d /dev/disk/by-id`, then plain
`zpool import` if that does not find it. Both are listings (no pool name):
read-only, but they scan every disk, so they run only then, and the service
runs this probe at start and after disk events, not on every cycle.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from nodewatch.config import ZfsSettings
from nodewatch.model import (
    ExpectedFrom,
    ExpectedPool,
    Guid,
    Pool,
    PoolSource,
    PoolStatus,
    ProbeErrorKind,
    RawOutput,
)
from nodewatch.parse.zpool_cache import parse_zpool_cache
from nodewatch.parse.zpool_import import cannot_import, parse_zpool_import
from nodewatch.probe.result import NO_DEADLINE, Deadline, Reading, Stopwatch
from nodewatch.probe.run import CommandError, run

NAME = "imports"
# zfs-import-cache / zfs-import-scan (Debian, Ubuntu), zfs-import-<pool> (NixOS): a pattern.
BOOT_IMPORT_UNITS = ("zfs-import*",)
SEARCH_DIR = "/dev/disk/by-id"
_SMALL_TIMEOUT = 10.0  # zdb reads one file, journalctl one boot's lines of two units


@dataclass(frozen=True, slots=True)
class Imports:
    """What the probe read: the pools that should be imported, and the listing (None: not run)."""

    expected: tuple[ExpectedPool, ...] = ()
    importable: PoolStatus | None = None


def read_imports(
    settings: ZfsSettings,
    imported: PoolStatus | None,
    *,
    deadline: Deadline = NO_DEADLINE,
    root: Path = Path("/"),
    journalctl: str = "journalctl",
) -> Reading[Imports]:
    """Given the [zfs] settings and the pools `zpool status` showed (None: it could not
    tell), return the expected pools and, when one is not imported, the import listing."""
    watch = Stopwatch(NAME)
    zpool = settings.zpool_command
    if shutil.which(zpool) is None and not Path(zpool).exists():
        return Reading(
            Imports(), watch.no_data(ProbeErrorKind.NOT_INSTALLED, f"no zpool program ({zpool!r})")
        )
    raw: list[RawOutput] = []
    sources: dict[str, dict[ExpectedFrom, None]] = {}
    guids: dict[str, Guid] = {}
    paths: dict[str, tuple[str, ...]] = {}
    problems: list[str] = []

    def expect(name: str, source: ExpectedFrom) -> None:
        sources.setdefault(name, {})[source] = None

    if (root / settings.cache_file.lstrip("/")).is_file():
        text = _output(
            [_zdb(zpool), "-C", "-U", settings.cache_file], deadline.timeout(_SMALL_TIMEOUT), raw, problems
        )
        for pool in parse_zpool_cache(text or ""):
            expect(pool.name, ExpectedFrom.CACHE_FILE)
            if pool.guid is not None:
                guids[pool.name] = pool.guid
            paths[pool.name] = pool.paths
    boot_errors: dict[str, str] = {}
    # The boot journal exists where systemd runs the node (not in a container or a test root).
    if (root / "run/systemd/system").is_dir() and shutil.which(journalctl) is not None:
        units = [arg for unit in BOOT_IMPORT_UNITS for arg in ("-u", unit)]
        argv = [journalctl, "-b", "--no-pager", "-o", "cat", *units]
        text = _output(argv, deadline.timeout(_SMALL_TIMEOUT), raw, problems)
        boot_errors = cannot_import(text or "")
        for name in boot_errors:
            expect(name, ExpectedFrom.BOOT_IMPORT)
    for name in settings.expected_pools:
        expect(name, ExpectedFrom.CONFIG)
    expected = tuple(
        ExpectedPool(
            name=name,
            guid=guids.get(name),
            sources=tuple(found),
            boot_error=boot_errors.get(name),
            member_paths=paths.get(name, ()),
        )
        for name, found in sources.items()
    )
    importable = None
    if imported is not None:
        missing = {pool.name for pool in expected} - {pool.name for pool in imported.pools}
        if missing:
            importable = _listing(
                zpool, settings.timeout_seconds, missing, deadline=deadline, raw=raw, problems=problems
            )
    result = watch.failed(ProbeErrorKind.COMMAND_FAILED, "; ".join(problems)) if problems else watch.ok()
    return Reading(Imports(expected, importable), result, tuple(raw))


def _zdb(zpool: str) -> str:
    """zdb ships beside zpool (zfsutils): a full path to zpool means zdb is in the same place."""
    return str(Path(zpool).with_name("zdb")) if "/" in zpool else "zdb"


def _output(argv: list[str], timeout: float, raw: list[RawOutput], problems: list[str]) -> str | None:
    try:
        result = run(argv, timeout)
    except CommandError as err:
        problems.append(str(err))
        return None
    raw.append(result.raw(NAME))
    if result.returncode != 0:
        problems.append(f"`{result.command_line}` exited {result.returncode}: {result.stderr.strip()[:200]}")
        return None
    return result.stdout


def _listing(
    zpool: str,
    timeout: float,
    missing: set[str],
    *,
    deadline: Deadline,
    raw: list[RawOutput],
    problems: list[str],
) -> PoolStatus | None:
    """The pools the disks hold, by-id first; None when no listing could be read."""
    pools: dict[str, Pool] = {}
    read_any = False
    for args in (["import", "-d", SEARCH_DIR], ["import"]):
        if read_any and missing <= set(pools):
            break
        text = _output([zpool, *args], deadline.timeout(timeout), raw, problems)
        if text is None:
            continue
        read_any = True
        for pool in parse_zpool_import(text).pools:
            pools.setdefault(pool.name, pool)
    if not read_any:
        return None
    return PoolStatus(pools=tuple(pools.values()), source=PoolSource.TEXT)
