"""`nodewatch history`: what the service recorded (findings that appeared, got worse, cleared)."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nodewatch.cli import common

_AGO = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_config_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the events as JSON (docs/json.md)")
    parser.add_argument(
        "--since",
        metavar="WHEN",
        help="only events since then: an age (30m, 12h, 7d, 2w) or a date/time (2026-11-23T08:00)",
    )


def parse_since(text: str, now: datetime) -> datetime:
    """Given '12h', '7d' or an ISO date/time (UTC unless it says), return the moment it means."""
    match = _AGO.match(text.strip().lower())
    if match:
        return now - timedelta(seconds=float(match[1]) * _UNITS[match[2]])
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise common.UserError(
            f"--since {text!r}: give an age (30m, 12h, 7d, 2w) or a date/time (2026-11-23T08:00)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run(args: argparse.Namespace) -> int:
    from nodewatch.present.envelope import envelope
    from nodewatch.present.terminal import safe
    from nodewatch.serialize import to_data
    from nodewatch.service.store import FILENAME, Store, StoreError

    config = common.load_config(args)
    since = parse_since(args.since, datetime.now(UTC)) if args.since else None
    path = Path(config.service.state_directory) / FILENAME
    if not path.exists():
        print(
            f"no history at {path}: `nodewatch serve` has not run with this state_directory", file=sys.stderr
        )
        rows = []
    else:
        try:
            store = Store(path)
            rows = store.events(since=since)
            store.close()
        except StoreError as err:
            raise common.UserError(str(err)) from None
    if args.json:
        events = [
            {
                "at": row.at.isoformat(),
                "change": row.change,
                "key": row.key,
                "severity": int(row.severity),
                "code": row.code,
                "pool": row.pool,
                "device": row.device,
                "summary": row.summary,
                "finding": to_data(row.finding),
            }
            for row in rows
        ]
        common.print_json(envelope("history", {"events": events}, host=None, collected_at=None))
        return 0
    for row in reversed(rows):  # oldest first, as a log reads
        device = f"  ({safe(row.device)})" if row.device else ""
        print(
            f"{row.at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC  {row.change:<8} {row.severity.name:<8}"
            f" {safe(row.summary)}  [{safe(row.code)}]{device}"
        )
    if not rows and path.exists():
        print("no events" + (f" since {since:%Y-%m-%d %H:%M} UTC" if since else ""))
    return 0
