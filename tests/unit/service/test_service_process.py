"""`nodewatch serve`, `alert test` and `history` as processes: sd_notify readiness and watchdog
on a real unix datagram socket, the page on a real port, a clean exit on SIGTERM."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.receiver import Receiver

REPO = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(tmp_path, urls=(), port=None):
    path = tmp_path / "config.toml"
    url_list = ", ".join(json.dumps(u) for u in urls)
    path.write_text(
        f'[service]\nstate_directory = "{tmp_path / "state"}"\n'
        f"[alerts]\nurls = [{url_list}]\n"
        f'[web]\nlisten = "127.0.0.1:{port or _free_port()}"\n'
    )
    return path


def _nodewatch(*args, env=None, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "nodewatch", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        timeout=120,
        check=False,
        **kwargs,
    )


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_serve_demo_is_ready_pings_the_watchdog_alerts_serves_the_page_and_stops_on_sigterm(
    tmp_path, receiver
):
    notify = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify))
    messages: list[str] = []

    def listen() -> None:  # read as systemd does, all the time
        with contextlib.suppress(OSError):
            while True:
                messages.append(sock.recv(4096).decode())

    threading.Thread(target=listen, daemon=True).start()
    port = _free_port()
    config = _config(tmp_path, [receiver.url], port)
    process = subprocess.Popen(
        [sys.executable, "-m", "nodewatch", "serve", "--demo", "--config", str(config)],
        env={**os.environ, "PYTHONPATH": str(REPO), "NOTIFY_SOCKET": str(notify), "WATCHDOG_USEC": "400000"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not any("WATCHDOG=1" in m for m in messages) and time.monotonic() < deadline:
            time.sleep(0.1)
        ready = next(i for i, m in enumerate(messages) if "READY=1" in m)
        assert any("WATCHDOG=1" in m for m in messages[ready:]), messages[:5]
        [alert] = receiver.wait_for(1)
        assert "CRITICAL" in alert["title"] and "bigdata" in alert["title"]
        assert "run first: zpool set path=" in alert["message"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/status", timeout=10) as response:
            assert response.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    time.sleep(0.5)
    sock.close()
    assert any("STOPPING=1" in m for m in messages), messages[-5:]
    assert "stopped" in err
    assert receiver.url not in err  # URLs are redacted in the log


def test_alert_test_exit_0_when_delivered_and_1_with_the_reason(tmp_path, receiver):
    good = _nodewatch("alert", "test", "--config", str(_config(tmp_path, [receiver.url])))
    assert good.returncode == 0, good.stderr
    assert "delivered" in good.stdout and receiver.wait_for(1)[0]["title"].endswith("nodewatch can reach you")
    bad = _nodewatch(
        "alert",
        "test",
        "--config",
        str(_config(tmp_path, [receiver.url, "json://127.0.0.1:9/secret-token/"])),
    )
    assert bad.returncode == 1
    assert "FAILED" in bad.stdout and "secret-token" not in bad.stdout + bad.stderr
    none = _nodewatch("alert", "test", "--config", str(_config(tmp_path)))
    assert none.returncode == 1 and "no alert URLs" in none.stderr


def test_history_prints_what_serve_recorded(tmp_path, receiver):
    config = _config(tmp_path, [receiver.url])
    state = tmp_path / "state"
    from nodewatch.config import load
    from nodewatch.service.loop import Service
    from nodewatch.service.sdnotify import Notifier
    from tests.support.recordings import lab_snapshot

    service = Service(load(config), state_directory=state, notify=Notifier({}))
    service.evaluate(lab_snapshot("removed-replug", "zfs23", "02-removed"))
    service.shutdown()
    text = _nodewatch("history", "--config", str(config))
    assert text.returncode == 0 and "new" in text.stdout and "member-missing" in text.stdout
    data = json.loads(_nodewatch("history", "--json", "--since", "1h", "--config", str(config)).stdout)
    assert data["kind"] == "history" and data["events"][0]["code"] == "member-missing"
    future = json.loads(
        _nodewatch("history", "--json", "--since", "2999-01-01", "--config", str(config)).stdout
    )
    assert future["events"] == []
    bad = _nodewatch("history", "--since", "yesterday-ish", "--config", str(config))
    assert bad.returncode == 3 and "--since" in bad.stderr


def test_sd_notify_never_blocks_on_a_reader_that_does_not_read(tmp_path):
    from nodewatch.service.sdnotify import Notifier

    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    notifier = Notifier({"NOTIFY_SOCKET": str(path)})
    started = time.monotonic()
    sent = [notifier.watchdog() for _ in range(5000)]  # far more than a datagram queue holds
    assert time.monotonic() - started < 5
    assert sent[0] and not all(sent)  # the first went, the overflow was dropped, nothing waited
    assert sock.recv(100) == b"WATCHDOG=1"
    notifier.close()
