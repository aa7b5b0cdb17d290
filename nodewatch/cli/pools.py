"""`nodewatch pools`: the pools, their vdev trees, counters and scans."""

from __future__ import annotations

import argparse

from nodewatch.cli import common


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the pools as JSON (schema 1)")
    parser.add_argument(
        "--zpool-status",
        metavar="FILE",
        help="read saved `zpool status` text or JSON from FILE (`-` = stdin) instead of running zpool",
    )


def run(args: argparse.Namespace) -> int:
    raise common.UserError("pools: not implemented yet")
