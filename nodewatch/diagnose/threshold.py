"""Levels with hysteresis: a value raises a finding at its threshold and clears it only once
it is a margin below, so a pool swinging between 79 % and 81 % full says so once, not on
every collection.

Whether a finding stood before is the caller's fact (Context.standing: the findings the
service still holds open); a one-shot diagnosis has none and judges the value alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from nodewatch.model import Severity


@dataclass(frozen=True, slots=True)
class Threshold:
    """A rising value's levels: warning at `warning`, critical at `critical`; a level once
    raised holds while the value is at most `clear_margin` below where it was raised."""

    warning: float
    critical: float
    clear_margin: float = 0.0

    def judge(self, value: float, standing: Severity | None = None) -> Severity | None:
        """Return the severity of value (None: fine), given the severity that stood before."""
        if value >= self.critical or (
            standing is Severity.CRITICAL and value >= self.critical - self.clear_margin
        ):
            return Severity.CRITICAL
        if value >= self.warning or (
            standing in {Severity.WARNING, Severity.CRITICAL} and value >= self.warning - self.clear_margin
        ):
            return Severity.WARNING
        return None

    def held_words(self, value: float, severity: Severity) -> str:
        """A sentence for a level that only the hysteresis holds now ("" when the value is
        past its threshold): where it was raised, and where it will clear."""
        raised = self.critical if severity is Severity.CRITICAL else self.warning
        if value >= raised:
            return ""
        return (
            f" It reached {raised:g}% earlier; this stays until it is below"
            f" {raised - self.clear_margin:g}% (diagnose.clear_margin_percent), so a value"
            " hovering at the line tells once."
        )
