"""The disk a finding is about, as a person finds it; the sentences come from nodewatch.words.

Rules write a finding's summary and detail themselves; how a disk, its
transport and its names are said is shared with the outputs and lives in
nodewatch/words/disks.py (below diagnose in the layering), re-exported here.
"""

from __future__ import annotations

from nodewatch.model import Disk, DiskRef
from nodewatch.words.disks import describe, recorded_as, siblings_differ, why_renamed

__all__ = ["describe", "disk_ref", "recorded_as", "siblings_differ", "why_renamed"]


def disk_ref(disk: Disk) -> DiskRef:
    preferred = disk.preferred_by_id()
    port = None
    if disk.bridge and disk.bridge.port_path:
        port = f"USB {disk.bridge.port_path}"
    elif disk.by_path:
        port = disk.by_path[0].rsplit("/", 1)[-1]
    return DiskRef(
        devnode=disk.devnode,
        by_id=preferred.name if preferred else None,
        model=disk.model,
        serial=(disk.smart.serial if disk.smart and disk.smart.serial else disk.serial),
        transport=disk.transport,
        port=port,
    )
