"""The one error the zpool parsers raise, and the check that a parsed tree is a pool's at all."""

from __future__ import annotations

from nodewatch.model import PoolStatus


class ParseError(ValueError):
    """An output cannot be read at all (not JSON, not a zpool document); says which and why.

    The text parser never raises it (what it does not understand it keeps as
    unparsed lines) but for a vdev tree deeper than any pool's.
    """

    def __init__(self, source: str, reason: str, line: int | None = None) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {reason}")
        self.source = source
        self.reason = reason
        self.line = line


# The deepest a real vdev tree goes: the root, a top-level vdev, spare-N, replacing-N inside
# it, a leaf. Twice that, and it is not what zpool printed.
MAX_VDEV_DEPTH = 10


def too_deep_pool(status: PoolStatus) -> str | None:
    """Given pools, return why one of them cannot be a real pool's vdev tree (nested deeper
    than MAX_VDEV_DEPTH), or None. Walked without recursion: the input is not trusted."""
    for pool in status.pools:
        stack = [(pool.root, 0)] if pool.root else []
        while stack:
            vdev, depth = stack.pop()
            if depth > MAX_VDEV_DEPTH:
                return f"pool {pool.name}: vdevs nested over {MAX_VDEV_DEPTH} deep, as no pool is"
            stack.extend((child, depth + 1) for child in vdev.children)
    return None
