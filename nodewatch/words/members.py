"""How several pool members are said together: one command line that restores them all."""

from __future__ import annotations

from collections.abc import Sequence


def restored_together(pool: str, members: Sequence[tuple[int | str, str]]) -> str:
    """'All 2 members of bigdata that are here under other names (6402… as usb-…-part1, …) come
    back with this one line; each of their findings shows the same line: run it once.'"""
    named = ", ".join(f"{guid} as {path.rsplit('/', 1)[-1]}" for guid, path in members)
    return (
        f"All {len(members)} members of {pool} that are here under other names ({named}) come back"
        " with this one line; each of their findings shows the same line: run it once."
    )


def others_here_too(pool: str, others: Sequence[tuple[int | str, str]]) -> str:
    """The sentence a member's finding says about the pool's other members found elsewhere."""
    named = ", ".join(f"{guid} (as {path.rsplit('/', 1)[-1]})" for guid, path in others)
    verb = "is" if len(others) == 1 else "are"
    return (
        f"Member{'s' if len(others) > 1 else ''} {named} of {pool} {verb} here under another name too:"
        " the first command below restores them all at once, so the pool is whole again after it."
    )
