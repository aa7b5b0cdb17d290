"""`nodewatch pools`: the pools, their vdev trees, counters and scans.

Shows what ZFS says, without judging it (that is `diagnose`): exit 0 when
pools were read, healthy or not; 3 when they could not be read.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nodewatch.cli import EXIT_UNKNOWN, common
from nodewatch.model import (
    HEALTHY_STATES,
    Pool,
    PoolStatus,
    ProbeOutcome,
    ProbeResult,
    Scan,
    ScanState,
    Vdev,
    VdevType,
)

JSON_SCHEMA = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the pools as JSON (schema 1)")
    parser.add_argument(
        "--zpool-status",
        metavar="FILE",
        help="read saved `zpool status` text or `zpool status -j` JSON from FILE (`-` = stdin)"
        " instead of running zpool: a paste from another machine works",
    )


def run(args: argparse.Namespace) -> int:
    status: PoolStatus | None
    if args.zpool_status:
        status, probe = _from_file(args.zpool_status)
    else:
        from nodewatch.probe.zpool import read_pools

        status, probe, _raw = read_pools(common.load_config(args))
    if args.json:
        common.print_json(_document(status, probe))
    elif status is not None:
        sys.stdout.write(render(status, color=common.use_color()))
    if status is None:
        print(f"pools unavailable: {probe.reason}", file=sys.stderr)
        return EXIT_UNKNOWN
    return 0


def _from_file(path: str) -> tuple[PoolStatus, ProbeResult]:
    from nodewatch.parse.zpool_status import ParseError, parse_zpool_status

    text = common.read_input(path)
    source = "<stdin>" if path == "-" else path
    try:
        status = parse_zpool_status(text, source=source)
    except ParseError as err:
        raise common.UserError(f"cannot read {source}: {err.reason}") from None
    if not status.pools:
        raise common.UserError(f"{source}: no `zpool status` pool found in it")
    return status, ProbeResult("zpool", ProbeOutcome.OK, f"read from {source}")


def _document(status: PoolStatus | None, probe: ProbeResult) -> dict[str, Any]:
    from nodewatch.serialize import to_data

    return {
        "schema": JSON_SCHEMA,
        "source": status.source.value if status else None,
        "pools": to_data(status.pools) if status else [],
        "unparsed_lines": list(status.unparsed_lines) if status else [],
        "probe": to_data(probe),
    }


def render(status: PoolStatus, *, color: bool = False) -> str:
    """Given pools, return them as a readable tree (ANSI colors if `color`)."""
    out: list[str] = [] if status.pools else ["no pools"]
    for pool in status.pools:
        out.extend(_pool_lines(pool, color))
        out.append("")
    unparsed = len(status.unparsed_lines) + sum(len(pool.unparsed_lines) for pool in status.pools)
    if unparsed:
        out.append(f"{unparsed} line(s) not understood (kept verbatim; see --json):")
        out.extend(f"  | {line}" for line in status.unparsed_lines)
        for pool in status.pools:
            out.extend(f"  | {pool.name}: {line}" for line in pool.unparsed_lines)
    return "\n".join(out).rstrip("\n") + "\n"


def _paint_state(state: str, color: bool) -> str:
    if state in HEALTHY_STATES:
        return common.paint(state, "green", color)
    if state in ("DEGRADED", "REMOVED", "OFFLINE"):
        return common.paint(state, "yellow", color)
    return common.paint(state, "red", color) if state else state


def _pool_lines(pool: Pool, color: bool) -> list[str]:
    lines = [f"{common.paint(pool.name, 'bold', color)}  {_paint_state(pool.state, color)}"]
    if pool.status:
        lines.append(f"  status: {pool.status}")
    if pool.action:
        lines.append(f"  action: {pool.action}")
    if pool.msgid:
        lines.append(f"  see:    {pool.see_url or pool.msgid}")
    lines.append(f"  scan:   {describe_scan(pool.scan)}")
    if pool.capacity:
        capacity = pool.capacity
        percent = f"{capacity.capacity_percent}% full" if capacity.capacity_percent is not None else ""
        used = f"{_bytes(capacity.allocated_bytes)} of {_bytes(capacity.size_bytes)} used"
        lines.append(f"  space:  {used} {percent}".rstrip())
    if pool.root:
        width = max(len("  " * depth + vdev.name) for depth, vdev in _walk(pool.root)) + 2
        lines.append(f"    {'NAME':<{width}}{'STATE':<9}{'READ':>6}{'WRITE':>6}{'CKSUM':>6}")
        spares = {
            id(child)
            for group in pool.root.children
            if group.type is VdevType.SPARES
            for child in group.children
        }
        for depth, vdev in _walk(pool.root):
            lines.append("    " + _vdev_line(vdev, depth, width, color, counters=id(vdev) not in spares))
    if pool.errors_text:
        lines.append(f"  errors: {pool.errors_text}")
    lines.extend(f"    {name}" for name in pool.error_files)
    return lines


def _walk(vdev: Vdev, depth: int = 0) -> list[tuple[int, Vdev]]:
    out = [(depth, vdev)]
    for child in vdev.children:
        out.extend(_walk(child, depth + 1))
    return out


def _vdev_line(vdev: Vdev, depth: int, width: int, color: bool, *, counters: bool = True) -> str:
    name = f"{'  ' * depth}{vdev.name}"
    if not vdev.state:  # a class group: logs, cache, spares, …
        return name
    state = _paint_state(vdev.state, color) + " " * max(0, 9 - len(vdev.state))
    # zpool keeps no counters for hot spares (print_status_config): none are shown.
    columns = "".join(
        common.paint(f"{value:>6}", "red", color and value > 0) if value else f"{value:>6}"
        for value in (vdev.read_errors, vdev.write_errors, vdev.checksum_errors)
    )
    note = f"  {vdev.note}" if vdev.note else ""
    return f"{name:<{width}}{state}{columns if counters else ' ' * 18}{note}".rstrip()


def describe_scan(scan: Scan) -> str:
    """Given a scan, return one line a person reads: what ran, how far, when."""
    what = scan.function.value
    if scan.state is ScanState.NONE:
        return "never scrubbed" if scan.function.value == "none" else f"{what}: no state"
    if scan.state is ScanState.FINISHED:
        parts = [f"{what} finished"]
        if scan.end_time:
            parts.append(f"on {scan.end_time:%Y-%m-%d %H:%M}")
        if scan.duration_seconds is not None:
            parts.append(f"in {_duration(scan.duration_seconds)}")
        if scan.repaired_bytes is not None:
            parts.append(f"repaired {_bytes(scan.repaired_bytes)}")
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
        parts.append(f"at {_bytes(scan.rate_bytes_per_second)}/s")
    if scan.state is ScanState.IN_PROGRESS:
        parts.append(f"{_duration(scan.eta_seconds)} to go" if scan.eta_seconds is not None else "no ETA")
    if scan.start_time:
        parts.append(f"started {scan.start_time:%Y-%m-%d %H:%M}")
    return ", ".join(parts)


def _bytes(value: int) -> str:
    size = float(value)
    for unit in ("B", "K", "M", "G", "T", "P"):
        if size < 1024 or unit == "P":
            return f"{size:.0f}{unit}" if unit == "B" else f"{size:.1f}{unit}"
        size /= 1024
    return f"{value}B"


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}d {clock}" if days else clock
