"""What replaying a snapshot and printing `--json` cost, as ratios to json's C code in the same run.

Two snapshots: the bundled demo (16 KB, the seed story) and a big node made
from the other benches' real shapes (a 1,000-vdev pool from
bench_zpool_parse.py, 240 disks from bench_inventory.py).

- replay: `replay.snapshot_from_json(text)` against `json.loads(text)` alone.
  Goal (issue 9): at most 4 x for the demo (the issue measured 13 x there);
  the big node's figure is printed, not held to it.
- to_data: turning the Snapshot into JSON-ready data (what `nodewatch
  snapshot` and the service's store do), against json.loads of its text.
- --json: printing `nodewatch diagnose --json`'s document the way the CLI
  does (cli/common.print_json, indent=2) against json.dumps with the C
  encoder (compact, one line), and against json.dump(indent=2) to the stream
  as the CLI did before. Python 3.11's C encoder cannot indent, so indented
  output stays on the pure-Python encoder; figures only, no goal.

Run: python3 bench/bench_replay_json.py [RUNS]   (minimum of RUNS runs, default 30)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

import bench_inventory  # noqa: E402
import bench_zpool_parse  # noqa: E402
from timing import best  # noqa: E402

from nodewatch import diagnose, replay  # noqa: E402
from nodewatch.cli.common import print_json  # noqa: E402
from nodewatch.model import InventorySource  # noqa: E402
from nodewatch.parse.inventory import build_inventory  # noqa: E402
from nodewatch.parse.udev_db import parse_udev_db  # noqa: E402
from nodewatch.parse.zpool_status import parse_zpool_status  # noqa: E402
from nodewatch.present.envelope import report_document  # noqa: E402
from nodewatch.serialize import to_data  # noqa: E402

REPLAY_GOAL = 4.0


def snapshots() -> dict[str, str]:
    """The snapshot files to replay, by name, as `nodewatch snapshot` writes them."""
    demo = (REPO / "nodewatch" / "demo" / replay.DEMO).read_text(encoding="utf-8")
    big = replay.snapshot_from_json(demo, "demo")
    big = type(big)(
        hostname="big-node",
        collected_at=big.collected_at,
        local_time=big.local_time,
        zfs_version="2.3.2",
        pool_status=parse_zpool_status(bench_zpool_parse.make_json()),
        inventory=build_inventory(parse_udev_db(bench_inventory.make_dump(240)), source=InventorySource.UDEV),
        probes=big.probes,
    )
    return {"demo": demo, "big node": json.dumps(to_data(big), indent=1, ensure_ascii=False) + "\n"}


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    demo_replay = 0.0
    # Like stdout on a terminal: line-buffered, so every line written is flushed.
    terminal = open(os.devnull, "w", encoding="utf-8", buffering=1)  # noqa: SIM115
    print(f"min of {runs} runs; ratios against json's C code in this run")
    for name, text in snapshots().items():
        snapshot = replay.snapshot_from_json(text, name)
        document = report_document(diagnose.diagnose(snapshot))
        loads, replayed, encoded = best(
            [
                lambda text=text: json.loads(text),
                lambda text=text, name=name: replay.snapshot_from_json(text, name),
                lambda snapshot=snapshot: to_data(snapshot),
            ],
            runs,
        )
        dumps, printed, dumped = best(
            [
                lambda document=document: json.dumps(document, ensure_ascii=False),
                lambda document=document: print_json(document, terminal),
                lambda document=document: json.dump(document, terminal, indent=2, ensure_ascii=False),
            ],
            runs,
        )
        demo_replay = replayed / loads if name == "demo" else demo_replay
        size = len(text.encode()) // 1024
        print(f"{name} ({size} KB snapshot, {len(json.dumps(document)) // 1024} KB --json):")
        print(f"  json.loads {loads * 1000:.2f} ms, json.dumps (C, one line) {dumps * 1000:.2f} ms")
        print(f"  replay   {replayed * 1000:7.2f} ms = {replayed / loads:5.1f} x json.loads")
        print(f"  to_data  {encoded * 1000:7.2f} ms = {encoded / loads:5.1f} x json.loads")
        print(f"  --json   {printed * 1000:7.2f} ms = {printed / dumps:5.1f} x json.dumps (C)")
        print(
            f"  (before) {dumped * 1000:7.2f} ms = {dumped / dumps:5.1f} x, json.dump(indent=2) to the stream"
        )
    print(f"goal: replaying the demo <= {REPLAY_GOAL:g} x json.loads: {demo_replay:.1f} x")
    return 0 if demo_replay <= REPLAY_GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
