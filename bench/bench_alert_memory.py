"""What `[alerts] keep_apprise_loaded` costs in memory: the service idle, with and without it.

`nodewatch serve --demo` with one json:// alert URL to a real receiver on loopback (the demo's
findings are alerted at start, so the kept delivery child has been used and replaced once),
idle for IDLE seconds after its first alerts arrived; then, from /proc/PID/smaps_rollup, RSS
and PSS of the service and of each of its delivery children (`python -m
nodewatch.service.deliver`), beside the same run's baseline: a bare `python3 -c` of the same
interpreter. PSS splits the pages the processes share (the interpreter, libraries), so the
service's PSS plus the child's is what the two cost together. Goal (issue 10): the service
≤ 40 MB RSS; the option's cost is said in docs/service.md.

Run: python3 bench/bench_alert_memory.py [IDLE]
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import demo_service  # noqa: E402 - beside this file

from tests.support.receiver import Receiver  # noqa: E402

IDLE = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
MIB = 2**20


def rollup(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MiB from /proc/PID/smaps_rollup."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            fields[name] = int(rest.split()[0]) * 1024 / MIB
    return fields["Rss"], fields["Pss"]


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def bare_python() -> tuple[float, float]:
    """The baseline: a bare interpreter (same site-packages) that does nothing, waiting on stdin."""
    process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        time.sleep(1)
        return rollup(process.pid)
    finally:
        process.communicate("")


def serve(keep_loaded: bool) -> dict[str, tuple[float, float]]:
    receiver = Receiver()
    process, _ = demo_service.start(
        f'[alerts]\nurls = ["{receiver.url}"]\nkeep_apprise_loaded = {str(keep_loaded).lower()}\n'
    )
    try:
        receiver.wait_for(1)  # the demo's findings alerted: started, its first pass done
        time.sleep(IDLE)
        out = {"service": rollup(process.pid)}
        for child in children(process.pid):
            command = Path(f"/proc/{child}/cmdline").read_text().split("\0")
            if "nodewatch.service.deliver" in command:
                out[f"delivery child {' '.join(command[3:]).strip()}"] = rollup(child)
        return out
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        receiver.close()


def main() -> None:
    bare = bare_python()
    print(f"{'':44} {'RSS MiB':>8} {'PSS MiB':>8}")
    print(f"{'baseline: bare python3':44} {bare[0]:8.1f} {bare[1]:8.1f}")
    for keep in (False, True):
        print(f"keep_apprise_loaded = {str(keep).lower()} (idle {IDLE:.0f} s after its first alerts):")
        measured = serve(keep)
        for name, (rss, pss) in measured.items():
            print(f"  {name:42} {rss:8.1f} {pss:8.1f}")
        if len(measured) > 1:
            total = sum(pss for _, pss in measured.values())
            print(f"  {'together (PSS)':42} {'':8} {total:8.1f}")


if __name__ == "__main__":
    main()
