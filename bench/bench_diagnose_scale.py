"""How diagnose scales with the pool: many missing members and a big disk inventory.

Issue 8: replacement candidates were recomputed per missing member, so 3,000
leaves with 300 missing and a 240-disk inventory took over a second (10,000
leaves: 11.6 s). Goal: diagnose stays linear, at most 3x the time of parsing
the same `zpool status` (measured in the same run, so the ratio holds on any
machine).

The pool has the line shapes of the real OpenZFS 2.3.2 lab recordings
(tests/fixtures/zpool-status-text/lab-2.3.2-raidz1-member-missing-4J.txt):
raidz2 vdevs of 10 wwn- disks, one member of each missing (`was …`). The
inventory is an `ls -l /dev/disk/by-id` listing of 240 disks in the form of
tests/fixtures/by-id/lab-vm-disk-zoo.txt: 200 partitioned, 40 blank (so every
missing member has candidates to rank).

Run: python3 bench/bench_diagnose_scale.py [RUNS]
(the fastest of RUNS runs in CPU time, bench/timing.py; default 5)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best

from nodewatch.diagnose import diagnose
from nodewatch.parse.by_id_listing import parse_by_id_listing
from nodewatch.parse.zpool_status import parse_zpool_status
from nodewatch.replay import snapshot_from_outputs

GOAL_RATIO = 3.0
WIDTH = 10
INVENTORY = 240
BLANK = 40


def leaf_name(top: int, index: int) -> str:
    return f"wwn-0x5000cca2{top:04x}{index:04x}"


def make_status(tops: int) -> str:
    width = len(leaf_name(0, 0)) + 6
    lines = [
        "  pool: tank",
        " state: DEGRADED",
        "status: One or more devices could not be used because the label is missing or",
        "\tinvalid.  Sufficient replicas exist for the pool to continue",
        "\tfunctioning in a degraded state.",
        "action: Replace the device using 'zpool replace'.",
        "   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-4J",
        "  scan: scrub repaired 0B in 1 days 00:12:08 with 0 errors on Sun Nov 22 10:40:00 2026",
        "config:",
        "",
        f"\t{'NAME':<{width}}  STATE     READ WRITE CKSUM",
        f"\t{'tank':<{width}}  DEGRADED     0     0     0",
    ]
    for top in range(tops):
        lines.append(f"\t  {f'raidz2-{top}':<{width - 2}}  DEGRADED     0     0     0")
        for index in range(WIDTH):
            if index == 0:
                guid = str(4296869500517908464 + top)
                note = f"  was /dev/disk/by-id/{leaf_name(top, index)}-part1"
                lines.append(f"\t    {guid:<{width - 4}}  UNAVAIL      0     0     0{note}")
            else:
                lines.append(f"\t    {leaf_name(top, index):<{width - 4}}  ONLINE       0     0     0")
    lines += ["", "errors: No known data errors", ""]
    return "\n".join(lines)


def kernel_name(number: int) -> str:
    letters = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(97 + rest) + letters
    return f"sd{letters}"


def make_listing() -> str:
    lines = ["total 0"]
    for number in range(INVENTORY):
        name, serial = kernel_name(number), f"WD-WX{number:08d}"
        link = f"ata-WDC_WD40EFZX-68AWUN0_{serial}"
        lines.append(f"lrwxrwxrwx 1 root root  9 Nov 22 10:35 {link} -> ../../{name}")
        if number >= BLANK:
            lines.append(f"lrwxrwxrwx 1 root root 10 Nov 22 10:35 {link}-part1 -> ../../{name}1")
    return "\n".join(lines) + "\n"


def measure(tops: int, runs: int) -> float:
    status, listing = make_status(tops), make_listing()
    assert len(parse_by_id_listing(listing).disks) == INVENTORY
    snapshot = snapshot_from_outputs(status, by_id=listing)
    missing = sum(1 for leaf in snapshot.pools[0].leaves() if leaf.state == "UNAVAIL")
    report = diagnose(snapshot)
    assert sum(1 for f in report.findings if f.code == "member-missing") == missing
    parse, judge = best(
        [lambda: parse_zpool_status(status, source="bench"), lambda: diagnose(snapshot)], runs
    )
    ratio = judge / parse
    print(
        f"{tops * WIDTH:>6} leaves, {missing:>5} missing, {INVENTORY} disks:"
        f" parse {parse * 1000:8.1f} ms, diagnose {judge * 1000:8.1f} ms, ratio {ratio:4.2f}"
        f" (goal <= {GOAL_RATIO:.0f})"
    )
    return ratio


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    ratios = [measure(300, runs), measure(1000, max(runs // 2, 1))]
    return 0 if max(ratios) <= GOAL_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
