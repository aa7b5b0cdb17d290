"""What changed between two reports: which findings are new, worse, unchanged or cleared.

Findings are matched by their key (code, pool, vdev guid or disk identity), never by
their words, which carry counters and ages that change from one collection to the next.
Pure: the service decides from this what to record and whom to tell.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from nodewatch.model import Finding, FindingKey, Report, Severity


class Change(enum.StrEnum):
    NEW = "new"  # not in the previous report
    WORSE = "worse"  # there before, now more severe
    UNCHANGED = "unchanged"  # there before, as severe or less
    CLEARED = "cleared"  # there before, gone now


@dataclass(frozen=True, slots=True)
class Comparison:
    change: Change
    key: FindingKey
    previous: Finding | None  # None when new
    current: Finding | None  # None when cleared

    @property
    def finding(self) -> Finding:
        """The finding as last seen: the current one, or the cleared one."""
        if self.current is not None:
            return self.current
        if self.previous is None:
            raise ValueError(f"comparison of {self.key} holds no finding")
        return self.previous


def compare(
    previous: Report | Iterable[Finding] | None, current: Report | Iterable[Finding]
) -> tuple[Comparison, ...]:
    """Given the findings of two reports (previous None: nothing known before), return
    one Comparison per key present in either, in the current report's order, cleared last."""
    before = by_key(previous)
    now = by_key(current)
    out: list[Comparison] = []
    for key, finding in now.items():
        earlier = before.get(key)
        if earlier is None:
            change = Change.NEW
        elif rank(finding) > rank(earlier):
            change = Change.WORSE
        else:
            change = Change.UNCHANGED
        out.append(Comparison(change, key, earlier, finding))
    out.extend(Comparison(Change.CLEARED, key, f, None) for key, f in before.items() if key not in now)
    return tuple(out)


# How bad, for "worse": a known critical outranks "could not tell" (as in Report.exit_status).
_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.UNKNOWN: 2, Severity.CRITICAL: 3}


def rank(finding: Finding) -> int:
    return _RANK[finding.severity]


def by_key(findings: Report | Iterable[Finding] | None) -> dict[FindingKey, Finding]:
    """Return the findings by key; where two share one, the more severe (then the first) wins."""
    if findings is None:
        return {}
    items = findings.findings if isinstance(findings, Report) else findings
    out: dict[FindingKey, Finding] = {}
    for finding in items:
        key = finding.key
        if key not in out or rank(finding) > rank(out[key]):
            out[key] = finding
    return out
