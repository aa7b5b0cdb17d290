"""How long `nodewatch diagnose --from SNAPSHOT` takes, against a bare Python start.

Goal (issue 5): at most 1.5 x a bare `python3 -c pass` + 100 ms, so a cron job
or a monitoring plugin on a Pi Zero 2 pays little for it. Lazy imports are
what keep it there: replaying a snapshot must not import pyudev, the probes or
anything web.

Run: python3 bench/bench_diagnose_startup.py [SNAPSHOT]   (default: the bundled demo)
"""

from __future__ import annotations

import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 15
REPO = Path(__file__).resolve().parents[1]


def _time(argv: list[str]) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(argv, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    snapshot = sys.argv[1] if len(sys.argv) > 1 else None
    source = ["--from", snapshot] if snapshot else ["--demo"]
    bare = _time([sys.executable, "-c", "pass"])
    diagnose = _time([sys.executable, "-m", "nodewatch", "diagnose", *source])
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    budget = 1.5 * bare + 0.100
    print(f"bare python start      {bare * 1000:7.1f} ms (median of {RUNS})")
    print(f"nodewatch diagnose     {diagnose * 1000:7.1f} ms ({' '.join(source)})")
    print(f"budget 1.5 x bare + 100 ms = {budget * 1000:.1f} ms -> {'OK' if diagnose <= budget else 'OVER'}")
    print(f"peak RSS of a child    {peak_kib / 1024:7.1f} MiB")
    imported = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "nodewatch", "diagnose", *source],
        capture_output=True,
        text=True,
        check=False,
    ).stderr
    heavy_modules = ("pyudev", "flask", "apprise", "sqlite3", "subprocess")
    heavy = [name for name in heavy_modules if re.search(rf"\|\s*{name}$", imported, re.MULTILINE)]
    print(f"heavy modules imported during replay: {', '.join(heavy) or 'none'}")
    return 0 if diagnose <= budget else 1


if __name__ == "__main__":
    sys.exit(main())
