"""How long parsing `zpool status` of a 1,000-vdev pool takes, text and JSON.

Goal (issue 2): at most 50 ms each on the project's machine, so the service
can parse a big shelf's status every poll on a small node.

The pool is generated from the line shapes of the real OpenZFS 2.3.2 lab
recordings (tests/fixtures/zpool-status-*/lab-2.3.2-raidz1-member-missing-4J*):
100 raidz2 vdevs of 10 by-id disks, one member missing (`was …`), a few
counters, a scrub line; the JSON is the --json-int --json-flat-vdevs form
the lab recorded (leaves both flat and nested), which is the larger one.

Run: python3 bench/bench_zpool_parse.py [RUNS]
(the fastest of RUNS runs in CPU time, bench/timing.py; default 20)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best_one

from nodewatch.parse.zpool_json import parse_zpool_status_json
from nodewatch.parse.zpool_text import parse_zpool_status_text

GOAL_MS = 50.0
TOP_LEVEL = 100
WIDTH = 10  # 100 x 10 = 1,000 leaf vdevs (+ 100 raidz2 + the root)
MISSING_GUID = 4296869500517908464


def leaf_name(top: int, index: int) -> str:
    return f"wwn-0x5000cca2{top:04x}{index:04x}"


def make_text() -> str:
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
    for top in range(TOP_LEVEL):
        lines.append(
            f"\t  {f'raidz2-{top}':<{width - 2}}  {'DEGRADED' if top == 0 else 'ONLINE':<8}     0     0     0"
        )
        for index in range(WIDTH):
            if top == 0 and index == 0:
                note = "  was /dev/disk/by-id/wwn-0x5000cca200000000-part1"
                lines.append(f"\t    {MISSING_GUID!s:<{width - 4}}  UNAVAIL      0     0     0{note}")
            else:
                cksum = "2.04K" if index == 3 else "0"
                lines.append(f"\t    {leaf_name(top, index):<{width - 4}}  ONLINE       0     0 {cksum:>5}")
    lines += ["", "errors: No known data errors"]
    return "\n".join(lines) + "\n"


def make_json() -> str:
    def leaf(top: int, index: int) -> dict[str, object]:
        missing = top == 0 and index == 0
        name = str(MISSING_GUID) if missing else leaf_name(top, index)
        data: dict[str, object] = {
            "name": name,
            "vdev_type": "disk",
            "guid": MISSING_GUID if missing else 10**18 + top * 1000 + index,
            "path": f"/dev/disk/by-id/{leaf_name(top, index)}-part1",
            "phys_path": f"pci-0000:00:1f.2-ata-{index}.0",
            "devid": f"ata-WDC_WD40EFZX-68AWUN0_WD-{top:04d}{index:04d}-part1",
            "class": "normal",
            "state": "CANT_OPEN" if missing else "ONLINE",
            "parent": f"raidz2-{top}",
            "rep_dev_size": 1973245270,
            "read_errors": 0,
            "write_errors": 0,
            "checksum_errors": 2089 if index == 3 else 0,
            "slow_ios": 0,
        }
        if missing:
            data.update(not_present=1, was=data["path"])
        return data

    flat: dict[str, object] = {}
    tops: dict[str, object] = {}
    for top in range(TOP_LEVEL):
        leaves = {str(item["name"]): item for item in (leaf(top, index) for index in range(WIDTH))}
        flat.update(leaves)
        vdev = {
            "name": f"raidz2-{top}",
            "vdev_type": "raidz",
            "guid": 10**17 + top,
            "class": "normal",
            "state": "DEGRADED" if top == 0 else "ONLINE",
            "parent": "tank",
            "read_errors": 0,
            "write_errors": 0,
            "checksum_errors": 0,
            "vdevs": leaves,
        }
        flat[f"raidz2-{top}"] = vdev
        tops[f"raidz2-{top}"] = vdev
    flat["tank"] = {
        "name": "tank",
        "vdev_type": "root",
        "guid": 1,
        "state": "DEGRADED",
        "read_errors": 0,
        "write_errors": 0,
        "checksum_errors": 0,
        "vdevs": tops,
    }
    pool = {
        "name": "tank",
        "state": "DEGRADED",
        "pool_guid": 1,
        "status": "One or more devices could not be used because the label is missing or\n\tinvalid.\n",
        "msgid": "ZFS-8000-4J",
        "scan_stats": {
            "function": "SCRUB",
            "state": "FINISHED",
            "start_time": 1,
            "end_time": 87129,
            "errors": 0,
        },
        "vdevs": flat,
        "error_count": 0,
    }
    return json.dumps({"output_version": {"command": "zpool status"}, "pools": {"tank": pool}})


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    text, document = make_text(), make_json()
    from_text = parse_zpool_status_text(text).pools[0]
    from_json = parse_zpool_status_json(document).pools[0]
    assert len(from_text.leaves()) == len(from_json.leaves()) == TOP_LEVEL * WIDTH
    assert from_text.unparsed_lines == ()
    results = {
        "text": best_one(lambda: parse_zpool_status_text(text), runs) * 1000,
        "json": best_one(lambda: parse_zpool_status_json(document), runs) * 1000,
    }
    print(f"zpool status of {TOP_LEVEL * WIDTH} leaf vdevs, min of {runs} runs (goal <= {GOAL_MS:g} ms):")
    print(f"  text  {len(text):>8} bytes  {results['text']:6.1f} ms")
    print(f"  json  {len(document):>8} bytes  {results['json']:6.1f} ms")
    return 0 if max(results.values()) <= GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
