"""The web tier's real tools: Chromium with chromedriver, Prometheus and promtool (Debian packages,
installed by tests/debian-packages.sh, which .ci/run calls).

Without them these tests skip, saying what is missing; CI sets NODEWATCH_REQUIRE_REAL=1 so that a
missing tool fails the run instead of hiding it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

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
        why = f"{', '.join(missing)} not installed (bash tests/debian-packages.sh installs them)"
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


@contextlib.contextmanager
def serve_demo_process(workdir: Path) -> Iterator[str]:
    """Run `nodewatch serve --demo` (the whole service over the bundled demo) on a free loopback
    port; yield its base URL once /healthz answers; stop it with SIGTERM as systemd would."""
    port = free_port()
    config = workdir / "config.toml"
    config.write_text(
        f'[web]\nlisten = "127.0.0.1:{port}"\n[service]\nstate_directory = "{workdir / "state"}"\n'
    )
    log_path = workdir / "serve.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "nodewatch", "serve", "--demo", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5):  # noqa: S310 (loopback)
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("nodewatch serve --demo did not answer:\n" + log_path.read_text())
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=30) == 0, log_path.read_text()
        finally:
            log.close()


@pytest.fixture
def serve_demo(tmp_path: Path) -> Iterator[str]:
    with serve_demo_process(tmp_path) as base:
        yield base
