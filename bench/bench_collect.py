"""A collection pass before and after the probe contract (#9), in the same run.

Two figures, each for the tree at REV (default: the last commit before #9) and for this tree:

1. `nodewatch diagnose` with a hung `zpool` on PATH and the default config (zfs timeout 20 s):
   wall time of the whole command. Goal: the zfs timeout + 1 s at most.
2. A normal pass: `collect()` with a `zpool` printing the lab's OpenZFS 2.3.2 recordings,
   the lab's recorded udev database (the seed node: 2 SATA disks, 1 USB bridge) and a
   `smartctl` that answers a recorded output after SMART_DELAY seconds, as a disk does.
   Median wall time of RUNS passes, and the ratio before/after.

This machine has no udev database, so the udev probe is given the recording (in both trees,
through their own interfaces); everything else runs for real.

Run: python3 bench/bench_collect.py [REV] [RUNS]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAB = REPO / "tests/fixtures/lab/seed-usb-reattach/zfs23"
BEFORE = "baf775f"
SMART_DELAY = 0.3

ZPOOL = """#!{python}
import sys
args = sys.argv[1:]
lab = {lab!r}
def body(name):
    text = open(f"{{lab}}/{{name}}").read()
    return text.split("# ---\\n", 1)[1] if "# ---\\n" in text else text
if args[0] == "version":
    print("zfs-2.3.2-2~bpo12+2\\nzfs-kmod-2.3.2-2~bpo12+2")
elif args[0] == "status":
    print(body("01-healthy-zpool-status-j.json"))
elif args[0] == "list":
    print(body("01-healthy-zpool-list-j.json"))
"""

HUNG = """#!{python}
import time
time.sleep(600)
"""

SMARTCTL = """#!{python}
import json, sys, time
time.sleep({delay})
device = sys.argv[-1].rsplit("/", 1)[-1]
text = open(f"{lab}/01-healthy-smartctl-" + device + ".json").read()
print(text)
sys.exit(json.loads(text)["smartctl"]["exit_status"])
"""

# Time RUNS collect() passes in one process, with the recorded udev database.
COLLECT_PASSES = """
import statistics, sys, time
from pathlib import Path
from nodewatch.model import ProbeOutcome, ProbeResult
from nodewatch.parse.udev_db import parse_udev_db
from nodewatch.probe import udev, collect
from nodewatch.config import defaults

devices = parse_udev_db(Path({udev_db!r}).read_text(), source="lab").devices
def recorded(root=None, mounts=()):
    result = ProbeResult("udev", ProbeOutcome.OK)
    try:
        from nodewatch.probe.result import Reading
    except ImportError:  # before #9: (records, result)
        return devices, result
    return Reading(devices, result)
udev.read_block_devices = recorded
config = defaults()
samples = []
for _ in range({runs}):
    started = time.perf_counter()
    snapshot = collect.collect(config)
    samples.append(time.perf_counter() - started)
assert snapshot.pools, snapshot.probes
assert sum(1 for disk in snapshot.disks if disk.smart and disk.smart.available) == 3, snapshot.probes
print(samples, file=sys.stderr)
print(statistics.median(samples))
"""


def _tree(rev: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev, "nodewatch"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _program(directory: Path, name: str, text: str) -> None:
    path = directory / name
    path.write_text(text)
    path.chmod(0o755)


def _hung_diagnose(tree: Path, work: Path) -> float:
    bin_dir = work / "hung-bin"
    bin_dir.mkdir(exist_ok=True)
    _program(bin_dir, "zpool", HUNG.format(python=sys.executable))
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "nodewatch", "diagnose"],  # /etc/nodewatch/config.toml absent: defaults
        env=env,
        capture_output=True,
        check=False,
        cwd=work,  # not the checkout: `-m` would import the tree in the current directory
    )
    return time.perf_counter() - started


def _normal_pass(tree: Path, work: Path, runs: int) -> float:
    bin_dir = work / "normal-bin"
    bin_dir.mkdir(exist_ok=True)
    _program(bin_dir, "zpool", ZPOOL.format(python=sys.executable, lab=str(LAB)))
    _program(bin_dir, "smartctl", SMARTCTL.format(python=sys.executable, delay=SMART_DELAY, lab=str(LAB)))
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONPATH": str(tree)}
    code = COLLECT_PASSES.format(udev_db=str(LAB / "01-healthy-udevadm-export-db.txt"), runs=runs)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False, cwd=work
    )
    if done.returncode != 0:
        raise SystemExit(f"normal pass failed in {tree}:\n{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1])


def main() -> int:
    rev = sys.argv[1] if len(sys.argv) > 1 else BEFORE
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        before = _tree(rev, work / "before")
        figures = {}
        for label, tree in (("before", before), ("after", REPO)):
            figures[label] = {
                "hung_zpool_diagnose_s": round(_hung_diagnose(tree, work), 2),
                "normal_pass_median_s": round(_normal_pass(tree, work, runs), 3),
            }
    print(json.dumps({"rev_before": rev, "smart_delay_s": SMART_DELAY, "runs": runs, **figures}, indent=1))
    ratio = figures["before"]["normal_pass_median_s"] / figures["after"]["normal_pass_median_s"]
    print(
        f"normal pass: {ratio:.2f}x faster; hung zpool: {figures['before']['hung_zpool_diagnose_s']} s →"
        f" {figures['after']['hung_zpool_diagnose_s']} s"
    )
    return 0 if figures["after"]["hung_zpool_diagnose_s"] <= 20 + 1 else 1


if __name__ == "__main__":
    sys.exit(main())
