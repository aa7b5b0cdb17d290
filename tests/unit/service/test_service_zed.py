"""The zedlet (a real /bin/sh run of the shipped script) and the service's FIFO listener."""

import os
import queue
import subprocess
import time
from pathlib import Path

from nodewatch.service.zed import FIFO_NAME, ZedListener

ZEDLET = Path(__file__).resolve().parents[3] / "nodewatch" / "service" / "zedlet" / "all-nodewatch.sh"


def _zedlet(fifo: Path, **event: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "NODEWATCH_ZED_FIFO": str(fifo), **event}
    return subprocess.run(["/bin/sh", str(ZEDLET)], env=env, timeout=10, check=False, capture_output=True)


def test_the_zedlet_pokes_the_service(tmp_path):
    events = queue.Queue()
    listener = ZedListener(tmp_path, events.put)
    try:
        done = _zedlet(
            tmp_path / FIFO_NAME,
            ZEVENT_EID="42",
            ZEVENT_CLASS="sysevent.fs.zfs.statechange",
            ZEVENT_POOL="tank",
        )
        assert done.returncode == 0
        event = events.get(timeout=5)
        assert (event.eid, event.event_class, event.pool) == ("42", "sysevent.fs.zfs.statechange", "tank")
    finally:
        listener.close()
    assert not (tmp_path / FIFO_NAME).exists()


def test_the_zedlet_never_holds_zed_up(tmp_path):
    started = time.monotonic()
    assert _zedlet(tmp_path / FIFO_NAME).returncode == 0  # no service: no FIFO, exits at once
    os.mkfifo(tmp_path / FIFO_NAME)  # a FIFO left behind with nobody reading
    assert _zedlet(tmp_path / FIFO_NAME, ZEVENT_CLASS="x").returncode == 0
    assert time.monotonic() - started < 5  # the write gave up after its 1 s timeout
