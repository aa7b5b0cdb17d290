"""Reports the web tests serve, built from recorded outputs.

- demo(): the bundled seed story (a real OpenZFS 2.3.2 lab VM).
- zoo(): assembled from several recordings, to show every part of the page at
  once: the disks of the lab's disk zoo (tests/fixtures/lab/disks-zoo: SATA,
  USB bridges, NVMe, SD, virtio; recorded on the lab VM), pools from public
  `zpool status` pastes (a scrub in progress, a resilver, a finished scrub,
  permanent errors; each file's header names its origin), and two public
  smartctl outputs put on two of the zoo's disks (a failing drive, an NVMe with
  media errors; their .source files name the origin). Only the assembling is
  made up: which disk carries which SMART output, and the clocks.
- hostile(report): every string of a report with markup, quotes and control
  characters appended — what a USB device or a pool name could carry.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nodewatch import diagnose, model, replay
from nodewatch.parse.smartctl import parse_smartctl_json
from nodewatch.parse.zpool_status import parse_zpool_status, strip_preamble
from tests.support.recordings import lab_snapshot

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
HOSTILE = "<script>alert('x')</script>\"'&amp;<b>\\\n"
ZOO_POOLS = (
    "zol-0.7-scrub-canceled-then-in-progress-with-date-lines.txt",
    "zol-0.7-resilver-issued-format-offline-too-many-errors-excerpt.txt",
    "lab-2.3.2-raidz1-healthy.txt",
    "zol-0.6.5-permanent-errors-2.04K-counters.txt",
)
ZOO_SMART = {
    "/dev/sdb": ("Hitachi-HDS721050DLE630-usbjmicron-failing.json", 216),
    "/dev/nvme0n1": ("Samsung-SSD-970-EVO-500GB-media-errors.json", 0),
}


def demo() -> model.Report:
    return diagnose.diagnose(replay.demo_snapshot())


def zoo() -> model.Report:
    disks_snapshot = lab_snapshot("disks-zoo", "zfs23", "03-hotplugged")
    pools: dict[str, model.Pool] = {}
    for name in ZOO_POOLS:
        text = strip_preamble((FIXTURES / "zpool-status-text" / name).read_text(encoding="utf-8"))
        # A paste may hold the same pool several times (a watch loop): keep its last state.
        pools.update((pool.name, pool) for pool in parse_zpool_status(text, source=name).pools)
    disks = []
    for recorded in disks_snapshot.disks:
        disk = recorded
        if disk.devnode in ZOO_SMART:
            file, returncode = ZOO_SMART[disk.devnode]
            text = (FIXTURES / "smartctl-json" / file).read_text(encoding="utf-8")
            disk = dataclasses.replace(disk, smart=parse_smartctl_json(text, returncode))
        disks.append(disk)
    collected = datetime(2018, 7, 16, 12, 0, tzinfo=UTC)
    snapshot = dataclasses.replace(
        disks_snapshot,
        hostname="zoo",
        collected_at=collected,
        local_time=collected.replace(tzinfo=None),
        pool_status=model.PoolStatus(pools=tuple(pools.values())),
        inventory=dataclasses.replace(disks_snapshot.inventory or model.Inventory(), disks=tuple(disks)),
        probes=(
            model.ProbeResult("zpool", model.ProbeOutcome.OK, duration_seconds=0.21),
            model.ProbeResult("udev", model.ProbeOutcome.OK, duration_seconds=0.05),
            model.ProbeResult(
                "smartctl", model.ProbeOutcome.FAILED, "smartctl timed out after 30 s", duration_seconds=30.0
            ),
        ),
    )
    return diagnose.diagnose(snapshot)


def hostile(value: Any) -> Any:
    """Given a model value, return it with HOSTILE appended to every string in it."""
    if isinstance(value, enum.Enum):
        return value
    if isinstance(value, str):
        return value + HOSTILE
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: hostile(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(hostile(item) for item in value)
    if isinstance(value, dict):
        return {hostile(key): hostile(item) for key, item in value.items()}
    return value


def ago(report: model.Report, seconds: float) -> datetime:
    return report.snapshot.collected_at - timedelta(seconds=seconds)
