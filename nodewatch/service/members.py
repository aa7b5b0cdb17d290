"""Which disk every pool member is on now, to remember by vdev guid (store.members)."""

from __future__ import annotations

from nodewatch import model
from nodewatch.config import DiagnoseSettings
from nodewatch.diagnose import words
from nodewatch.diagnose.context import Context


def members_seen(snapshot: model.Snapshot) -> list[model.KnownMember]:
    """Return the pool members whose disk is on the node in this snapshot, with that disk's identity."""
    context = Context.build(snapshot, DiagnoseSettings())
    seen: list[model.KnownMember] = []
    for pool in snapshot.pools:
        for leaf in pool.leaves():
            if leaf.guid is None or leaf.not_present:
                continue
            where = context.locate(leaf)
            if where is None:
                continue
            disk = where.disk
            ref = words.disk_ref(disk)
            preferred = disk.preferred_by_id()
            names = [link.name for link in disk.by_id]
            if preferred:
                names.remove(preferred.name)
                names.insert(0, preferred.name)
            bridge_serial = disk.bridge.serial if disk.bridge else None
            seen.append(
                model.KnownMember(
                    vdev_guid=leaf.guid,
                    pool=pool.name,
                    last_seen=snapshot.collected_at,
                    devnode=disk.devnode,
                    model=disk.model,
                    serial=ref.serial,
                    bridge_serial=bridge_serial if bridge_serial != ref.serial else None,
                    wwn=disk.wwn,
                    by_id=tuple(names),
                    transport=disk.transport,
                    port=ref.port,
                )
            )
    return seen
