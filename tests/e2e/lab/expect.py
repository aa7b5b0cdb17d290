"""Checks of what nodewatch says, kept apart from the raw-state assertions.

The raw states and the lab's fixes are hard assertions. What nodewatch reports
is checked too, but while its diagnose command is still growing a miss is
logged loudly and listed at the end of the session instead of failing CI for
everyone; NODEWATCH_LAB_STRICT=1 makes every miss a test failure (turn it on in
.ci/run once diagnose covers the scenarios)."""

from __future__ import annotations

import os

from .vm import log

MISSES: list[str] = []


def strict() -> bool:
    return os.environ.get("NODEWATCH_LAB_STRICT") == "1"


def expect(ok: bool, what: str, scenario: str = "") -> bool:
    if ok:
        log(f"nodewatch check passed: {what}")
        return True
    if strict():
        raise AssertionError(f"nodewatch: {what}")
    MISSES.append(f"{scenario}: {what}" if scenario else what)
    log(f"!! NODEWATCH CHECK FAILED (not strict, test goes on): {what}")
    return False
