"""What each `nodewatch` command imports, and what the imports cost (python -X importtime).

For each command: the modules of nodewatch it loads, the import time of the
whole nodewatch package (the best of RUNS runs, so a busy machine does not
count) and the dearest modules by their own time. Checks that no command
loads what it does not use: replaying the demo loads no probe, no service and
no web; `--help` and `config-example` load no rule.

Run: python3 bench/bench_imports.py [RUNS]   (default 10)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMANDS: dict[str, tuple[list[str], tuple[str, ...]]] = {
    # command: (argv, packages it must not import)
    "--help": (["--help"], ("nodewatch.diagnose", "nodewatch.probe", "nodewatch.service", "nodewatch.web")),
    "config-example": (
        ["config-example"],
        ("nodewatch.diagnose", "nodewatch.probe", "nodewatch.service", "nodewatch.web"),
    ),
    "diagnose --demo": (["diagnose", "--demo"], ("nodewatch.probe", "nodewatch.service", "nodewatch.web")),
    "diagnose --demo --json": (
        ["diagnose", "--demo", "--json"],
        ("nodewatch.probe", "nodewatch.service", "nodewatch.web"),
    ),
}
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def import_times(argv: list[str]) -> dict[str, tuple[int, int]]:
    """Each imported module's (own, cumulative) microseconds in one run."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "nodewatch", *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return {
        match[4]: (int(match[1]), int(match[2]))
        for match in map(_LINE.match, result.stderr.splitlines())
        if match
    }


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    failed = False
    for name, (argv, forbidden) in COMMANDS.items():
        samples = [import_times(argv) for _ in range(runs)]
        modules = [m for m in samples[0] if m == "nodewatch" or m.startswith("nodewatch.")]
        own = {m: min(sample[m][0] for sample in samples) for m in modules}
        package = min(sum(sample[m][0] for m in sample if m.startswith("nodewatch")) for sample in samples)
        dearest = sorted(own.items(), key=lambda item: -item[1])[:4]
        print(f"nodewatch {name}: {len(modules)} modules, {package / 1000:.1f} ms (best of {runs})")
        print("   dearest: " + ", ".join(f"{m} {us / 1000:.1f} ms" for m, us in dearest))
        loaded = sorted(m for m in modules if m.startswith(forbidden))
        if loaded:
            failed = True
            print(f"   !! imports what it does not use: {', '.join(loaded)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
