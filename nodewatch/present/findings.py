"""Findings as blocks of words: what is wrong, which disk, evidence, and the fixes in order.

A rule writes a finding's summary and detail (diagnose/); here they become a
FindingText every output lays out its own way: the terminal wraps and colors
it, the page puts it in a card, an alert sends `plain()`. Every string is
terminal-safe (present/terminal.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from nodewatch.model import Action, Disk, DiskRef, Finding, Pool, Report, Severity, Snapshot
from nodewatch.present.terminal import safe

LAST_RESORT = "(last resort)"


@dataclass(frozen=True, slots=True)
class ActionText:
    title: str  # "fix" when it is the only one, else "fix 1", "or 2", …
    why: str
    check_first: str | None
    command: str  # one shell line, to copy whole: never wrapped
    destructive: bool  # shown with LAST_RESORT


@dataclass(frozen=True, slots=True)
class FindingText:
    severity: str  # "CRITICAL", "WARNING", "UNKNOWN", "INFO"
    code: str
    summary: str
    detail: str
    disk: str | None  # "/dev/sdc  WDC WD40EFZX-68AWUN0  serial WD-…  usb  USB 0:1:1.0"
    evidence: tuple[str, ...]
    actions: tuple[ActionText, ...]


def finding_text(finding: Finding) -> FindingText:
    total = len(finding.actions)
    return FindingText(
        severity=finding.severity.name,
        code=safe(finding.code),
        summary=safe(finding.summary),
        detail=safe(finding.detail),
        disk=disk_ref_words(finding.disk) if finding.disk else None,
        evidence=tuple(safe(line) for line in finding.evidence),
        actions=tuple(
            _action_text(number, action, total) for number, action in enumerate(finding.actions, 1)
        ),
    )


def _action_text(number: int, action: Action, total: int) -> ActionText:
    return ActionText(
        title="fix" if total == 1 else f"fix {number}" if number == 1 else f"or {number}",
        why=safe(action.why),
        check_first=safe(action.check_first) if action.check_first else None,
        command=safe(action.command),
        destructive=action.destructive,
    )


def disk_ref_words(disk: DiskRef) -> str:
    """The facts a person needs to find the disk: node (else its by-id name), model, serial,
    bus, port."""
    node = disk.devnode or disk.by_id
    facts = [x for x in (node, disk.model, f"serial {disk.serial}" if disk.serial else None) if x]
    facts += [x for x in (disk.transport.value if disk.transport else None, disk.port) if x]
    return safe("  ".join(facts))


def plain(finding: Finding) -> str:
    """The finding as plain text (an alert's body): no layout beyond one item per line."""
    text = finding_text(finding)
    lines = [f"{text.severity}: {text.summary} [{text.code}]"]
    if text.detail:
        lines.append(text.detail)
    if text.disk:
        lines.append(f"disk: {text.disk}")
    lines += [f"evidence: {line}" for line in text.evidence]
    for action in text.actions:
        last_resort = f" {LAST_RESORT}" if action.destructive else ""
        lines.append(f"{action.title}{last_resort}: {action.why}")
        if action.check_first:
            lines.append(f"  check first: {action.check_first}")
        lines.append(f"  {action.command}")
    return "\n".join(lines)


def heading(snapshot: Snapshot) -> str:
    """'pi-node-1 · 2026-11-23 08:40 UTC · OpenZFS 2.3.2'."""
    head = f"{safe(snapshot.hostname)} · {snapshot.collected_at:%Y-%m-%d %H:%M} UTC"
    if snapshot.zfs_version:
        head += f" · OpenZFS {safe(snapshot.zfs_version)}"
    return head


def device_count(pool: Pool) -> str:
    """'3 devices': the pool's leaf vdevs."""
    members = len(pool.leaves())
    return f"{members} device{'s' if members != 1 else ''}"


def transport_tally(disks: tuple[Disk, ...]) -> str:
    """'2 sata, 1 usb'."""
    counts = Counter(disk.transport.value for disk in disks)
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))


def tally(report: Report) -> str:
    """'1 critical, 0 warning, 0 unknown, 2 info · exit status 2'."""
    counts = Counter(finding.severity for finding in report.findings)
    return (
        f"{counts[Severity.CRITICAL]} critical, {counts[Severity.WARNING]} warning,"
        f" {counts[Severity.UNKNOWN]} unknown, {counts[Severity.INFO]} info"
        f" · exit status {report.exit_status}"
    )


def needs_attention(report: Report) -> bool:
    return any(finding.severity >= Severity.WARNING for finding in report.findings)
