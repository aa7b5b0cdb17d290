"""The one JSON envelope of every `--json` output (docs/json.md).

Every document opens with the same fields, so a consumer tells them apart by
`kind` and dates them by `collected_at`:

    schema        the format version; a field is only ever added within a version
    kind          what follows: "report" (diagnose), "pools", "disks", …
    host          the node the data is about (null when read from a file that does not say)
    collected_at  when it was read, ISO 8601 UTC (null when not known)

then the kind's own fields. Values are model data through serialize.to_data
(GUIDs as decimal strings), never the escaped text of the human output.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nodewatch.model import Inventory, PoolStatus, ProbeResult, Report

SCHEMA = 1


def envelope(
    kind: str, body: dict[str, Any], *, host: str | None, collected_at: datetime | None
) -> dict[str, Any]:
    """Given a kind and its fields, return the document with the common fields first."""
    return {
        "schema": SCHEMA,
        "kind": kind,
        "host": host,
        "collected_at": collected_at.isoformat() if collected_at else None,
        **body,
    }


def report_document(report: Report) -> dict[str, Any]:
    """`nodewatch diagnose --json`: the report with what it was made from."""
    from nodewatch.serialize import to_data

    snapshot = report.snapshot
    return envelope(
        "report",
        {
            "zfs_version": snapshot.zfs_version,
            "exit_status": report.exit_status,
            "pools": to_data(snapshot.pools),
            "disks": to_data(snapshot.disks),
            "btrfs": to_data(snapshot.btrfs),
            "findings": to_data(report.findings),
            "probes": to_data(snapshot.probes),
        },
        host=snapshot.hostname,
        collected_at=snapshot.collected_at,
    )


def pools_document(
    status: PoolStatus | None, probe: ProbeResult, *, host: str | None, collected_at: datetime | None
) -> dict[str, Any]:
    """`nodewatch pools --json`: the pools as read (status None when they could not be)."""
    from nodewatch.serialize import to_data

    return envelope(
        "pools",
        {
            "source": status.source.value if status else None,
            "pools": to_data(status.pools) if status else [],
            "unparsed_lines": list(status.unparsed_lines) if status else [],
            "probe": to_data(probe),
        },
        host=host,
        collected_at=collected_at,
    )


def disks_document(
    inventory: Inventory | None,
    probes: list[ProbeResult],
    *,
    host: str | None,
    collected_at: datetime | None,
) -> dict[str, Any]:
    """`nodewatch disks --json`: the inventory (None when unavailable) and the probes that made it."""
    from nodewatch.serialize import to_data

    return envelope(
        "disks",
        {
            "source": inventory.source.value if inventory else None,
            "disks": to_data(inventory.disks) if inventory else [],
            "problems": list(inventory.problems) if inventory else [],
            "probes": to_data(probes),
        },
        host=host,
        collected_at=collected_at,
    )
