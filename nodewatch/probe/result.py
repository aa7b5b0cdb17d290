"""The probe contract: what every probe returns, and the deadline a pass shares.

A probe reads one thing of the node (pools, disks, SMART, …) and returns a
Reading: its value (when there is one), a ProbeResult (ok / no data / failed,
the typed error kind, a reason for people, the duration) and the raw outputs
it parsed, so a Snapshot can be re-parsed later. A probe never raises.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from nodewatch.model import ProbeErrorKind, ProbeOutcome, ProbeResult, RawOutput

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Reading(Generic[T]):
    """What one probe read: its value (None when it has none), how it went, and its raw outputs."""

    value: T | None
    result: ProbeResult
    raw: tuple[RawOutput, ...] = ()
    # Not run: what it needs is not there (that probe's result says why), or the config turns
    # it off. A Snapshot lists no result for it, so no finding repeats another's.
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return self.result.outcome is ProbeOutcome.OK


@dataclass(slots=True)
class Stopwatch:
    """Times one probe and writes its ProbeResult."""

    name: str
    started: float = field(default_factory=time.monotonic)

    def ok(self, reason: str | None = None) -> ProbeResult:
        return ProbeResult(self.name, ProbeOutcome.OK, reason, self.elapsed())

    def no_data(self, kind: ProbeErrorKind, reason: str) -> ProbeResult:
        return ProbeResult(self.name, ProbeOutcome.NO_DATA, reason, self.elapsed(), kind)

    def failed(self, kind: ProbeErrorKind, reason: str) -> ProbeResult:
        return ProbeResult(self.name, ProbeOutcome.FAILED, reason, self.elapsed(), kind)

    def elapsed(self) -> float:
        return time.monotonic() - self.started


class Deadline:
    """A point in time a collection pass must end by, shared by its probes."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._at = None if seconds is None else time.monotonic() + seconds

    def timeout(self, cap: float) -> float:
        """Given a command's own timeout, return what it may take now: no more than is left."""
        if self._at is None:
            return cap
        return max(0.0, min(cap, self._at - time.monotonic()))

    @property
    def passed(self) -> bool:
        return self._at is not None and time.monotonic() >= self._at


NO_DEADLINE = Deadline(None)
