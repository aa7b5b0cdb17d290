"""Terminal safety: a name can carry escape sequences, shown here as text, never obeyed.

A USB device reports its own model and serial, a paste can hold anything, and
a path may contain any byte but NUL: ESC could recolor or retitle the terminal,
CR overwrite a line, a newline forge one. Every string rendered for people
goes through `safe()`, and so does every log record the CLI writes to stderr
(`SafeLogRecords`: a command's stderr quoted in a warning can carry them too).
"""

from __future__ import annotations

import logging


def safe(text: str) -> str:
    """Return text with every non-printable character (C0, DEL, C1, line and bidi
    controls, …) written as a Python escape: '\\x1b[31m' stays visible, inert.

    Printable letters of any script, and the space, are kept as they are.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


class SafeLogRecords(logging.Filter):
    """A handler filter: each record's message, arguments filled in, goes out through safe()."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        shown = safe(message)
        if shown != message:
            record.msg, record.args = shown, None
        return True
