"""/metrics: the Status in Prometheus' text format, through prometheus-client.

Names and units follow Prometheus' conventions (base units, `_total` only on
counters, `_info` series with value 1 for labels, timestamps rather than
ages); docs/prometheus/README.md lists every metric. Enum states are one-hot
over the states ZFS knows (like node_exporter's node_zfs_zpool_state), so a
series never vanishes when a pool changes state. Only what the report holds
is exported: nothing is re-derived, and a fact that is not known (no SMART,
no scrub yet) has no series rather than a made-up 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from nodewatch import __version__
from nodewatch.diagnose.smart import SmartHealth, judge
from nodewatch.model import (
    Disk,
    Pool,
    ProbeOutcome,
    Report,
    ScanFunction,
    ScanState,
    Severity,
    Snapshot,
    ThrottleBit,
    VdevType,
)
from nodewatch.web.source import Status, StatusSource

# The states `zpool status` prints (model.py), lower-cased as node_exporter does.
POOL_STATES = ("online", "degraded", "faulted", "offline", "unavail", "removed", "suspended")
SPARE_STATES = ("avail", "inuse", "faulted", "unavail", "removed", "offline")
# The SMART verdict's levels (diagnose/smart.py SmartHealth), best first, lower-cased.
SMART_VERDICTS = tuple(health.name.lower() for health in SmartHealth if health is not SmartHealth.UNKNOWN)
_GROUPS = frozenset({VdevType.ROOT, VdevType.LOGS, VdevType.CACHE, VdevType.SPECIAL, VdevType.DEDUP})


class StatusCollector(Collector):
    """Reads the source on every scrape: the numbers are the report's, never cached here."""

    def __init__(self, source: StatusSource) -> None:
        self._source = source

    def collect(self) -> Iterator[Metric]:
        return iter(families(self._source.status()))


def registry(source: StatusSource) -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=False)
    reg.register(StatusCollector(source))
    return reg


def render(reg: CollectorRegistry) -> bytes:
    from prometheus_client.exposition import generate_latest

    return generate_latest(reg)


def families(status: Status) -> list[Metric]:
    """Given the status, return every metric family, each present even when it has no series."""
    out: list[Metric] = []
    out += _service(status)
    report = status.report
    if report is not None:
        out += _pools(report.snapshot)
        out += _disks(report.snapshot)
        out += _node(report.snapshot)
        out += _findings(report)
    return out


def _service(status: Status) -> list[Metric]:
    report = status.report
    snapshot = report.snapshot if report else None
    info = GaugeMetricFamily(
        "nodewatch_node_info",
        "The node nodewatch runs on (value 1): hostname, nodewatch and OpenZFS versions.",
        labels=["hostname", "version", "zfs_version", "replayed"],
    )
    info.add_metric(
        [
            snapshot.hostname if snapshot else "",
            __version__,
            (snapshot.zfs_version or "") if snapshot else "",
            status.replayed or "",
        ],
        1,
    )
    collected = GaugeMetricFamily(
        "nodewatch_last_collection_timestamp_seconds",
        "When the report served was collected (Unix time).",
    )
    if snapshot:
        collected.add_metric([], snapshot.collected_at.timestamp())
    stale = GaugeMetricFamily(
        "nodewatch_collection_stale",
        "1 when the report served is older than the service's staleness threshold (or there is none yet).",
    )
    stale.add_metric([], 1 if status.stale or report is None else 0)
    success = GaugeMetricFamily(
        "nodewatch_probe_success",
        "Whether a probe of the latest collection worked (1) or failed (0);"
        " 'nothing there' (no ZFS, no smartctl) counts as worked.",
        labels=["probe"],
    )
    duration = GaugeMetricFamily(
        "nodewatch_probe_duration_seconds",
        "How long a probe of the latest collection took.",
        labels=["probe"],
    )
    for probe in status.probes:
        success.add_metric([probe.name], 0 if probe.outcome is ProbeOutcome.FAILED else 1)
        duration.add_metric([probe.name], probe.duration_seconds)
    return [info, collected, stale, success, duration]


def _pools(snapshot: Snapshot) -> list[Metric]:
    state = GaugeMetricFamily(
        "nodewatch_pool_state",
        "The pool's state as zpool status says it, one-hot: 1 for the current state.",
        labels=["pool", "state"],
    )
    size = GaugeMetricFamily("nodewatch_pool_size_bytes", "The pool's size.", labels=["pool"])
    allocated = GaugeMetricFamily("nodewatch_pool_allocated_bytes", "Space allocated.", labels=["pool"])
    free = GaugeMetricFamily("nodewatch_pool_free_bytes", "Space free.", labels=["pool"])
    fragmentation = GaugeMetricFamily(
        "nodewatch_pool_fragmentation_ratio", "Free-space fragmentation, 0 to 1.", labels=["pool"]
    )
    data_errors = GaugeMetricFamily(
        "nodewatch_pool_data_errors",
        "Permanent data errors zpool status reports (files with unrecoverable blocks).",
        labels=["pool"],
    )
    scrub_end = GaugeMetricFamily(
        "nodewatch_pool_last_scrub_end_timestamp_seconds",
        "When the pool's last scrub finished (Unix time); no series when zpool shows no finished scrub.",
        labels=["pool"],
    )
    scan_progress = GaugeMetricFamily(
        "nodewatch_pool_scan_progress_ratio",
        "How far a running or paused scrub/resilver is, 0 to 1.",
        labels=["pool", "function", "state"],
    )
    scan_eta = GaugeMetricFamily(
        "nodewatch_pool_scan_remaining_seconds",
        "How long zpool estimates a running scrub/resilver still needs.",
        labels=["pool", "function"],
    )
    vdev_state = GaugeMetricFamily(
        "nodewatch_vdev_state",
        "A vdev's state, one-hot: 1 for the current state.",
        labels=["pool", "vdev", "guid", "type", "state"],
    )
    vdev_errors = CounterMetricFamily(
        "nodewatch_vdev_errors",
        "A vdev's error counter as zpool status shows it (reset by zpool clear and on import).",
        labels=["pool", "vdev", "guid", "kind"],
    )
    for pool in snapshot.pools:
        _one_hot(state, [pool.name], pool.state, POOL_STATES)
        if pool.capacity:
            capacity = pool.capacity
            size.add_metric([pool.name], capacity.size_bytes)
            allocated.add_metric([pool.name], capacity.allocated_bytes)
            free.add_metric([pool.name], capacity.free_bytes)
            if capacity.fragmentation_percent is not None:
                fragmentation.add_metric([pool.name], capacity.fragmentation_percent / 100)
        if pool.error_count is not None:
            data_errors.add_metric([pool.name], pool.error_count)
        _scan(pool, snapshot, scrub_end, scan_progress, scan_eta)
        _vdevs(pool, vdev_state, vdev_errors)
    return [
        state,
        size,
        allocated,
        free,
        fragmentation,
        data_errors,
        scrub_end,
        scan_progress,
        scan_eta,
        vdev_state,
        vdev_errors,
    ]


def _scan(
    pool: Pool,
    snapshot: Snapshot,
    scrub_end: GaugeMetricFamily,
    progress: GaugeMetricFamily,
    eta: GaugeMetricFamily,
) -> None:
    scan = pool.scan
    if scan.function is ScanFunction.SCRUB and scan.state is ScanState.FINISHED and scan.end_time:
        when = node_time_to_utc(snapshot, scan.end_time)
        if when:
            scrub_end.add_metric([pool.name], when.timestamp())
    if scan.state in (ScanState.IN_PROGRESS, ScanState.PAUSED) and scan.percent_done is not None:
        progress.add_metric([pool.name, scan.function.value, scan.state.value], scan.percent_done / 100)
        if scan.eta_seconds is not None and scan.state is ScanState.IN_PROGRESS:
            eta.add_metric([pool.name, scan.function.value], scan.eta_seconds)


def _vdevs(pool: Pool, states: GaugeMetricFamily, errors: CounterMetricFamily) -> None:
    spares = {
        id(child)
        for group in (pool.root.children if pool.root else ())
        if group.type is VdevType.SPARES
        for child in group.children
    }
    for vdev in pool.vdevs():
        if vdev.type in _GROUPS or vdev.type is VdevType.SPARES or not vdev.state:
            continue  # class groups have no state of their own
        guid = str(vdev.guid) if vdev.guid is not None else ""
        labels = [pool.name, vdev.name, guid, vdev.type.value]
        if id(vdev) in spares:
            _one_hot(states, labels, vdev.state, SPARE_STATES)
            continue  # zpool keeps no counters for hot spares
        _one_hot(states, labels, vdev.state, POOL_STATES)
        for kind, value in (
            ("read", vdev.read_errors),
            ("write", vdev.write_errors),
            ("checksum", vdev.checksum_errors),
        ):
            errors.add_metric([pool.name, vdev.name, guid, kind], value)


def _one_hot(family: GaugeMetricFamily, labels: list[str], current: str, known: tuple[str, ...]) -> None:
    current = current.lower()
    for state in known if current in known else (*known, current):
        family.add_metric([*labels, state], 1 if state == current else 0)


def _disks(snapshot: Snapshot) -> list[Metric]:
    info = GaugeMetricFamily(
        "nodewatch_disk_info",
        "A disk of the node (value 1): model, serial, transport, USB bridge driver, pools it holds.",
        labels=["device", "model", "serial", "transport", "bridge_driver", "by_id", "pools"],
    )
    size = GaugeMetricFamily("nodewatch_disk_size_bytes", "The disk's size.", labels=["device"])
    verdict = GaugeMetricFamily(
        "nodewatch_disk_smart_verdict",
        "nodewatch's SMART verdict on the drive, one-hot: 1 for the current one (ok, watch, check,"
        " replace_soon, failing; docs/disks.md#the-verdict); no series when the drive was not judged.",
        labels=["device", "verdict"],
    )
    passed = GaugeMetricFamily(
        "nodewatch_disk_smart_passed",
        "The drive's own SMART overall-health self-assessment: 1 passed, 0 failed; no series when SMART"
        " could not say. A drive can pass it and still need replacing: read nodewatch_disk_smart_verdict.",
        labels=["device"],
    )
    temperature = GaugeMetricFamily(
        "nodewatch_disk_temperature_celsius", "The drive's temperature by SMART.", labels=["device"]
    )
    reallocated = GaugeMetricFamily(
        "nodewatch_disk_reallocated_sectors", "SMART reallocated sector count.", labels=["device"]
    )
    pending = GaugeMetricFamily(
        "nodewatch_disk_pending_sectors", "SMART sectors pending reallocation.", labels=["device"]
    )
    wear = GaugeMetricFamily(
        "nodewatch_disk_nvme_used_ratio",
        "NVMe 'Percentage Used' endurance estimate as a ratio (1 = rated life used; may exceed 1).",
        labels=["device"],
    )
    media = GaugeMetricFamily(
        "nodewatch_disk_nvme_media_errors", "NVMe media and data integrity errors.", labels=["device"]
    )
    power_on = GaugeMetricFamily("nodewatch_disk_power_on_seconds", "SMART power-on time.", labels=["device"])
    for disk in snapshot.disks:
        info.add_metric(_disk_labels(disk), 1)
        if disk.size_bytes is not None:
            size.add_metric([disk.devnode], disk.size_bytes)
        health = judge(disk.smart).health
        if health is not SmartHealth.UNKNOWN:
            _one_hot(verdict, [disk.devnode], health.name, SMART_VERDICTS)
        smart = disk.smart
        if not smart or not smart.available:
            continue
        if smart.passed is not None:
            passed.add_metric([disk.devnode], 1 if smart.passed else 0)
        for family, value in (
            (temperature, smart.temperature_celsius),
            (reallocated, smart.reallocated_sectors),
            (pending, smart.pending_sectors),
            (media, smart.nvme_media_errors),
        ):
            if value is not None:
                family.add_metric([disk.devnode], value)
        if smart.nvme_percentage_used is not None:
            wear.add_metric([disk.devnode], smart.nvme_percentage_used / 100)
        if smart.power_on_hours is not None:
            power_on.add_metric([disk.devnode], smart.power_on_hours * 3600)
    return [info, size, verdict, passed, temperature, reallocated, pending, wear, media, power_on]


def _disk_labels(disk: Disk) -> list[str]:
    preferred = disk.preferred_by_id()
    pools = sorted(
        {part.zfs.pool_name for part in disk.partitions if part.zfs and part.zfs.pool_name is not None}
    )
    serial = disk.smart.serial if disk.smart and disk.smart.serial else disk.serial
    return [
        disk.devnode,
        disk.model or "",
        serial or "",
        disk.transport.value,
        disk.bridge.driver if disk.bridge else "",
        preferred.name if preferred else "",
        ",".join(pools),
    ]


def _findings(report: Report) -> list[Metric]:
    counts = GaugeMetricFamily(
        "nodewatch_findings",
        "How many findings the report has, by severity.",
        labels=["severity"],
    )
    for severity in Severity:
        counts.add_metric(
            [severity.name.lower()], sum(1 for finding in report.findings if finding.severity is severity)
        )
    rank = GaugeMetricFamily(
        "nodewatch_finding_rank",
        "One series per finding; the value is its place in the report, worst first (1 = act on this first)."
        " Labels carry its summary and first command, for alert annotations.",
        labels=["code", "severity", "pool", "device", "summary", "first_command"],
    )
    for place, finding in enumerate(report.findings, 1):
        device = ""
        if finding.disk:
            device = finding.disk.devnode or finding.disk.by_id or ""
        rank.add_metric(
            [
                finding.code,
                finding.severity.name.lower(),
                finding.pool or "",
                device,
                finding.summary,
                finding.actions[0].command if finding.actions else "",
            ],
            place,
        )
    return [counts, rank]


def node_time_to_utc(snapshot: Snapshot, local: datetime) -> datetime | None:
    """Given a naive node-local time (as zpool prints), return it in UTC using the snapshot's two clocks."""
    if snapshot.local_time is None:
        return None
    offset = snapshot.local_time - snapshot.collected_at.astimezone(UTC).replace(tzinfo=None)
    return (local - offset).replace(tzinfo=UTC)


# The Pi firmware's get_throttled flags (model.ThrottleBit), by name and period.
_THROTTLE_FLAGS = (
    ("under_voltage", ThrottleBit.UNDER_VOLTAGE, ThrottleBit.UNDER_VOLTAGE_OCCURRED),
    ("frequency_capped", ThrottleBit.FREQUENCY_CAPPED, ThrottleBit.FREQUENCY_CAPPED_OCCURRED),
    ("throttled", ThrottleBit.THROTTLED, ThrottleBit.THROTTLED_OCCURRED),
    (
        "soft_temperature_limit",
        ThrottleBit.SOFT_TEMPERATURE_LIMIT,
        ThrottleBit.SOFT_TEMPERATURE_LIMIT_OCCURRED,
    ),
)


def _node(snapshot: Snapshot) -> list[Metric]:
    """The node's own health: the Pi's throttling flags, temperatures, /, /boot and /nix."""
    throttling = GaugeMetricFamily(
        "nodewatch_pi_throttling_flag",
        "The Raspberry Pi firmware's get_throttled flags: 1 set, 0 clear, for now and since boot;"
        " no series on other boards (on mainline kernels only under_voltage now, from hwmon).",
        labels=["flag", "period"],
    )
    flags = snapshot.throttling
    if flags is not None:
        for name, now, since in _THROTTLE_FLAGS:
            throttling.add_metric([name, "now"], 1 if flags.has(now) else 0)
            if not flags.under_voltage_only:
                throttling.add_metric([name, "since_boot"], 1 if flags.has(since) else 0)
            if flags.under_voltage_only:
                break  # hwmon's alarm says under-voltage now and nothing else
    temperature = GaugeMetricFamily(
        "nodewatch_sensor_temperature_celsius",
        "A thermal zone or hwmon temperature sensor of the node.",
        labels=["sensor", "kind", "device"],
    )
    for sensor in snapshot.temperatures:
        temperature.add_metric([sensor.sensor, sensor.kind.value, sensor.device or ""], sensor.celsius)
    size = GaugeMetricFamily(
        "nodewatch_filesystem_size_bytes", "Size of /, /boot or /nix (statvfs).", labels=["mountpoint"]
    )
    available = GaugeMetricFamily(
        "nodewatch_filesystem_available_bytes",
        "Space an unprivileged writer can still use on /, /boot or /nix.",
        labels=["mountpoint"],
    )
    read_only = GaugeMetricFamily(
        "nodewatch_filesystem_read_only",
        "1 when /, /boot or /nix is mounted read-only.",
        labels=["mountpoint"],
    )
    for space in snapshot.filesystems:
        size.add_metric([space.mountpoint], space.size_bytes)
        available.add_metric([space.mountpoint], space.available_bytes)
        read_only.add_metric([space.mountpoint], 1 if space.read_only else 0)
    return [throttling, temperature, size, available, read_only]
