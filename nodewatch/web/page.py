"""What the page and the API show, built from a Status: plain values, no HTML.

The template (templates/page.html) only lays these out; every sentence comes
from the same words the CLI prints. Facts are read from the report, never
re-derived: a disk belongs to a vdev when its partition's ZFS label carries
that vdev's guid, which udev read from the disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nodewatch.cli.disks import TRANSPORT_NAMES, human_size, naming_explanation, smart_words
from nodewatch.cli.pools import describe_scan
from nodewatch.model import (
    Disk,
    Finding,
    Pool,
    Report,
    ScanState,
    Severity,
    Snapshot,
    Transport,
    Vdev,
    VdevType,
)
from nodewatch.web.metrics import node_time_to_utc
from nodewatch.web.source import Event, Status

STATUS_SCHEMA = 1
EVENTS_SCHEMA = 1
VERDICTS = {0: "ok", 1: "warning", 2: "critical", 3: "unknown"}
SEVERITY_CLASSES = {
    Severity.CRITICAL: "critical",
    Severity.UNKNOWN: "unknown",
    Severity.WARNING: "warning",
    Severity.INFO: "info",
}
_GOOD_STATES = frozenset({"ONLINE", "AVAIL", "INUSE"})
_WARN_STATES = frozenset({"DEGRADED", "OFFLINE", "REMOVED"})


# ─── view model ─────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class ActionView:
    title: str  # "fix", "fix 1", "or 2"
    why: str
    command: str
    check_first: str | None
    last_resort: bool


@dataclass(frozen=True, slots=True)
class FindingView:
    severity: str  # CRITICAL, WARNING, …
    css: str
    code: str
    summary: str
    detail: str
    disk: str | None
    evidence: tuple[str, ...]
    actions: tuple[ActionView, ...]


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
    action: str | None
    msgid: str | None
    see_url: str | None
    scan: str
    scan_running: bool
    scan_percent: float | None
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
    smart_verdict: str  # PASSED, FAILED, unavailable, not read, no verdict
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
    severity: str
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
    stale: bool
    stale_words: str | None
    replayed: str | None
    uptime: str | None
    service_uptime: str | None
    failed_probes: tuple[tuple[str, str], ...]
    counts: tuple[tuple[str, int], ...]
    findings: tuple[FindingView, ...]
    quiet: tuple[FindingView, ...]  # info findings, shown after the problems
    pools: tuple[PoolView, ...]
    disks: tuple[DiskView, ...]
    disk_summary: str
    events: tuple[EventView, ...]
    version: str = ""


def build(status: Status, events: Sequence[Event], *, now: datetime) -> PageView:
    """Given the status and recent events, return everything the page shows."""
    from nodewatch import __version__

    report = status.report
    snapshot = report.snapshot if report else None
    exit_status = report.exit_status if report else 3
    findings = tuple(_finding(f) for f in report.findings) if report else ()
    problems = tuple(f for f in findings if f.severity != "INFO")
    quiet = tuple(f for f in findings if f.severity == "INFO")
    members = _members(snapshot) if snapshot else {}
    return PageView(
        hostname=snapshot.hostname if snapshot else "(no data yet)",
        verdict=VERDICTS[exit_status],
        verdict_words=_verdict_words(report, status),
        zfs_version=snapshot.zfs_version if snapshot else None,
        collected_at=f"{snapshot.collected_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if snapshot else None,
        collected_age=_ago(status.age_seconds) if status.age_seconds is not None else None,
        stale=status.stale or report is None,
        stale_words=_stale_words(status),
        replayed=status.replayed,
        uptime=duration_words((now - status.booted_at).total_seconds()) if status.booted_at else None,
        service_uptime=(
            duration_words((now - status.started_at).total_seconds()) if status.started_at else None
        ),
        failed_probes=tuple((p.name, p.reason or "failed, no reason given") for p in status.failed_probes),
        counts=_counts(report),
        findings=problems,
        quiet=quiet,
        pools=tuple(_pool(pool, snapshot, report, members, now) for pool in snapshot.pools)
        if snapshot
        else (),
        disks=tuple(_disk(disk, snapshot) for disk in snapshot.disks) if snapshot else (),
        disk_summary=_disk_summary(snapshot.disks) if snapshot else "",
        events=tuple(_event(event) for event in events),
        version=__version__,
    )


def _verdict_words(report: Report | None, status: Status) -> str:
    if report is None:
        reasons = "; ".join(f"{p.name}: {p.reason}" for p in status.failed_probes if p.reason)
        return "No collection has finished yet" + (f" ({reasons})." if reasons else ".")
    if not any(f.severity >= Severity.WARNING for f in report.findings):
        return "Nothing needs attention."
    counts = dict(_counts(report))
    parts = [f"{counts[name]} {name}" for name in ("critical", "unknown", "warning") if counts[name]]
    return "Needs attention: " + ", ".join(parts) + "."


def _stale_words(status: Status) -> str | None:
    if status.report is None:
        return "no data yet"
    if not status.stale:
        return None
    age = (
        f"data is {duration_words(status.age_seconds)} old" if status.age_seconds is not None else "old data"
    )
    failed = ", ".join(p.name for p in status.failed_probes)
    return f"STALE: {age}" + (f"; the latest collection failed ({failed})" if failed else "")


def _counts(report: Report | None) -> tuple[tuple[str, int], ...]:
    findings = report.findings if report else ()
    return tuple(
        (severity.name.lower(), sum(1 for f in findings if f.severity is severity))
        for severity in (Severity.CRITICAL, Severity.UNKNOWN, Severity.WARNING, Severity.INFO)
    )


def _finding(finding: Finding) -> FindingView:
    total = len(finding.actions)
    actions = []
    for number, action in enumerate(finding.actions, 1):
        title = "fix" if total == 1 else f"fix {number}" if number == 1 else f"or {number}"
        actions.append(
            ActionView(
                title=title,
                why=action.why,
                command=action.command,
                check_first=action.check_first,
                last_resort=action.destructive,
            )
        )
    disk = None
    if finding.disk:
        d = finding.disk
        facts = [x for x in (d.devnode, d.model, f"serial {d.serial}" if d.serial else None) if x]
        facts += [x for x in (TRANSPORT_NAMES[d.transport] if d.transport else None, d.port) if x]
        disk = "  ".join(facts)
    return FindingView(
        severity=finding.severity.name,
        css=SEVERITY_CLASSES[finding.severity],
        code=finding.code,
        summary=finding.summary,
        detail=finding.detail,
        disk=disk,
        evidence=finding.evidence,
        actions=tuple(actions),
    )


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
    if scan.function.value == "scrub" and scan.state is ScanState.FINISHED and scan.end_time:
        ended = node_time_to_utc(snapshot, scan.end_time)
        if ended:
            last_scrub_age = _ago((now - ended).total_seconds())
    capacity_css = "ok"
    if report:
        for finding in report.findings:
            if finding.code == "capacity-high" and finding.pool == pool.name:
                capacity_css = SEVERITY_CLASSES[finding.severity]
    space = None
    if capacity:
        space = f"{human_size(capacity.allocated_bytes)} of {human_size(capacity.size_bytes)} used"
    return PoolView(
        name=pool.name,
        state=pool.state,
        css=state_css(pool.state),
        status=pool.status,
        action=pool.action,
        msgid=pool.msgid,
        see_url=pool.see_url if pool.see_url and pool.see_url.startswith("https://") else None,
        scan=describe_scan(scan),
        scan_running=running,
        scan_percent=scan.percent_done if running else None,
        last_scrub_age=last_scrub_age,
        capacity_percent=capacity.capacity_percent if capacity else None,
        capacity_css=capacity_css,
        space=space,
        fragmentation_percent=capacity.fragmentation_percent if capacity else None,
        rows=tuple(_rows(pool, members)),
        errors_text=pool.errors_text,
        error_files=pool.error_files,
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
                name=vdev.name,
                state=vdev.state,
                css=state_css(vdev.state),
                counters=counters,
                note=vdev.note,
                disk=disk.devnode if disk else None,
                disk_anchor=disk_anchor(disk) if disk else None,
            )
        )
        for child in vdev.children:
            walk(child, depth + 1)

    walk(pool.root, 0)
    return rows


def state_css(state: str) -> str:
    if not state:
        return "group"
    if state in _GOOD_STATES:
        return "ok"
    if state in _WARN_STATES:
        return "warning"
    return "critical"


def disk_anchor(disk: Disk) -> str:
    return "disk-" + "".join(c if c.isalnum() else "-" for c in disk.devnode.removeprefix("/dev/"))


def _disk(disk: Disk, snapshot: Snapshot) -> DiskView:
    smart = disk.smart
    verdict, smart_css = "not read", "unknown"
    temperature = None
    if smart is not None and not smart.available:
        verdict = "unavailable"
    elif smart is not None:
        verdict = {True: "PASSED", False: "FAILED", None: "no verdict"}[smart.passed]
        smart_css = {True: "ok", False: "critical", None: "unknown"}[smart.passed]
        if smart.temperature_celsius is not None:
            temperature = f"{smart.temperature_celsius} °C"
    serial = smart.serial if smart and smart.serial else disk.serial
    bridge_serial = None
    bridge = None
    if disk.bridge:
        if disk.bridge.serial and disk.bridge.serial != serial:
            bridge_serial = disk.bridge.serial
        ids = ":".join(x for x in (disk.bridge.vendor_id, disk.bridge.product_id) if x)
        names = " ".join(x for x in (disk.bridge.vendor_name, disk.bridge.product_name) if x)
        bridge = ", ".join(
            x for x in (ids, names, f"USB port {disk.bridge.port_path}" if disk.bridge.port_path else "") if x
        )
    transport = TRANSPORT_NAMES[disk.transport]
    if disk.bridge and disk.bridge.driver != "unknown":
        transport += f" {disk.bridge.driver}"
    pools = sorted({p.zfs.pool_name for p in disk.partitions if p.zfs and p.zfs.pool_name})
    preferred = disk.preferred_by_id()
    return DiskView(
        anchor=disk_anchor(disk),
        devnode=disk.devnode,
        transport=transport,
        transport_css=disk.transport.value,
        model=disk.model,
        serial=serial,
        bridge_serial=bridge_serial,
        bridge=bridge or None,
        size=human_size(disk.size_bytes) if disk.size_bytes else None,
        pools=tuple(pools),
        smart_verdict=verdict,
        smart_css=smart_css,
        temperature=temperature,
        smart_line=smart_words(smart) if smart is not None or snapshot.inventory is not None else "not read",
        why_named=naming_explanation(disk),
        warnings=disk.warnings,
        by_id=tuple(
            link.name + ("  (names the bay, not the drive)" if link.positional else "") for link in disk.by_id
        ),
        by_id_preferred=preferred.name if preferred else None,
    )


def _disk_summary(disks: tuple[Disk, ...]) -> str:
    counts: dict[Transport, int] = {}
    for disk in disks:
        counts[disk.transport] = counts.get(disk.transport, 0) + 1
    parts = [f"{n} {TRANSPORT_NAMES[t]}" for t, n in sorted(counts.items(), key=lambda kv: -kv[1])]
    noun = "disk" if len(disks) == 1 else "disks"
    return f"{len(disks)} {noun}" + (f": {', '.join(parts)}" if parts else "")


def _event(event: Event) -> EventView:
    where = " ".join(x for x in (event.pool, event.device) if x)
    return EventView(
        at=f"{event.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
        change=event.change,
        severity=event.severity.name,
        css=SEVERITY_CLASSES[event.severity],
        summary=event.summary,
        where=where,
    )


# ─── words for durations ────────────────────────────────────────────────────


def duration_words(seconds: float) -> str:
    """42 → '42 s', 300 → '5 min', 11_520 → '3 h 12 min', 352_800 → '4 d 2 h'."""
    whole = max(int(seconds), 0)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def _ago(seconds: float) -> str:
    return f"{duration_words(seconds)} ago"


# ─── JSON documents ─────────────────────────────────────────────────────────


def status_document(status: Status) -> dict[str, Any]:
    """Given the status, return /api/v1/status: the diagnose JSON report plus its freshness."""
    from nodewatch.serialize import report_document, to_data

    if status.report is not None:
        document = report_document(status.report)
    else:
        document = {
            "schema": STATUS_SCHEMA,
            "host": None,
            "collected_at": None,
            "zfs_version": None,
            "exit_status": 3,
            "pools": [],
            "disks": [],
            "findings": [],
            "probes": [],
        }
    document["freshness"] = {
        "stale": status.stale or status.report is None,
        "age_seconds": status.age_seconds,
        "last_attempt_at": status.last_attempt_at.isoformat() if status.last_attempt_at else None,
        "replayed": status.replayed,
        "latest_probes": to_data(status.probes),
    }
    return document


def events_document(events: Sequence[Event]) -> dict[str, Any]:
    return {
        "schema": EVENTS_SCHEMA,
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
        ],
    }


def health_document(status: Status) -> dict[str, Any]:
    """/healthz: alive, and whether the data served is fresh."""
    ok = status.report is not None and not status.stale
    reason = "fresh"
    if status.report is None:
        reason = "no collection has finished yet"
    elif status.stale:
        reason = "stale: " + (
            f"data is {duration_words(status.age_seconds)} old" if status.age_seconds is not None else "old"
        )
    return {
        "ok": ok,
        "reason": reason,
        "age_seconds": status.age_seconds,
        "failed_probes": [probe.name for probe in status.failed_probes],
    }
