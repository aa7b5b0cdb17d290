"""The zedlet's door into the service: a FIFO in the runtime directory.

ZED runs every executable `all-*.sh` zedlet for every ZFS event. Ours
(zedlet/all-nodewatch.sh) writes one line, "EID CLASS POOL", into /run/nodewatch/zed.fifo
with a timeout, so ZED never blocks on nodewatch. The service holds the FIFO open for reading
and writing itself: a writer never blocks while the service runs, the reader never sees
end-of-file, and a line (shorter than PIPE_BUF) arrives whole. When the service is not
running the FIFO is gone (RuntimeDirectory is removed on stop) and the zedlet exits at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FIFO_NAME = "zed.fifo"
DEFAULT_RUNTIME_DIRECTORY = Path("/run/nodewatch")


@dataclass(frozen=True, slots=True)
class ZedEvent:
    eid: str
    event_class: str  # e.g. sysevent.fs.zfs.statechange, resource.fs.zfs.removed
    pool: str


def parse_line(line: str) -> ZedEvent:
    parts = line.strip().split(" ", 2)
    parts += [""] * (3 - len(parts))
    return ZedEvent(parts[0], parts[1], parts[2])


class ZedListener:
    """Reads poke lines from the FIFO in a daemon thread and calls back for each."""

    def __init__(self, directory: Path, callback: Callable[[ZedEvent], None]) -> None:
        self.path = directory / FIFO_NAME
        self._callback = callback
        directory.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and not stat.S_ISFIFO(self.path.stat().st_mode):
            self.path.unlink()
        if not self.path.exists():
            os.mkfifo(self.path, 0o600)  # root's ZED writes it; nobody else needs to
        self._fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="nodewatch-zed", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import select

        pending = b""
        while True:
            ready, _, _ = select.select([self._fd, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            try:
                chunk = os.read(self._fd, 4096)
            except OSError as err:
                log.error("reading %s failed: %s; ZFS events now wait for the next poll", self.path, err)
                return
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.strip():
                    try:
                        self._callback(parse_line(line.decode("utf-8", "replace")))
                    except Exception:
                        log.exception("handling a ZED event failed")

    def close(self) -> None:
        os.write(self._stop_w, b"x")
        self._thread.join(2)
        for fd in (self._fd, self._stop_r, self._stop_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            self.path.unlink()
