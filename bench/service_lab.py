"""What the service benchmarks share: a lab VM (tests/e2e/lab) with nodewatch installed and
running under its own systemd unit, alerting to a receiver in the guest."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.lab import guestpkg  # noqa: E402
from tests.e2e.lab.disks import Disk  # noqa: E402
from tests.e2e.lab.image import build, cached_image  # noqa: E402
from tests.e2e.lab.vm import Machine, log  # noqa: E402

UNIT = REPO / "nodewatch" / "service" / "systemd" / "nodewatch.service"
RECEIVER = REPO / "tests" / "support" / "receiver.py"
RECEIVED = "/var/tmp/received.jsonl"  # noqa: S108 - in the guest
ZED_STAMPS = "/var/tmp/zed-stamps.txt"  # noqa: S108 - in the guest
PORT = 8999
KEEP_LOADED = "keep_apprise_loaded = true\n"  # [alerts], for a bench's --keep-loaded
# ZED's own zedlet for the same events: the time each event reached ZED's zedlets.
STAMP_ZEDLET = f'#!/bin/sh\necho "$(date +%s.%N) $ZEVENT_CLASS" >> {ZED_STAMPS}\n'


def machine(name: str, disks: list[Disk], kind: type[Machine] = Machine) -> Machine:
    image = cached_image("zfs23") or build("zfs23")
    work = Path(tempfile.mkdtemp(prefix=f"nodewatch-{name}-", dir="/var/tmp"))
    wheels, why = guestpkg.build_wheels(work / "wheels")
    if not wheels:
        raise SystemExit(f"cannot build the nodewatch wheel: {why}")
    m = kind(image, work / "vm", name=name)
    m.boot(disks)
    if not guestpkg.install(m, wheels):
        raise SystemExit("installing nodewatch in the guest failed")
    # The lab installs with --no-compile (faster under TCG); a real `pip install` writes the
    # bytecode, and the unit (PYTHONDONTWRITEBYTECODE) never does: without it each apprise
    # child compiled ~700 modules from source (half a minute per alert in the guest).
    started = time.monotonic()
    m.sh(f"{guestpkg.GUEST_VENV}/bin/python -m compileall -q -j 0 {guestpkg.GUEST_VENV}/lib", timeout=1800)
    log(f"bytecode compiled in the guest's venv in {time.monotonic() - started:.0f} s")
    return m


def start_service(m: Machine, config: str = "", verbose: bool = False) -> None:
    """Receiver, config, unit, nodewatch's zedlet and the stamping zedlet; then start the unit
    (verbose: with `nodewatch -v`, so the journal shows each event and command, timed)."""
    m.agent.write_file("/opt/receiver.py", RECEIVER.read_bytes())  # type: ignore[union-attr]
    unit = f"[Service]\nExecStart=/usr/bin/python3 /opt/receiver.py {PORT} {RECEIVED}\n"
    m.agent.write_file("/run/systemd/system/nw-receiver.service", unit.encode())  # type: ignore[union-attr]
    m.sh("systemctl daemon-reload && systemctl start nw-receiver")
    m.sh("mkdir -p /etc/nodewatch")
    text = f'[alerts]\nurls = ["json://127.0.0.1:{PORT}/"]\n{config}'
    m.agent.write_file("/etc/nodewatch/config.toml", text.encode())  # type: ignore[union-attr]
    m.agent.write_file("/etc/systemd/system/nodewatch.service", UNIT.read_bytes())  # type: ignore[union-attr]
    if verbose:
        command = f"{guestpkg.GUEST_VENV}/bin/nodewatch -v serve --config /etc/nodewatch/config.toml"
        m.sh("mkdir -p /etc/systemd/system/nodewatch.service.d")
        dropin = f"[Service]\nExecStart=\nExecStart={command}\n"
        m.agent.write_file("/etc/systemd/system/nodewatch.service.d/verbose.conf", dropin.encode())  # type: ignore[union-attr]
    zedlet = m.sh(
        f"ls {guestpkg.GUEST_VENV}/lib/python3*/site-packages/nodewatch/service/zedlet/all-nodewatch.sh"
    )
    m.sh(f"install -m 755 {zedlet.strip()} /etc/zfs/zed.d/all-nodewatch.sh")  # ZED runs executables only
    m.agent.write_file("/etc/zfs/zed.d/all-zz-stamp.sh", STAMP_ZEDLET.encode())  # type: ignore[union-attr]
    m.sh("chmod 755 /etc/zfs/zed.d/all-zz-stamp.sh && systemctl restart zfs-zed")
    started = time.monotonic()
    m.sh("systemctl daemon-reload && systemctl start nodewatch", timeout=300)
    log(f"nodewatch ready in {time.monotonic() - started:.1f} s")


def journal(m: Machine, since: float) -> str:
    """nodewatch's and ZED's journal since a guest time, with microsecond stamps."""
    return m.run(
        f"journalctl -u nodewatch -u zfs-zed -o short-unix --no-pager --since @{since:.6f}", timeout=60
    ).out


def received(m: Machine) -> list[dict]:
    text = m.run(f"cat {RECEIVED} 2>/dev/null").out
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def zed_stamps(m: Machine) -> list[tuple[float, str]]:
    out = []
    for line in m.run(f"cat {ZED_STAMPS} 2>/dev/null").out.splitlines():
        stamp, _, event_class = line.partition(" ")
        out.append((float(stamp), event_class))
    return out


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ranked = sorted(values)
    return ranked[max(0, -(-95 * len(ranked) // 100) - 1)]
