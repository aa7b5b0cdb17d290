"""What the web app reads: the service's current state, behind a small Protocol.

The service (nodewatch/service/) implements StatusSource from its last good
Report and its SQLite history; `serve --demo`, `serve --from` and the tests
use ReplaySource. The app only reads a Status: it never collects, never runs
a command and never writes (see /work/wt/SERVICE-WEB.md for the contract).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from nodewatch.model import ProbeOutcome, ProbeResult, Report, Severity


@dataclass(frozen=True, slots=True)
class Status:
    """The node as the service knows it right now."""

    report: Report | None  # the last good report; None before the first collection finished
    stale: bool  # the report is older than the service's threshold (/healthz answers 503)
    age_seconds: float | None  # now − report.snapshot.collected_at
    probes: tuple[ProbeResult, ...] = ()  # of the latest attempt, which may be newer than the report
    last_attempt_at: datetime | None = None  # aware UTC
    booted_at: datetime | None = None  # aware UTC: the node's boot time
    started_at: datetime | None = None  # aware UTC: when this nodewatch process started
    replayed: str | None = None  # "demo" or a snapshot file: not live data from this node

    @property
    def failed_probes(self) -> tuple[ProbeResult, ...]:
        return tuple(probe for probe in self.probes if probe.outcome is ProbeOutcome.FAILED)


@dataclass(frozen=True, slots=True)
class Event:
    """One change of the findings, from the history: a finding appeared, got worse, cleared."""

    at: datetime  # aware UTC
    change: str  # new, worse, better, cleared, … (the words of diagnose/compare.py)
    severity: Severity
    code: str
    summary: str
    pool: str | None = None
    device: str | None = None


class StatusSource(Protocol):
    def status(self) -> Status:
        """Return the current status; cheap (called on every request), no I/O."""
        ...

    def events(self, limit: int = 50) -> Sequence[Event]:
        """Return up to `limit` recent events, newest first."""
        ...


class ReplaySource:
    """A fixed report (the demo, a saved snapshot): never stale, marked as replayed."""

    def __init__(self, report: Report, replayed: str, events: Sequence[Event] = ()) -> None:
        self._status = Status(
            report=report,
            stale=False,
            age_seconds=None,
            probes=report.snapshot.probes,
            last_attempt_at=report.snapshot.collected_at,
            replayed=replayed,
        )
        self._events = tuple(events)

    def status(self) -> Status:
        return self._status

    def events(self, limit: int = 50) -> Sequence[Event]:
        return self._events[:limit]
