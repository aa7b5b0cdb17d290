"""When to tell someone: new, worse, still there, recovered — without spam. Pure, no I/O.

The service keeps one Problem per finding key it has seen and not yet seen cleared. Each
report goes through step(), which returns the problems to keep, the history events to record
and the notices to send:

- new: a finding not tracked before, as severe as min_severity → one notice at once;
- worse: more severe than anything already said about it → one notice (a finding swinging
  between warning and critical tells once: what was said stays the high-water mark);
- still there: nothing said for renotify_hours → a reminder;
- recovered: gone, and staying gone for the hold time → one notice, if anything was said.

Flap suppression: a finding that comes back while its hold runs was never cleared (no notice,
no event), and its hold doubles, up to MAX_HOLD. A disk bouncing in and out gives one "new"
and, once it settles, one "recovered". The tracked problems are stored, so a restart neither
repeats what was said nor loses a problem that began or ended while the service was down.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from nodewatch import model, serialize
from nodewatch.diagnose.compare import Change, compare, rank
from nodewatch.model import Finding, Severity

CLEAR_HOLD = timedelta(seconds=60)
MAX_HOLD = timedelta(hours=1)


class Kind(enum.StrEnum):
    NEW = "new"
    WORSE = "worse"
    STILL = "still"
    RECOVERED = "recovered"
    TEST = "test"


@dataclass(frozen=True, slots=True)
class Policy:
    min_severity: Severity = Severity.WARNING
    renotify: timedelta = timedelta(hours=24)
    clear_hold: timedelta = CLEAR_HOLD
    max_hold: timedelta = MAX_HOLD

    def alertable(self, finding: Finding) -> bool:
        return rank(finding) >= _rank_of(self.min_severity)


@dataclass(frozen=True, slots=True)
class Problem:
    finding: Finding  # as last seen
    first_seen: datetime
    last_seen: datetime
    notified: Severity | None = None  # the worst severity a notice went out for
    notified_at: datetime | None = None
    absent_since: datetime | None = None  # gone since, waiting out the hold
    hold_seconds: float = CLEAR_HOLD.total_seconds()
    flaps: int = 0

    def to_data(self) -> Any:
        return serialize.to_data(self)

    @staticmethod
    def from_data(data: Any) -> Problem:
        return serialize.from_data(Problem, data)


@dataclass(frozen=True, slots=True)
class Notice:
    kind: Kind
    finding: Finding
    key: str
    first_seen: datetime


@dataclass(frozen=True, slots=True)
class Step:
    problems: dict[str, Problem]
    events: list[tuple[str, Finding]] = field(default_factory=list)  # (change, finding) for history
    notices: list[Notice] = field(default_factory=list)


def step(policy: Policy, problems: Mapping[str, Problem], findings: Iterable[Finding], now: datetime) -> Step:
    """Given what is tracked and the findings of a new report, return what to keep, record and say."""
    kept = dict(problems)
    out = Step(kept)
    tracked = [problem.finding for problem in problems.values()]
    for comparison in compare(tracked, findings):
        key = str(comparison.key)
        if comparison.change is Change.NEW:
            _new(policy, out, key, comparison.finding, now)
        elif comparison.change is Change.CLEARED:
            _absent(out, key, kept[key], now)
        else:
            _present(policy, out, key, kept[key], comparison.finding, comparison.change, now)
    return out


def _new(policy: Policy, out: Step, key: str, finding: Finding, now: datetime) -> None:
    hold = _seconds(policy.clear_hold)
    problem = Problem(finding=finding, first_seen=now, last_seen=now, hold_seconds=hold)
    out.events.append((Change.NEW.value, finding))
    if policy.alertable(finding):
        out.notices.append(Notice(Kind.NEW, finding, key, now))
        problem = replace(problem, notified=finding.severity, notified_at=now)
    out.problems[key] = problem


def _present(  # noqa: PLR0917 - one step's state, passed along
    policy: Policy, out: Step, key: str, problem: Problem, finding: Finding, change: Change, now: datetime
) -> None:
    if problem.absent_since is not None:
        # Back before its hold ran out: it never cleared. Wait longer next time.
        hold = min(problem.hold_seconds * 2, _seconds(policy.max_hold))
        problem = replace(problem, absent_since=None, flaps=problem.flaps + 1, hold_seconds=hold)
    if change is Change.WORSE:
        out.events.append((Change.WORSE.value, finding))
    problem = replace(problem, finding=finding, last_seen=now)
    if policy.alertable(finding) and (problem.notified is None or rank(finding) > _rank_of(problem.notified)):
        kind = Kind.NEW if problem.notified is None else Kind.WORSE
        out.notices.append(Notice(kind, finding, key, problem.first_seen))
        problem = replace(problem, notified=finding.severity, notified_at=now)
    elif (
        problem.notified is not None
        and problem.notified_at is not None
        and now - problem.notified_at >= policy.renotify
    ):
        out.notices.append(Notice(Kind.STILL, finding, key, problem.first_seen))
        problem = replace(problem, notified_at=now)
    out.problems[key] = problem


def _absent(out: Step, key: str, problem: Problem, now: datetime) -> None:
    if problem.absent_since is None:
        out.problems[key] = replace(problem, absent_since=now)
        return
    if (now - problem.absent_since).total_seconds() < problem.hold_seconds:
        return
    del out.problems[key]
    out.events.append((Change.CLEARED.value, problem.finding))
    if problem.notified is not None:
        out.notices.append(Notice(Kind.RECOVERED, problem.finding, key, problem.first_seen))


def _rank_of(severity: Severity) -> int:
    return rank(model.Finding(severity, "", ""))


def _seconds(delta: timedelta) -> float:
    return delta.total_seconds()


SEVERITY_NAMES = {severity.name.lower(): severity for severity in Severity}
