"""waitress in a thread: the listen address, a real socket on loopback, a taken port."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from nodewatch.web import server
from nodewatch.web.app import create_app
from nodewatch.web.source import ReplaySource
from tests.unit.web import reports


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:8427", ("127.0.0.1", 8427)),
        ("0.0.0.0:9000", ("0.0.0.0", 9000)),  # noqa: S104 (parsed, not bound)
        ("[::1]:8427", ("::1", 8427)),
        ("[::]:8427", ("::", 8427)),
        ("localhost:8427", ("localhost", 8427)),
    ],
)
def test_listen_addresses(value, expected):
    assert server.parse_listen(value) == expected


@pytest.mark.parametrize("value", ["8427", ":8427", "127.0.0.1:", "127.0.0.1:0", "1.2.3.4:70000", "::1:8427"])
def test_bad_listen_addresses_name_the_key(value):
    with pytest.raises(server.ListenError, match=r"web\.listen"):
        server.parse_listen(value)


def test_serves_on_loopback_and_stops():
    app = create_app(ReplaySource(reports.demo(), "demo"))
    running = server.start_on(app, "127.0.0.1", 0)
    try:
        host, port = running.address
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=10) as response:
            assert response.status == 200
            assert response.headers["Server"] == "nodewatch"
    finally:
        running.close()
    assert not running.thread.is_alive()


def test_a_taken_port_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = create_app(ReplaySource(reports.demo(), "demo"))
        with pytest.raises(server.ListenError, match=rf"web\.listen: cannot listen on 127\.0\.0\.1:{port}"):
            server.start(app, f"127.0.0.1:{port}")


def test_boot_time_comes_from_proc_stat(tmp_path):
    from datetime import UTC, datetime

    from nodewatch.probe.host import boot_time

    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/stat").write_text("cpu  1 2 3\nbtime 1764800000\nprocesses 5\n")
    assert boot_time(tmp_path) == datetime.fromtimestamp(1764800000, UTC)
    assert boot_time(tmp_path / "nowhere") is None
