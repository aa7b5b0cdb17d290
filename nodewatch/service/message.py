"""An alert's title and body: what is wrong, which physical disk, the command to run first.

The words are the CLI's (present/findings.py): the body is the finding as `nodewatch diagnose`
says it, under a head that fits a phone's lock screen.
"""

from __future__ import annotations

from datetime import datetime

from nodewatch.model import Finding
from nodewatch.present.findings import disk_ref_words, plain
from nodewatch.present.terminal import safe
from nodewatch.service.policy import Kind, Notice


def compose(notice: Notice, hostname: str, now: datetime) -> tuple[str, str]:
    """Return (title, body) of the notification for a notice."""
    finding = notice.finding
    since = f"{notice.first_seen:%Y-%m-%d %H:%M} UTC"
    label = {
        Kind.NEW: finding.severity.name,
        Kind.WORSE: f"WORSE, now {finding.severity.name}",
        Kind.STILL: f"still {finding.severity.name} since {since}",
        Kind.RECOVERED: "RECOVERED",
        Kind.TEST: "TEST",
    }[notice.kind]
    title = f"{safe(hostname)}: {label}: {safe(finding.summary)}"
    lines = [head(finding)]
    if notice.kind is Kind.RECOVERED:
        lines = [
            f"Recovered: no longer seen since {now:%Y-%m-%d %H:%M} UTC (first seen {since}).",
            "It was:",
            plain(finding),
        ]
    else:
        lines += ["", plain(finding)]
    return title, "\n".join(lines)


def head(finding: Finding) -> str:
    """What is wrong, which disk, and the first command, one per line."""
    lines = [safe(finding.summary)]
    if finding.disk:
        lines.append(f"disk: {disk_ref_words(finding.disk)}")
    if finding.actions:
        lines.append(f"run first: {safe(finding.actions[0].command)}")
    return "\n".join(lines)


def test_message(hostname: str) -> tuple[str, str]:
    return (
        f"{safe(hostname)}: TEST: nodewatch can reach you",
        "This is a test notification from `nodewatch alert test`. Alerts from this node will arrive here.",
    )
