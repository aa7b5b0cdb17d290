"""Peak memory of `nodewatch diagnose --zpool-status` on a paste that is not one.

Issue 8: a 50 MB one-line or random paste must stay under 100 MB RSS, exit 3
"no pool found in the input", and never be echoed whole. The bytes are looked
at before they are decoded (replay.read_zpool_status), so neither is parsed.

Run: python3 bench/bench_paste_memory.py   (exits 1 when a case misses the goal)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_MB = 100
SIZE = 50_000_000
# Runs one command as a child and prints the child's peak RSS (KiB on Linux).
PEAK = (
    "import resource, subprocess, sys;"
    "done = subprocess.run(sys.argv[1:], capture_output=True);"
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, len(done.stderr))"
)


def peak(path: Path) -> tuple[int, float, int]:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            PEAK,
            sys.executable,
            "-m",
            "nodewatch",
            "diagnose",
            "--zpool-status",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout.split()
    return int(out[0]), int(out[1]) / 1024, int(out[2])


def main() -> int:
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        cases = {
            "50 MB on one line": b"A" * SIZE,
            "50 MB random bytes": os.urandom(SIZE),
        }
        for what, data in cases.items():
            path = Path(tmp) / "paste"
            path.write_bytes(data)
            status, megabytes, said = peak(path)
            fine = status == 3 and megabytes < GOAL_MB and said < 1000
            ok &= fine
            print(
                f"{what}: exit {status}, peak RSS {megabytes:.0f} MiB (goal < {GOAL_MB}),"
                f" {said} bytes on stderr"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
