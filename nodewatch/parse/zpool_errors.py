"""The one error the zpool parsers raise."""

from __future__ import annotations


class ParseError(ValueError):
    """An output cannot be read at all (not JSON, not a zpool document); says which and why.

    The text parser never raises it: what it does not understand it keeps as
    unparsed lines.
    """

    def __init__(self, source: str, reason: str, line: int | None = None) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {reason}")
        self.source = source
        self.reason = reason
        self.line = line
