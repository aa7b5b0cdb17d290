"""The web tier's real tools: Chromium with chromedriver, Prometheus and promtool (Debian packages,
installed by tests/web_real/install.sh, which .ci/run calls).

Without them these tests skip, saying what is missing; CI sets NODEWATCH_REQUIRE_REAL=1 so that a
missing tool fails the run instead of hiding it.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator

import pytest

from nodewatch.model import Report
from nodewatch.web import server
from nodewatch.web.app import create_app
from nodewatch.web.source import ReplaySource


def need(*programs: str) -> dict[str, str]:
    """Return the paths of programs; skip (or fail, in CI) when one is missing."""
    found = {name: shutil.which(name) for name in programs}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        why = f"{', '.join(missing)} not installed (bash tests/web_real/install.sh installs them)"
        if os.environ.get("NODEWATCH_REQUIRE_REAL") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return {name: path for name, path in found.items() if path}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(report: Report, replayed: str = "demo") -> Iterator[str]:
    """Serve a report on loopback with waitress, as `nodewatch serve` does; yield its base URL."""
    running = server.start_on(create_app(ReplaySource(report, replayed)), "127.0.0.1", 0)
    try:
        host, port = running.address
        yield f"http://{host}:{port}"
    finally:
        running.close()


@pytest.fixture(scope="session")
def demo_url() -> Iterator[str]:
    from tests.unit.web import reports

    yield from serve(reports.demo())
