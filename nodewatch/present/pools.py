"""Pools in words: how healthy a state is, how full a pool is, what its scan is doing."""

from __future__ import annotations

from enum import StrEnum

from nodewatch.model import (
    DEGRADED,
    HEALTHY_STATES,
    OFFLINE,
    REMOVED,
    Capacity,
    Scan,
    ScanFunction,
    ScanState,
)
from nodewatch.words.sizes import binary_size, clock_duration


class Tone(StrEnum):
    """How a state reads at a glance; each output picks its own color for it."""

    GOOD = "good"
    DEGRADED = "degraded"  # still serving, redundancy reduced or a member set aside
    BAD = "bad"
    NONE = "none"  # a class group (logs, spares, …) has no state


def state_tone(state: str) -> Tone:
    """ONLINE/AVAIL/INUSE → good; DEGRADED/REMOVED/OFFLINE → degraded; FAULTED/UNAVAIL/… → bad."""
    if not state:
        return Tone.NONE
    if state in HEALTHY_STATES:
        return Tone.GOOD
    if state in (DEGRADED, REMOVED, OFFLINE):
        return Tone.DEGRADED
    return Tone.BAD


def space_words(capacity: Capacity) -> str:
    """'1.2T of 3.6T used 33% full': binary units, as `zpool list` prints them."""
    percent = f"{capacity.capacity_percent}% full" if capacity.capacity_percent is not None else ""
    used = f"{binary_size(capacity.allocated_bytes)} of {binary_size(capacity.size_bytes)} used"
    return f"{used} {percent}".rstrip()


def describe_scan(scan: Scan) -> str:
    """Given a scan, return one line a person reads: what ran, how far, when."""
    what = scan.function.value
    if scan.state is ScanState.NONE:
        return "never scrubbed" if scan.function is ScanFunction.NONE else f"{what}: no state"
    if scan.state is ScanState.FINISHED:
        parts = [f"{what} finished"]
        if scan.end_time:
            parts.append(f"on {scan.end_time:%Y-%m-%d %H:%M}")
        if scan.duration_seconds is not None:
            parts.append(f"in {clock_duration(scan.duration_seconds)}")
        if scan.repaired_bytes is not None:
            parts.append(f"repaired {binary_size(scan.repaired_bytes)}")
        if scan.errors is not None:
            parts.append(f"{scan.errors} errors")
        return ", ".join(parts)
    if scan.state is ScanState.CANCELED:
        when = f" on {scan.end_time:%Y-%m-%d %H:%M}" if scan.end_time else ""
        return f"{what} canceled{when}"
    parts = [f"{what} {'paused' if scan.state is ScanState.PAUSED else 'in progress'}"]
    if scan.percent_done is not None:
        parts.append(f"{scan.percent_done:.2f}% done")
    if scan.rate_bytes_per_second:
        parts.append(f"at {binary_size(scan.rate_bytes_per_second)}/s")
    if scan.state is ScanState.IN_PROGRESS:
        parts.append(
            f"{clock_duration(scan.eta_seconds)} to go" if scan.eta_seconds is not None else "no ETA"
        )
    if scan.start_time:
        parts.append(f"started {scan.start_time:%Y-%m-%d %H:%M}")
    return ", ".join(parts)
