"""Snapshots that were not collected here: saved ones, pasted outputs, the demo.

Replay is how tests, bug reports, the demo and "diagnose a paste from another
machine" all work (shared/DESIGN.md): the same diagnose() runs on them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources

from nodewatch import model, serialize

DEMO = "seed-usb-reattach.json"


class ReplayError(Exception):
    """A saved snapshot or pasted output cannot be used; the message says which and why."""


def snapshot_from_json(text: str, source: str) -> model.Snapshot:
    """Given the text of a `nodewatch snapshot` file, return the Snapshot.

    Raise ReplayError naming the source and the field that does not fit.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ReplayError(f"{source}: not JSON ({err})") from None
    if not isinstance(data, dict) or data.get("schema") != 1:
        raise ReplayError(f"{source}: not a nodewatch snapshot (schema 1)")
    try:
        return serialize.from_data(model.Snapshot, data)
    except serialize.DecodeError as err:
        raise ReplayError(f"{source}: {err}") from None


def snapshot_from_file(path: str) -> model.Snapshot:
    from nodewatch.cli.common import read_input

    return snapshot_from_json(read_input(path), path)


def snapshot_from_outputs(
    zpool_status: str,
    *,
    udev_db: str | None = None,
    by_id: str | None = None,
    hostname: str = "(pasted)",
) -> model.Snapshot:
    """Given pasted `zpool status` (text or JSON) and optionally a udev dump or a
    by-id listing, return a Snapshot as if collected on that machine."""
    from nodewatch.parse.zpool_status import ParseError, parse_zpool_status

    try:
        pool_status = parse_zpool_status(zpool_status, source="zpool status")
    except ParseError as err:
        raise ReplayError(str(err)) from None
    inventory = None
    if udev_db is not None:
        from nodewatch.parse.inventory import build_inventory
        from nodewatch.parse.udev_db import parse_udev_db

        inventory = build_inventory(parse_udev_db(udev_db, source="udev-db"), source="udev-db")
    elif by_id is not None:
        from nodewatch.parse.by_id_listing import parse_by_id_listing

        inventory = parse_by_id_listing(by_id, source="by-id listing")
    raw = [model.RawOutput(command="zpool status", stdout=zpool_status)]
    return model.Snapshot(
        hostname=hostname,
        collected_at=datetime.now(UTC),
        pool_status=pool_status,
        inventory=inventory,
        raw=tuple(raw),
    )


def demo_snapshot() -> model.Snapshot:
    """Return the bundled snapshot of the seed story, recorded on the lab VM."""
    text = resources.files("nodewatch.demo").joinpath(DEMO).read_text(encoding="utf-8")
    return snapshot_from_json(text, f"demo {DEMO}")
