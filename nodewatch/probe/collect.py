"""One collection pass: every probe once, into a Snapshot.

Each probe is time-limited and reports its own outcome, so a hung zpool or a
missing smartctl makes the snapshot poorer, never absent.
"""

from __future__ import annotations

from pathlib import Path

from nodewatch.config import Config
from nodewatch.model import ProbeOutcome, Snapshot
from nodewatch.probe import disks, host, zpool


def collect(config: Config, root: Path = Path("/")) -> Snapshot:
    """Given the config, look at this node once and return what was seen."""
    collected_at, local_time = host.clocks()
    pool_status, zpool_result, zpool_raw = zpool.read_pools(config)
    zfs_version = None
    if zpool_result.outcome is not ProbeOutcome.NO_DATA or pool_status is not None:
        zfs_version = zpool.read_zfs_version(config.zfs.zpool_command)
    found = disks.collect(config.smart, root=root)
    return Snapshot(
        hostname=host.hostname(),
        collected_at=collected_at,
        local_time=local_time,
        zfs_version=zfs_version,
        pool_status=pool_status,
        inventory=found.inventory,
        mounts=host.read_mounts(root),
        kstat_states=zpool.read_kstat_states(root),
        probes=(zpool_result, *found.probes),
        raw=(*zpool_raw, *found.raw),
    )
