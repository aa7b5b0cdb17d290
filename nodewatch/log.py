"""Logging: one setup for every entry point, stdlib logging under the `nodewatch` logger.

The CLI is quiet: warnings only (what a person would not see otherwise: a probe
that raised, one left running past the deadline), `-v` for debug (every command
run, with its duration, and each probe's outcome). The service logs at info to
stderr, where systemd's journal takes it; each line starts with its syslog
priority (`<4>`), which journald reads as the entry's level.

Never log a secret: messages carry command lines, device names and reasons, not
config values; as a last guard, the password of any `scheme://user:password@`
URL in a message is blanked.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

LOGGER = "nodewatch"
_USERINFO = re.compile(r"(\b[a-zA-Z][\w+.-]*://[^/\s:@]*):[^/\s@]*@")
# logging level → syslog priority (sd-daemon(3): <3> err, <4> warning, <6> info, <7> debug)
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _USERINFO.sub(r"\1:***@", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (a test may swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # not setStream: it flushes the old one, maybe closed
        super().emit(record)


class _JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        priority = _PRIORITY.get(record.levelno, 6)
        return "\n".join(f"<{priority}>{line}" for line in super().format(record).splitlines())


def setup(*, verbose: bool = False, service: bool = False, stream: TextIO | None = None) -> logging.Logger:
    """Send nodewatch's log to `stream` (stderr): warnings and worse for the CLI, info for the
    service, everything with `verbose`. Calling it again replaces the earlier setup."""
    handler = logging.StreamHandler(stream) if stream is not None else _Stderr()
    handler.addFilter(_Redact())
    if service:
        handler.setFormatter(_JournalFormatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("nodewatch: %(levelname)s: %(message)s"))
    logger = logging.getLogger(LOGGER)
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO if service else logging.WARNING)
    return logger
