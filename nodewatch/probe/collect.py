"""One collection pass: the probes of the registry, into a Snapshot, by a deadline.

The probes (PROBES, in the order a Snapshot lists them):

| name     | reads                                              | needs  |
|----------|----------------------------------------------------|--------|
| zpool    | `zpool version`, `zpool status`, `zpool list`       |        |
| kstat    | /proc/spl/kstat/zfs/<pool>/state                    |        |
| mounts   | /proc/self/mountinfo                                |        |
| udev     | the udev database (pyudev): block devices          | mounts |
| smartctl | `smartctl -x -j` of each disk, a few at once       | udev   |
| imports  | pools that should be imported (cache file, boot     | zpool  |
|          | journal, config); `zpool import` listing if missing |        |
| power    | the Pi firmware's get_throttled (sysfs, vcgencmd)   |        |
| thermal  | thermal zones and hwmon temperatures                |        |
| flash    | an eMMC's life_time and pre_eol_info (sysfs)        |        |
| space    | statvfs of /, /boot, /nix                           | mounts |
| nixos    | /run/booted-system vs /run/current-system           |        |
| kernel_log | this boot's kernel log since the previous pass's  |        |
|          | cursor (journalctl -k, else /dev/kmsg kept open)    |        |
| btrfs    | `btrfs` filesystem show, device stats, scrub status, | mounts |
|          | filesystem usage of each mounted btrfs filesystem   |        |

Each probe runs in a thread of its own as soon as what it needs is read, so
a hung zpool and a hung smartctl wait side by side, not one after the other.
Every command a probe runs gets its own timeout, cut to what is left of the
pass's deadline; past the deadline nothing new starts and a hung command's
process group is killed (probe/run.py). Each value is read once a pass: one
`zpool version`, one read of mountinfo, one inventory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from nodewatch.config import Config
from nodewatch.model import Inventory, Mount, ProbeErrorKind, ProbeOutcome, ProbeResult, SmartInfo, Snapshot
from nodewatch.parse.inventory import DiskRecords, build_inventory, sort_records
from nodewatch.probe import btrfs, host, imports, kernel_log, node_health, smartctl, udev, zpool
from nodewatch.probe.result import Deadline, Reading, Stopwatch

log = logging.getLogger(__name__)
# A probe thread still running this long after the deadline is left behind and reported
# as timed out (every command has its own timeout: this is for a hang inside Python).
_GRACE_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Pass:
    """What every probe of one pass shares: the settings, the deadline, where / is."""

    config: Config
    deadline: Deadline
    root: Path
    readings: Mapping[str, Callable[[], Reading[Any]]]  # a needed probe's reading, waited for
    previous: Snapshot | None = None  # the pass before (the kernel log goes on from its cursor)

    def value(self, name: str) -> Any:
        return self.readings[name]().value


@dataclass(frozen=True, slots=True)
class Probe:
    name: str
    needs: tuple[str, ...]
    read: Callable[[Pass], Reading[Any]]
    # Its reading as a previous Snapshot kept it, for a partial pass; None: not kept, read again.
    recall: Callable[[Snapshot], Any] | None = None


def _read_zpool(context: Pass) -> Reading[Any]:
    settings = context.config.zfs
    return zpool.read_pools(settings.zpool_command, settings.timeout_seconds, deadline=context.deadline)


def _read_kstat(context: Pass) -> Reading[Any]:
    return zpool.read_kstat(context.root)


def _read_mounts(context: Pass) -> Reading[Any]:
    return host.read_mounts(context.root)


def _read_udev(context: Pass) -> Reading[Any]:
    devices = udev.read_block_devices(context.root, context.value("mounts") or ())
    records = sort_records(devices.value) if devices.ok and devices.value is not None else None
    return Reading(records, devices.result, devices.raw)


def _read_smartctl(context: Pass) -> Reading[Any]:
    records: DiskRecords | None = context.value("udev")
    settings = context.config.smart
    watch = Stopwatch(smartctl.NAME)
    if records is None:
        reason = "no disks known: udev unavailable"
        return Reading(None, watch.no_data(ProbeErrorKind.ABSENT, reason), skipped=True)
    if not settings.enabled:
        reason = "disabled in the config ([smart] enabled)"
        return Reading(None, watch.no_data(ProbeErrorKind.ABSENT, reason), skipped=True)
    return smartctl.read_all(
        records.smart_targets(),
        command=settings.smartctl_command,
        timeout=settings.timeout_seconds,
        deadline=context.deadline,
    )


def _read_imports(context: Pass) -> Reading[Any]:
    zfs: zpool.Zpool | None = context.value(zpool.PROBE_NAME)
    return imports.read_imports(
        context.config.zfs, zfs.pool_status if zfs else None, deadline=context.deadline, root=context.root
    )


def _read_power(context: Pass) -> Reading[Any]:
    return node_health.read_throttling(context.root, deadline=context.deadline)


def _read_thermal(context: Pass) -> Reading[Any]:
    return node_health.read_temperatures(context.root)


def _read_flash(context: Pass) -> Reading[Any]:
    return node_health.read_flash_wear(context.root)


def _read_space(context: Pass) -> Reading[Any]:
    return node_health.read_filesystems(context.root, context.value(host.MOUNTS_PROBE_NAME) or ())


def _read_kernel_log(context: Pass) -> Reading[Any]:
    previous = context.previous.kernel_log if context.previous else None
    return kernel_log.read_kernel_log(previous, context.root, deadline=context.deadline)


def _read_nixos(context: Pass) -> Reading[Any]:
    return node_health.read_nixos(context.root)


def _read_btrfs(context: Pass) -> Reading[Any]:
    settings = context.config.btrfs
    return btrfs.read_filesystems(
        context.value(host.MOUNTS_PROBE_NAME) or (),
        settings.btrfs_command,
        settings.timeout_seconds,
        deadline=context.deadline,
    )


def _smart_of(snapshot: Snapshot) -> dict[str, SmartInfo]:
    return {disk.devnode: disk.smart for disk in snapshot.disks if disk.smart is not None}


PROBES: dict[str, Probe] = {
    probe.name: probe
    for probe in (
        Probe(
            zpool.PROBE_NAME,
            (),
            _read_zpool,
            lambda snap: zpool.Zpool(snap.zfs_version, snap.pool_status),
        ),
        Probe(zpool.KSTAT_PROBE_NAME, (), _read_kstat, lambda snap: dict(snap.kstat_states)),
        Probe(host.MOUNTS_PROBE_NAME, (), _read_mounts, lambda snap: snap.mounts),
        Probe(udev.NAME, (host.MOUNTS_PROBE_NAME,), _read_udev),
        Probe(smartctl.NAME, (udev.NAME,), _read_smartctl, _smart_of),
        Probe(
            imports.NAME,
            (zpool.PROBE_NAME,),
            _read_imports,
            lambda snap: imports.Imports(snap.expected_pools, snap.importable),
        ),
        Probe(node_health.POWER, (), _read_power, lambda snap: snap.throttling),
        Probe(node_health.THERMAL, (), _read_thermal, lambda snap: snap.temperatures),
        Probe(node_health.FLASH, (), _read_flash, lambda snap: snap.flash_wear),
        Probe(node_health.SPACE, (host.MOUNTS_PROBE_NAME,), _read_space, lambda snap: snap.filesystems),
        Probe(node_health.NIXOS, (), _read_nixos, lambda snap: snap.nixos),
        Probe(kernel_log.NAME, (), _read_kernel_log, lambda snap: snap.kernel_log),
        Probe(btrfs.NAME, (host.MOUNTS_PROBE_NAME,), _read_btrfs, lambda snap: snap.btrfs),
    )
}


def default_deadline(config: Config) -> float:
    """The deadline of a pass when none is given: the longest timeout of one command (the
    [zfs] and [smart] timeout_seconds), since the probes wait side by side. Each `btrfs` call
    has [btrfs] timeout_seconds, cut to what is left of the pass."""
    return max(config.zfs.timeout_seconds, config.smart.timeout_seconds)


def collect(
    config: Config,
    root: Path = Path("/"),
    *,
    only: Collection[str] | None = None,
    previous: Snapshot | None = None,
    deadline_seconds: float | None = None,
) -> Snapshot:
    """Given the config, look at this node once and return what was seen, within the deadline.

    - `only`: names from PROBES to read again (e.g. {"udev"} after a udev event, {"kstat"}
      between zpool passes, {"smartctl"} every few hours); everything else is taken from
      `previous`, which must then be given. A needed probe that a Snapshot does not keep
      (udev's records) is read too. After {"udev"} alone, each drive keeps its SMART from
      `previous`, at whatever devnode it is now (known by a by-id name in common).
    - `deadline_seconds`: the whole pass ends within it (default: default_deadline(config)).
    - `root`: where /proc and /run/udev are looked up (a fake root in tests).

    Never raises for what the node does: a probe that fails makes the Snapshot poorer
    and its ProbeResult says why. Raise ValueError for an unknown probe name, or `only`
    without `previous`.
    """
    wanted = set(PROBES) if only is None else set(only)
    unknown = wanted - set(PROBES)
    if unknown:
        raise ValueError(f"unknown probe(s) {', '.join(sorted(unknown))}; known: {', '.join(PROBES)}")
    if only is not None and previous is None:
        raise ValueError("collect(only=…) re-reads part of a previous Snapshot: give previous=")
    deadline = Deadline(default_deadline(config) if deadline_seconds is None else deadline_seconds)
    collected_at, local_time = host.clocks()
    to_run = _with_needs(wanted, previous)
    readings = _run(to_run, previous, config, deadline, root)
    return _snapshot(readings, to_run, previous, collected_at, local_time)


def _with_needs(wanted: set[str], previous: Snapshot | None) -> list[str]:
    """The probes to run, in registry order: the wanted ones and what they need that
    cannot be recalled from `previous`."""
    names = set(wanted)
    for name in reversed(PROBES):
        if name in names:
            for need in PROBES[name].needs:
                if previous is None or PROBES[need].recall is None:
                    names.add(need)
    return [name for name in PROBES if name in names]


def _run(
    names: list[str], previous: Snapshot | None, config: Config, deadline: Deadline, root: Path
) -> dict[str, Reading[Any]]:
    done: dict[str, Reading[Any]] = {}
    finished = {name: threading.Event() for name in names}

    def waited(name: str) -> Callable[[], Reading[Any]]:
        def get() -> Reading[Any]:
            if name in finished:
                finished[name].wait(deadline.timeout(3600) + _GRACE_SECONDS)
                return done.get(name) or _left_behind(name, deadline)
            return _recalled(name, previous)

        return get

    context = Pass(config, deadline, root, {name: waited(name) for name in PROBES}, previous)

    def work(probe: Probe) -> None:
        try:
            done[probe.name] = reading = probe.read(context)
            result = reading.result
            log.debug(
                "probe %s: %s%s in %.3f s",
                probe.name,
                result.outcome.value,
                f" ({result.error_kind.value}: {result.reason})" if result.error_kind else "",
                result.duration_seconds,
            )
        except Exception as err:  # a bug in a probe must not take the pass down
            log.exception("probe %s raised", probe.name)
            reason = f"probe raised {type(err).__name__}: {err}"
            done[probe.name] = Reading(None, Stopwatch(probe.name).failed(ProbeErrorKind.READ_FAILED, reason))
        finally:
            finished[probe.name].set()

    for name in names:
        # daemon: a probe hung inside Python must not keep the process alive past the deadline
        threading.Thread(target=work, args=(PROBES[name],), name=f"probe-{name}", daemon=True).start()
    return {name: waited(name)() for name in names}


def _left_behind(name: str, deadline: Deadline) -> Reading[Any]:
    log.warning("probe %s still running past the deadline: left behind", name)
    reason = f"{name} did not finish within the {deadline.seconds:g} s deadline of the pass"
    return Reading(None, ProbeResult(name, ProbeOutcome.FAILED, reason, 0.0, ProbeErrorKind.TIMED_OUT))


def _recalled(name: str, previous: Snapshot | None) -> Reading[Any]:
    """A probe's reading as `previous` kept it (value, result, raw outputs)."""
    probe = PROBES[name]
    not_read = ProbeResult(name, ProbeOutcome.NO_DATA, f"{name} was not read", 0.0, ProbeErrorKind.ABSENT)
    if previous is None:
        return Reading(None, not_read)
    result = next((r for r in previous.probes if r.name == name), not_read)
    raw = tuple(r for r in previous.raw if r.probe == name)
    return Reading(probe.recall(previous) if probe.recall else None, result, raw)


def _snapshot(
    readings: dict[str, Reading[Any]],
    ran: list[str],
    previous: Snapshot | None,
    collected_at: datetime,
    local_time: datetime,
) -> Snapshot:
    every = {name: readings.get(name) or _recalled(name, previous) for name in PROBES}
    zfs: zpool.Zpool = every[zpool.PROBE_NAME].value or zpool.Zpool()
    inventory = _inventory(every, ran, previous)
    mounts: tuple[Mount, ...] = every[host.MOUNTS_PROBE_NAME].value or ()
    found: imports.Imports = every[imports.NAME].value or imports.Imports()
    results = tuple(
        reading.result
        for name, reading in every.items()
        if not reading.skipped
        and (name in ran or any(r.name == name for r in (previous.probes if previous else ())))
    )
    return Snapshot(
        hostname=host.hostname(),
        collected_at=collected_at,
        local_time=local_time,
        zfs_version=zfs.version,
        pool_status=zfs.pool_status,
        inventory=inventory,
        mounts=mounts,
        btrfs=every[btrfs.NAME].value or (),
        kstat_states=every[zpool.KSTAT_PROBE_NAME].value or {},
        expected_pools=found.expected,
        importable=found.importable,
        throttling=every[node_health.POWER].value,
        temperatures=every[node_health.THERMAL].value or (),
        flash_wear=every[node_health.FLASH].value or (),
        filesystems=every[node_health.SPACE].value or (),
        nixos=every[node_health.NIXOS].value,
        kernel_log=every[kernel_log.NAME].value,
        probes=results,
        raw=tuple(raw for reading in every.values() for raw in reading.raw),
    )


def _inventory(every: dict[str, Reading[Any]], ran: list[str], previous: Snapshot | None) -> Inventory | None:
    if udev.NAME not in ran:
        return previous.inventory if previous else None
    records: DiskRecords | None = every[udev.NAME].value
    if records is None:
        return None
    smart: dict[str, SmartInfo] | None = every[smartctl.NAME].value
    if smartctl.NAME not in ran and smart and previous is not None:
        smart = _same_drives(smart, records, previous)
    return build_inventory(records, smart_by_devnode=smart)


def _same_drives(
    smart: dict[str, SmartInfo], records: DiskRecords, previous: Snapshot
) -> dict[str, SmartInfo]:
    """SMART of `previous` given to the devnode its drive is at now, known by a by-id name in
    common (disks renumber when one comes and goes); a drive not known before gets none."""
    by_name = {
        link.name: smart[disk.devnode]
        for disk in previous.disks
        if disk.devnode in smart
        for link in disk.by_id
    }
    kept = {}
    for target in records.smart_targets():
        found = next((by_name[name] for name in target.by_id if name in by_name), None)
        if found is not None:
            kept[target.devnode] = found
    return kept


DISK_PROBES = (host.MOUNTS_PROBE_NAME, udev.NAME, smartctl.NAME)


def read_inventory(
    config: Config, root: Path = Path("/"), *, deadline_seconds: float | None = None
) -> tuple[Inventory | None, tuple[ProbeResult, ...]]:
    """The disks of this node (`nodewatch disks`): the disk probes of a pass, and how they went.
    The inventory is None when udev could not be read (the results say why)."""
    deadline = Deadline(default_deadline(config) if deadline_seconds is None else deadline_seconds)
    readings = _run(list(DISK_PROBES), None, config, deadline, root)
    inventory = _inventory(readings, list(DISK_PROBES), None)
    return inventory, tuple(
        readings[name].result for name in (udev.NAME, smartctl.NAME) if not readings[name].skipped
    )
