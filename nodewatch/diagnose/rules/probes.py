"""What could not be seen: pools or disks unavailable, zpool output not understood."""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose.context import Context
from nodewatch.model import SUSPENDED, Finding, ProbeOutcome, Severity


def check(context: Context) -> Iterator[Finding]:
    snapshot = context.snapshot
    for probe in snapshot.probes:
        if probe.outcome is ProbeOutcome.OK:
            continue
        reason = probe.reason or "no reason given"
        if probe.name == "zpool":
            if probe.outcome is ProbeOutcome.NO_DATA:
                yield Finding(Severity.INFO, "zfs-not-present", f"ZFS is not present on this node: {reason}")
            else:
                suspended = [name for name, state in snapshot.kstat_states.items() if state == SUSPENDED]
                yield Finding(
                    Severity.UNKNOWN,
                    "pools-unavailable",
                    f"pools unavailable: {reason}",
                    detail=(
                        "nodewatch could not read `zpool status`, so it cannot tell if the pools are fine."
                        + (f" The kernel reports {', '.join(suspended)} {SUSPENDED}." if suspended else "")
                    ),
                )
        else:
            yield Finding(
                Severity.INFO,
                f"{probe.name}-unavailable",
                f"{probe.name} unavailable: {reason}",
                detail="Findings that need it (which disk is where, SMART) may be missing.",
            )
    pool_status = snapshot.pool_status
    if pool_status:
        lines = list(pool_status.unparsed_lines)
        for pool in pool_status.pools:
            lines += pool.unparsed_lines
        if lines:
            yield Finding(
                Severity.INFO,
                "zpool-output-not-understood",
                f"{len(lines)} line(s) of zpool status were not understood",
                detail="They are kept below. Please report them: a new ZFS version may print something new.",
                evidence=tuple(_clipped(line) for line in lines[:_SHOWN_LINES]),
            )


# A paste can hold anything: never echo it whole into a finding.
_SHOWN_LINES = 50
_SHOWN_CHARS = 200


def _clipped(line: str) -> str:
    if len(line) <= _SHOWN_CHARS:
        return line
    return f"{line[:_SHOWN_CHARS]}… ({len(line)} characters)"
