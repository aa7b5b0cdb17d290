"""`zdb -C -U <cache file>` text → the pools the cache file lists.

The cache file (/etc/zfs/zpool.cache) is what the boot import
(`zfs-import-cache`) reads: every pool in it is one the node is meant to
import at boot. `zdb -C -U FILE` prints each as an nvlist dump:

    bigdata:
        version: 5000
        name: 'bigdata'
        pool_guid: 7310853271624380567
        vdev_tree:
            children[0]:
                path: '/dev/disk/by-id/wwn-0x50014ee21522fe55-part1'

Only the pool's name, guid and its leaves' recorded paths are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nodewatch.model import Guid

_POOL = re.compile(r"^(?P<name>[^\s:][^:]*):\s*$")
_FIELD = re.compile(r"^\s+(?P<key>name|pool_guid|path):\s*(?P<value>.*?)\s*$")


@dataclass(frozen=True, slots=True)
class CachedPool:
    name: str
    guid: Guid | None
    paths: tuple[str, ...]


def parse_zpool_cache(text: str) -> tuple[CachedPool, ...]:
    """Given the text of `zdb -C -U <cache file>`, return the pools it lists, in order."""
    pools: list[CachedPool] = []
    name: str | None = None
    guid: Guid | None = None
    paths: list[str] = []

    def close() -> None:
        if name is not None:
            pools.append(CachedPool(name, guid, tuple(paths)))

    for line in text.splitlines():
        pool = _POOL.match(line)
        if pool:
            close()
            name, guid, paths = pool["name"], None, []
            continue
        field = _FIELD.match(line)
        if field is None or name is None:
            continue
        value = field["value"].strip("'")
        if field["key"] == "pool_guid" and value.isdigit():
            guid = Guid(int(value))
        elif field["key"] == "name" and value and guid is None:
            name = value  # the pool's own name line comes before its vdev tree
        elif field["key"] == "path":
            paths.append(value)
    close()
    return tuple(pools)
