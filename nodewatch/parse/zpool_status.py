"""Saved or live `zpool status` output of either kind → PoolStatus.

The entry point for pasted outputs (`nodewatch pools --zpool-status FILE`,
replay): JSON if the first non-comment character is `{`, text otherwise.
Leading lines that start with `#`, `//` or `$ ` are taken as comments or a
shell prompt (fixture provenance headers, `$ zpool status -v` in a paste)
and skipped, so a file documents where it came from and still parses.
"""

from __future__ import annotations

from dataclasses import replace

from nodewatch.model import Capacity, PoolStatus
from nodewatch.parse.zpool_errors import ParseError, too_deep_pool
from nodewatch.parse.zpool_json import parse_zpool_status_json
from nodewatch.parse.zpool_text import parse_zpool_status_text

__all__ = ["ParseError", "attach_capacity", "parse_zpool_status", "strip_preamble", "too_deep_pool"]

_COMMENT_PREFIXES = ("#", "//", "$ ")


def strip_preamble(text: str) -> str:
    """Given an output, return it without leading comment or prompt lines."""
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines) and _is_preamble(lines[index]):
        index += 1
    return "".join(lines[index:])


def _is_preamble(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith(_COMMENT_PREFIXES)


def is_json(text: str) -> bool:
    """Say whether an output (after its preamble) is JSON rather than text."""
    return strip_preamble(text).lstrip().startswith("{")


def parse_zpool_status(text: str, *, source: str = "<stdin>", now: float | None = None) -> PoolStatus:
    """Given `zpool status` output, JSON or text, return the pools.

    Raise ParseError if it looks like JSON but is not a `zpool status -j`
    document, or if its vdevs nest deeper than any pool can (a crafted
    paste); otherwise text never raises (unknown lines are kept as unparsed).
    """
    body = strip_preamble(text)
    try:
        if body.lstrip().startswith("{"):
            status = parse_zpool_status_json(body, source=source, now=now)
        else:
            status = parse_zpool_status_text(body, source=source)
    except RecursionError:
        raise ParseError(source, "vdevs nested too deeply to be a `zpool status`") from None
    too_deep = too_deep_pool(status)
    if too_deep:
        raise ParseError(source, too_deep)
    return status


def attach_capacity(status: PoolStatus, capacities: dict[str, Capacity]) -> PoolStatus:
    """Given pools and capacities by pool name (from `zpool list`), return the
    pools with their capacity filled in where known."""
    pools = tuple(
        replace(pool, capacity=capacities[pool.name]) if pool.name in capacities else pool
        for pool in status.pools
    )
    return replace(status, pools=pools)
