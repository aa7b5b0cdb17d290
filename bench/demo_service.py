"""`nodewatch serve --demo` of this checkout on a free loopback port, with a state directory
of its own: how the host-side service benches (bench_web.py, bench_alert_memory.py) start it."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def start(config_tail: str = "") -> tuple[subprocess.Popen[bytes], int]:
    """The running service and its page's port; config_tail: more TOML sections."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    work = Path(tempfile.mkdtemp(prefix="nodewatch-bench-"))
    config, state = work / "config.toml", work / "state"
    state.mkdir()
    config.write_text(
        f'[web]\nlisten = "127.0.0.1:{port}"\n[service]\nstate_directory = "{state}"\n{config_tail}'
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "nodewatch", "serve", "--demo", "--config", str(config)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, port
