"""What the page and the API show, built from a Status: plain values, no HTML.

The template (templates/page.html) only lays these out. The sentences come
from the presentation layer (nodewatch/present/ and nodewatch/words/): the
same words the CLI prints and the alerts send, every name through
present.terminal.safe(). Facts are read from the report, never re-derived: a
disk belongs to a vdev when its partition's ZFS label carries that vdev's
guid, which udev read from the disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from nodewatch.diagnose.rules import smart as smart_rules
from nodewatch.diagnose.smart import SmartHealth, judge
from nodewatch.model import (
    Disk,
    Finding,
    Pool,
    Report,
    ScanFunction,
    ScanState,
    Severity,
    Snapshot,
    Vdev,
    VdevType,
)
from nodewatch.present.disks import by_id_text, inventory_summary, smart_badge, smart_expected, smart_line
from nodewatch.present.envelope import envelope, report_document
from nodewatch.present.findings import LAST_RESORT, FindingText, finding_text, needs_attention
from nodewatch.present.pools import Tone, describe_scan, space_words, state_tone
from nodewatch.present.terminal import safe
from nodewatch.web.metrics import node_time_to_utc
from nodewatch.web.source import Event, Status
from nodewatch.words.disks import (
    TRANSPORTS,
    bridge_driver,
    bridge_ids,
    naming_explanation,
)
from nodewatch.words.sizes import decimal_size, rough_duration

VERDICTS = {0: "ok", 1: "warning", 2: "critical", 3: "unknown"}
SEVERITY_CLASSES = {
    Severity.CRITICAL: "critical",
    Severity.UNKNOWN: "unknown",
    Severity.WARNING: "warning",
    Severity.INFO: "info",
}
TONE_CLASSES = {Tone.GOOD: "ok", Tone.DEGRADED: "warning", Tone.BAD: "critical", Tone.NONE: "group"}
_WORST_FIRST = (Severity.CRITICAL, Severity.UNKNOWN, Severity.WARNING, Severity.INFO)


# ─── view model ─────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class FindingView:
    text: FindingText  # the words, from present/findings.py
    css: str


@dataclass(frozen=True, slots=True)
class VdevRow:
    depth: int
    name: str
    state: str
    css: str
    counters: tuple[int, int, int] | None  # None: a group, or a hot spare (zpool keeps none)
    note: str
    disk: str | None  # the devnode whose ZFS label names this vdev
    disk_anchor: str | None


@dataclass(frozen=True, slots=True)
class PoolView:
    name: str
    state: str
    css: str
    status: str | None
    msgid: str | None
    see_url: str | None
    scan: str
    scan_percent: float | None  # while a scan runs or is paused
    last_scrub_age: str | None
    capacity_percent: int | None
    capacity_css: str
    space: str | None
    fragmentation_percent: int | None
    rows: tuple[VdevRow, ...]
    errors_text: str | None
    error_files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DiskView:
    anchor: str
    devnode: str
    transport: str  # the badge: "USB bridge uas", "SATA/ATA", …
    transport_css: str
    model: str | None
    serial: str | None
    bridge_serial: str | None  # shown only when it is not the drive's serial
    bridge: str | None
    size: str | None
    pools: tuple[str, ...]
    smart_verdict: str  # the verdict as the disks view says it: fine, watch, … FAILING; or not read, …
    smart_css: str
    temperature: str | None
    smart_line: str
    why_named: str | None
    warnings: tuple[str, ...]
    by_id: tuple[str, ...]
    by_id_preferred: str | None


@dataclass(frozen=True, slots=True)
class EventView:
    at: str
    change: str
    css: str
    summary: str
    where: str


@dataclass(frozen=True, slots=True)
class PageView:
    hostname: str
    verdict: str  # ok, warning, critical, unknown
    verdict_words: str
    zfs_version: str | None
    collected_at: str | None
    collected_age: str | None
    stale_words: str | None
    replayed: str | None
    uptime: str | None
    service_uptime: str | None
    failed_probes: tuple[tuple[str, str], ...]
    counts: tuple[tuple[str, int], ...]
    findings: tuple[FindingView, ...]
    quiet: tuple[FindingView, ...]  # info findings, folded after the problems
    pools: tuple[PoolView, ...]
    disks: tuple[DiskView, ...]
    disk_summary: str
    events: tuple[EventView, ...]
    last_resort: str
    version: str


def build(status: Status, events: Sequence[Event], *, now: datetime) -> PageView:
    """Given the status and recent events, return everything the page shows."""
    from nodewatch import __version__

    report = status.report
    snapshot = report.snapshot if report else None
    findings = tuple(_finding(f) for f in report.findings) if report else ()
    members = _members(snapshot) if snapshot else {}
    pools: tuple[PoolView, ...] = ()
    disks: tuple[DiskView, ...] = ()
    if snapshot is not None:
        pools = tuple(_pool(pool, snapshot, report, members, now) for pool in snapshot.pools)
        disks = tuple(_disk(disk, snapshot) for disk in snapshot.disks)
    return PageView(
        hostname=safe(snapshot.hostname) if snapshot else "(no data yet)",
        verdict=VERDICTS[report.exit_status if report else 3],
        verdict_words=_verdict_words(report, status),
        zfs_version=safe(snapshot.zfs_version) if snapshot and snapshot.zfs_version else None,
        collected_at=f"{snapshot.collected_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if snapshot else None,
        collected_age=_ago(status.age_seconds) if status.age_seconds is not None else None,
        stale_words=_stale_words(status),
        replayed=safe(status.replayed) if status.replayed else None,
        uptime=_duration(now - status.booted_at) if status.booted_at else None,
        service_uptime=_duration(now - status.started_at) if status.started_at else None,
        failed_probes=tuple(
            (safe(p.name), safe(p.reason or "failed, no reason given")) for p in status.failed_probes
        ),
        counts=_counts(report),
        findings=tuple(f for f in findings if f.text.severity != Severity.INFO.name),
        quiet=tuple(f for f in findings if f.text.severity == Severity.INFO.name),
        pools=pools,
        disks=disks,
        disk_summary=inventory_summary(snapshot.inventory) if snapshot and snapshot.inventory else "",
        events=tuple(_event(event) for event in events),
        last_resort=LAST_RESORT,
        version=__version__,
    )


def _verdict_words(report: Report | None, status: Status) -> str:
    if report is None:
        reasons = "; ".join(f"{p.name}: {p.reason}" for p in status.failed_probes if p.reason)
        return "No collection has finished yet" + (f" ({safe(reasons)})." if reasons else ".")
    if not needs_attention(report):
        return "Nothing needs attention."
    counts = dict(_counts(report))
    parts = [f"{counts[name]} {name}" for name in ("critical", "unknown", "warning") if counts[name]]
    return "Needs attention: " + ", ".join(parts) + "."


def _stale_words(status: Status) -> str | None:
    if status.report is None:
        return "no data yet"
    if not status.stale:
        return None
    age = "old data"
    if status.age_seconds is not None:
        age = f"data is {rough_duration(int(status.age_seconds))} old"
    failed = ", ".join(safe(p.name) for p in status.failed_probes)
    return f"STALE: {age}" + (f"; the latest collection failed ({failed})" if failed else "")


def _counts(report: Report | None) -> tuple[tuple[str, int], ...]:
    findings = report.findings if report else ()
    return tuple(
        (severity.name.lower(), sum(1 for f in findings if f.severity is severity))
        for severity in _WORST_FIRST
    )


def _finding(finding: Finding) -> FindingView:
    return FindingView(text=finding_text(finding), css=SEVERITY_CLASSES[finding.severity])


def _members(snapshot: Snapshot) -> dict[int, Disk]:
    """vdev guid → the disk whose partition's ZFS label carries it."""
    out: dict[int, Disk] = {}
    for disk in snapshot.disks:
        for part in disk.partitions:
            if part.zfs and part.zfs.vdev_guid is not None:
                out[part.zfs.vdev_guid] = disk
    return out


def _pool(
    pool: Pool, snapshot: Snapshot, report: Report | None, members: dict[int, Disk], now: datetime
) -> PoolView:
    scan = pool.scan
    capacity = pool.capacity
    running = scan.state in (ScanState.IN_PROGRESS, ScanState.PAUSED)
    last_scrub_age = None
    if scan.function is ScanFunction.SCRUB and scan.state is ScanState.FINISHED and scan.end_time:
        ended = node_time_to_utc(snapshot, scan.end_time)
        if ended:
            last_scrub_age = _duration(now - ended) + " ago"
    capacity_css = "ok"
    for finding in report.findings if report else ():
        if finding.code == "capacity-high" and finding.pool == pool.name:
            capacity_css = SEVERITY_CLASSES[finding.severity]
    return PoolView(
        name=safe(pool.name),
        state=safe(pool.state),
        css=state_css(pool.state),
        status=safe(pool.status) if pool.status else None,
        msgid=safe(pool.msgid) if pool.msgid else None,
        see_url=pool.see_url if pool.see_url and pool.see_url.startswith("https://") else None,
        scan=safe(describe_scan(scan)),
        scan_percent=scan.percent_done if running else None,
        last_scrub_age=last_scrub_age,
        capacity_percent=capacity.capacity_percent if capacity else None,
        capacity_css=capacity_css,
        space=space_words(capacity) if capacity else None,
        fragmentation_percent=capacity.fragmentation_percent if capacity else None,
        rows=tuple(_rows(pool, members)),
        errors_text=safe(pool.errors_text) if pool.errors_text else None,
        error_files=tuple(safe(name) for name in pool.error_files),
    )


def _rows(pool: Pool, members: dict[int, Disk]) -> list[VdevRow]:
    if pool.root is None:
        return []
    spares = {
        id(child) for group in pool.root.children if group.type is VdevType.SPARES for child in group.children
    }
    rows: list[VdevRow] = []

    def walk(vdev: Vdev, depth: int) -> None:
        disk = members.get(vdev.guid) if vdev.guid is not None and vdev.is_leaf else None
        counters = None
        if vdev.state and id(vdev) not in spares:
            counters = (vdev.read_errors, vdev.write_errors, vdev.checksum_errors)
        rows.append(
            VdevRow(
                depth=min(depth, 6),
                name=safe(vdev.name),
                state=safe(vdev.state),
                css=state_css(vdev.state),
                counters=counters,
                note=safe(vdev.note),
                disk=safe(disk.devnode) if disk else None,
                disk_anchor=disk_anchor(disk) if disk else None,
            )
        )
        for child in vdev.children:
            walk(child, depth + 1)

    walk(pool.root, 0)
    return rows


def state_css(state: str) -> str:
    return TONE_CLASSES[state_tone(state)]


def smart_css(health: SmartHealth) -> str:
    """The verdict's colour: green when fine, else as severe as the finding it raises."""
    if health is SmartHealth.UNKNOWN:
        return "unknown"
    if health is SmartHealth.OK:
        return "ok"
    return SEVERITY_CLASSES[smart_rules.SEVERITY[health]]


def disk_anchor(disk: Disk) -> str:
    return "disk-" + "".join(
        c if c.isascii() and c.isalnum() else "-" for c in disk.devnode.removeprefix("/dev/")
    )


def _disk(disk: Disk, snapshot: Snapshot) -> DiskView:
    smart = disk.smart
    temperature = None
    if smart is not None and smart.available and smart.temperature_celsius is not None:
        temperature = f"{smart.temperature_celsius} °C"
    serial = smart.serial if smart and smart.serial else disk.serial
    transport = TRANSPORTS[disk.transport].badge
    bridge_serial = bridge = None
    if disk.bridge:
        if disk.bridge.serial and disk.bridge.serial != serial:
            bridge_serial = disk.bridge.serial
        names = " ".join(x for x in (disk.bridge.vendor_name, disk.bridge.product_name) if x)
        port = f"USB port {disk.bridge.port_path}" if disk.bridge.port_path else ""
        bridge = ", ".join(x for x in (bridge_ids(disk.bridge), names, port) if x) or None
        driver = bridge_driver(disk.bridge)
        if driver:
            transport += f" {driver}"
    pools = sorted({p.zfs.pool_name for p in disk.partitions if p.zfs and p.zfs.pool_name})
    preferred = disk.preferred_by_id()
    expected = smart_expected(snapshot.inventory) if snapshot.inventory else False
    why = naming_explanation(disk)
    return DiskView(
        anchor=disk_anchor(disk),
        devnode=safe(disk.devnode),
        transport=safe(transport),
        transport_css=disk.transport.value,
        model=safe(disk.model) if disk.model else None,
        serial=safe(serial) if serial else None,
        bridge_serial=safe(bridge_serial) if bridge_serial else None,
        bridge=safe(bridge) if bridge else None,
        size=decimal_size(disk.size_bytes) if disk.size_bytes else None,
        pools=tuple(safe(pool) for pool in pools),
        smart_verdict=safe(smart_badge(disk)),
        smart_css=smart_css(judge(smart).health),
        temperature=temperature,
        smart_line=safe(smart_line(disk)) if smart is not None or expected else "",
        why_named=safe(why) if why else None,
        warnings=tuple(safe(warning) for warning in disk.warnings),
        by_id=tuple(safe(by_id_text(link)) for link in disk.by_id),
        by_id_preferred=safe(preferred.name) if preferred else None,
    )


def _event(event: Event) -> EventView:
    return EventView(
        at=f"{event.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
        change=safe(event.change),
        css=SEVERITY_CLASSES[event.severity],
        summary=safe(event.summary),
        where=safe(" ".join(x for x in (event.pool, event.device) if x)),
    )


def _duration(delta: timedelta) -> str:
    return rough_duration(max(int(delta.total_seconds()), 0))


def _ago(seconds: float) -> str:
    return rough_duration(max(int(seconds), 0)) + " ago"


# ─── JSON documents ─────────────────────────────────────────────────────────


def status_document(status: Status) -> dict[str, Any]:
    """Given the status, return /api/v1/status: the `diagnose --json` report plus its freshness."""
    from nodewatch.serialize import to_data

    if status.report is not None:
        document = report_document(status.report)
    else:
        empty: dict[str, Any] = {
            "zfs_version": None,
            "exit_status": 3,
            "pools": [],
            "disks": [],
            "findings": [],
            "probes": [],
        }
        document = envelope("report", empty, host=None, collected_at=None)
    document["freshness"] = {
        "stale": status.stale or status.report is None,
        "age_seconds": status.age_seconds,
        "last_attempt_at": status.last_attempt_at.isoformat() if status.last_attempt_at else None,
        "replayed": status.replayed,
        "latest_probes": to_data(status.probes),
    }
    return document


def events_document(events: Sequence[Event], host: str | None) -> dict[str, Any]:
    """/api/v1/events: the recent events, newest first, in the common envelope."""
    body = {
        "events": [
            {
                "at": event.at.isoformat(),
                "change": event.change,
                "severity": int(event.severity),
                "code": event.code,
                "summary": event.summary,
                "pool": event.pool,
                "device": event.device,
            }
            for event in events
        ]
    }
    return envelope("events", body, host=host, collected_at=None)


def health_document(status: Status) -> dict[str, Any]:
    """/healthz: alive, and whether the data served is fresh."""
    reason = "fresh"
    if status.report is None:
        reason = "no collection has finished yet"
    elif status.stale:
        age = (
            f"data is {rough_duration(int(status.age_seconds))} old"
            if status.age_seconds is not None
            else "old data"
        )
        reason = f"stale: {age}"
    return {
        "ok": status.report is not None and not status.stale,
        "reason": reason,
        "age_seconds": status.age_seconds,
        "failed_probes": [probe.name for probe in status.failed_probes],
    }
