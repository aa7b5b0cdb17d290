"""`zpool import` (listing mode) text and `cannot import` messages → the pools found.

A listing prints, for each pool it could import, the same blocks as `zpool
status` (with `id:` for the pool's guid and no counters), so it is read by
the same text parser; this module adds what only an import listing says.
"""

from __future__ import annotations

import re

from nodewatch.model import Pool, PoolStatus
from nodewatch.parse.zpool_text import parse_zpool_status_text

# `cannot import 'tank': one or more devices is currently unavailable`, as zpool prints it
# on a failed import, and as the boot's zfs-import-cache service logs it.
_CANNOT_IMPORT = re.compile(r"cannot import '(?P<pool>[^']+)': (?P<reason>.+?)\s*$")
# `status:` names unsupported features as `com.delphix:spacemap_histogram`, optionally
# followed by a description in parentheses.
_FEATURE = re.compile(r"\b(?:[a-z0-9-]+\.)+[a-z0-9-]+:[a-z0-9_]+\b")
_MISSING_TOP_LEVEL = "Additional devices are known to be part of this pool"


def parse_zpool_import(text: str) -> PoolStatus:
    """Given the text of `zpool import [-d DIR]` without a pool name, return the pools it lists."""
    return parse_zpool_status_text(text)


def cannot_import(text: str) -> dict[str, str]:
    """Given text holding zpool's `cannot import '<pool>': <reason>` lines (a failed import,
    a boot journal), return the last reason given for each pool."""
    reasons: dict[str, str] = {}
    for line in text.splitlines():
        match = _CANNOT_IMPORT.search(line)
        if match:
            reasons[match["pool"]] = match["reason"]
    return reasons


def unsupported_features(pool: Pool) -> tuple[str, ...]:
    """Given a listed pool, return the features its `status:` says this system lacks."""
    status = pool.status or ""
    if "not supported" not in status:
        return ()
    return tuple(dict.fromkeys(_FEATURE.findall(status.partition("not supported")[2])))


def top_level_missing(pool: Pool) -> bool:
    """Whether the listing says whole top-level vdevs are missing (their layout unknown):
    then no member list is complete, and the missing disks cannot be named from it."""
    return any(_MISSING_TOP_LEVEL in line for line in pool.unparsed_lines)
