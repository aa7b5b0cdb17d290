"""`nodewatch pools`: the pools, their vdev trees, counters and scans.

Shows what ZFS says, without judging it (that is `diagnose`): exit 0 when
pools were read, healthy or not; 3 when they could not be read. Argument
parsing and terminal layout only; the words come from present/pools.py.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from nodewatch.cli import EXIT_UNKNOWN, common
from nodewatch.model import Pool, PoolStatus, ProbeOutcome, ProbeResult, Vdev, VdevType
from nodewatch.present.pools import Tone, describe_scan, space_words, state_tone
from nodewatch.present.terminal import safe

TONE_COLORS = {Tone.GOOD: "green", Tone.DEGRADED: "yellow", Tone.BAD: "red"}


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
    host: str | None = None  # a file does not say which node, or when
    collected_at: datetime | None = None
    if args.zpool_status:
        status, probe = _from_file(args.zpool_status)
    else:
        from nodewatch.probe import host as this_node
        from nodewatch.probe.zpool import read_pools

        host, collected_at = this_node.hostname(), this_node.clocks()[0]
        settings = common.load_config(args).zfs
        reading = read_pools(settings.zpool_command, settings.timeout_seconds)
        status, probe = reading.value.pool_status if reading.value else None, reading.result
    if args.json:
        from nodewatch.present.envelope import pools_document

        common.print_json(pools_document(status, probe, host=host, collected_at=collected_at))
    elif status is not None:
        sys.stdout.write(render(status, color=common.use_color()))
    if status is None:
        print(f"pools unavailable: {safe(probe.reason or 'unknown')}", file=sys.stderr)
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


def render(status: PoolStatus, *, color: bool = False) -> str:
    """Given pools, return them as a readable tree (ANSI colors if `color`)."""
    out: list[str] = [] if status.pools else ["no pools"]
    for pool in status.pools:
        out.extend(_pool_lines(pool, color))
        out.append("")
    unparsed = len(status.unparsed_lines) + sum(len(pool.unparsed_lines) for pool in status.pools)
    if unparsed:
        out.append(f"{unparsed} line(s) not understood (kept verbatim; see --json):")
        out.extend(f"  | {safe(line)}" for line in status.unparsed_lines)
        for pool in status.pools:
            out.extend(f"  | {safe(pool.name)}: {safe(line)}" for line in pool.unparsed_lines)
    return "\n".join(out).rstrip("\n") + "\n"


def _paint_state(state: str, color: bool) -> str:
    tone = state_tone(state)
    return common.paint(safe(state), TONE_COLORS[tone], color) if tone in TONE_COLORS else safe(state)


def _pool_lines(pool: Pool, color: bool) -> list[str]:
    lines = [f"{common.paint(safe(pool.name), 'bold', color)}  {_paint_state(pool.state, color)}"]
    if pool.status:
        lines.append(f"  status: {safe(pool.status)}")
    if pool.action:
        lines.append(f"  action: {safe(pool.action)}")
    if pool.msgid:
        lines.append(f"  see:    {safe(pool.see_url or pool.msgid)}")
    lines.append(f"  scan:   {describe_scan(pool.scan)}")
    if pool.capacity:
        lines.append(f"  space:  {space_words(pool.capacity)}")
    if pool.root:
        width = max(len("  " * depth + safe(vdev.name)) for depth, vdev in _walk(pool.root)) + 2
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
        lines.append(f"  errors: {safe(pool.errors_text)}")
    lines.extend(f"    {safe(name)}" for name in pool.error_files)
    return lines


def _walk(vdev: Vdev, depth: int = 0) -> list[tuple[int, Vdev]]:
    out = [(depth, vdev)]
    for child in vdev.children:
        out.extend(_walk(child, depth + 1))
    return out


def _vdev_line(vdev: Vdev, depth: int, width: int, color: bool, *, counters: bool = True) -> str:
    name = f"{'  ' * depth}{safe(vdev.name)}"
    if not vdev.state:  # a class group: logs, cache, spares, …
        return name
    state = _paint_state(vdev.state, color) + " " * max(0, 9 - len(safe(vdev.state)))
    # zpool keeps no counters for hot spares (print_status_config): none are shown.
    columns = "".join(
        common.paint(f"{value:>6}", "red", color and value > 0) if value else f"{value:>6}"
        for value in (vdev.read_errors, vdev.write_errors, vdev.checksum_errors)
    )
    note = f"  {safe(vdev.note)}" if vdev.note else ""
    return f"{name:<{width}}{state}{columns if counters else ' ' * 18}{note}".rstrip()
