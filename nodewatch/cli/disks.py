"""`nodewatch disks`: every disk of the node, how it is attached, and why it is named so.

Answers "two of the disks show up as ATA, one as USB — what's up with that?"
for every disk: transport, bridge, whose serial a by-id name carries, ZFS
membership of each partition, SMART, known problems. Argument parsing and
terminal layout only: facts come from the Inventory (parse/inventory.py),
their words from present/disks.py.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from nodewatch.cli import common
from nodewatch.model import Inventory, InventorySource, ProbeOutcome, ProbeResult
from nodewatch.present.disks import DiskText, disk_text, inventory_summary, smart_expected
from nodewatch.present.terminal import safe

EXIT_OK = 0
EXIT_UNAVAILABLE = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the inventory as JSON (schema 1)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--udev-db", metavar="FILE", help="read a saved `udevadm info --export-db` (`-` = stdin)"
    )
    source.add_argument(
        "--by-id",
        metavar="FILE",
        help="read a pasted `ls -l /dev/disk/by-id` (`-` = stdin): best effort, no sizes or SMART",
    )
    parser.add_argument(
        "--smartctl",
        metavar="FILE",
        action="append",
        default=[],
        help="judge a saved smartctl output (-j JSON or text; repeatable; `-` = stdin once), joined to"
        " the disks of --udev-db/--by-id by serial or WWN",
    )


def run(args: argparse.Namespace) -> int:
    probes: list[ProbeResult] = []
    host: str | None = None  # a dump or a listing from a file does not say which node, or when
    collected_at: datetime | None = None
    if args.udev_db:
        from nodewatch.parse.inventory import build_inventory
        from nodewatch.parse.udev_db import parse_udev_db

        dump = parse_udev_db(common.read_input(args.udev_db), source=args.udev_db)
        inventory: Inventory | None = build_inventory(dump, source=InventorySource.UDEV_DB)
    elif args.by_id:
        from nodewatch.parse.by_id_listing import parse_by_id_listing

        inventory = parse_by_id_listing(common.read_input(args.by_id), source=args.by_id)
    elif args.smartctl:
        inventory = None  # only the readings: no live probing on a replay
    else:
        from nodewatch.probe import host as this_node

        host, collected_at = this_node.hostname(), this_node.clocks()[0]
        inventory = _live(common.load_config(args), probes)
    if args.smartctl:
        inventory = _with_readings(inventory, args.smartctl)
    if args.json:
        from nodewatch.present.envelope import disks_document

        common.print_json(disks_document(inventory, probes, host=host, collected_at=collected_at))
    else:
        sys.stdout.write(render(inventory, probes, color=common.use_color()))
    return EXIT_OK if inventory is not None else EXIT_UNAVAILABLE


def _with_readings(inventory: Inventory | None, paths: list[str]) -> Inventory:
    from nodewatch import replay
    from nodewatch.parse.smartctl_join import join_readings

    try:
        return join_readings(inventory, replay.smartctl_readings(paths)).inventory
    except replay.ReplayError as err:
        raise common.UserError(str(err)) from None


def _live(config: Any, probes: list[ProbeResult]) -> Inventory | None:
    from nodewatch.probe.collect import read_inventory

    inventory, results = read_inventory(config)
    probes.extend(results)
    return inventory


def render(inventory: Inventory | None, probes: list[ProbeResult], *, color: bool = False) -> str:
    """Given an inventory and the probes that made it, return the text for a terminal."""
    if inventory is None:
        why = next((p.reason for p in probes if p.outcome is not ProbeOutcome.OK and p.reason), "unknown")
        return f"disk inventory unavailable: {safe(why)}\n"
    lines = [common.paint(inventory_summary(inventory), "bold", color)]
    lines += [f"  note: {safe(problem)}" for problem in inventory.problems]
    for probe in probes:
        if probe.name == "smartctl" and probe.outcome is not ProbeOutcome.OK:
            lines.append(f"  SMART unavailable: {safe(probe.reason or 'unknown')}")
    for disk in inventory.disks:
        lines.append("")
        lines.extend(_disk_lines(disk_text(disk, smart_expected=smart_expected(inventory)), color))
    return "\n".join(lines) + "\n"


def _disk_lines(disk: DiskText, color: bool) -> list[str]:
    lines = [common.paint(disk.heading, "bold", color)]
    lines += [f"  {fact.label}: {fact.text}" if fact.label else f"  {fact.text}" for fact in disk.facts]
    for partition in disk.partitions:
        lines.append(f"  {partition.heading}")
        lines += [f"    {f.label}: {f.text}" if f.label else f"    {f.text}" for f in partition.facts]
    if disk.smart is not None:
        lines.append(f"  SMART: {disk.smart}")
    lines += ["  " + common.paint(f"warning: {warning}", "yellow", color) for warning in disk.warnings]
    return lines
