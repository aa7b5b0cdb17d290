"""How long parsing a 240-disk `udevadm info --export-db` and building the Inventory takes.

Goal (issue 4): at most 100 ms for 240 disks. The dump is made here, not
committed: the lab's real disks-zoo export-db (SATA+WWN, usb-storage, UAS,
NVMe, SD, virtio, plus every non-block device of that VM) with its disk and
partition records replicated under new kernel names, devpaths and serials,
and the seed USB disk with its ZFS partitions among them.

Run: python3 bench/bench_inventory.py [DISKS]   (default 240)
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nodewatch.model import InventorySource  # noqa: E402
from nodewatch.parse.inventory import build_inventory  # noqa: E402
from nodewatch.parse.udev_db import parse_udev_db  # noqa: E402

ZOO = REPO / "tests/fixtures/lab/disks-zoo/zfs23/01-boot-udevadm-export-db.txt"
SEED = REPO / "tests/fixtures/lab/seed-usb-reattach/zfs23/02-degraded-udevadm-export-db.txt"
RUNS = 20
GOAL_MS = 100.0
_KERNEL_NAME = re.compile(r"\b(sd[a-z]+|nvme\d+n\d+|mmcblk\d+|vd[a-z]+)(p?\d*)\b")


def _records(text: str) -> list[str]:
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return [block for block in body.split("\n\n") if block.strip()]


def _is_block(record: str) -> bool:
    return "E: SUBSYSTEM=block" in record and "/devices/virtual/" not in record


def make_dump(disks: int) -> str:
    """Return an export-db text with `disks` physical disks, made from real records."""
    zoo = _records(ZOO.read_text(encoding="utf-8"))
    # The seed story's USB-bridged disk and its ZFS partitions, as the lab VM recorded them.
    seed = [
        _rename(r, "seed")
        for r in _records(SEED.read_text(encoding="utf-8"))
        if _is_block(r) and re.search(r"^N: sdc\d*$", r, re.M)
    ]
    block = [r for r in zoo if _is_block(r)] + seed
    others = [r for r in zoo if not _is_block(r)]
    out = list(others)
    copy = 0
    made = 0
    while made < disks:
        for record in block:
            if "E: DEVTYPE=disk" in record:
                if made == disks:
                    break
                made += 1
            out.append(_rename(record, str(copy)) if copy else record)
        copy += 1
    return "\n\n".join(out) + "\n"


def _rename(record: str, copy: str) -> str:
    """Give a record's kernel names, devpaths and serials a copy tag, so none collide."""
    renamed = _KERNEL_NAME.sub(lambda m: f"{m[1]}x{copy}{m[2]}", record)
    return re.sub(r"(ID_SERIAL_SHORT=|ID_USB_SERIAL_SHORT=)(\S+)", lambda m: f"{m[1]}{m[2]}C{copy}", renamed)


def main() -> int:
    disks = int(sys.argv[1]) if len(sys.argv) > 1 else 240
    text = make_dump(disks)
    samples = []
    inventory = None
    for _ in range(RUNS):
        started = time.perf_counter()
        inventory = build_inventory(parse_udev_db(text, source="bench"), source=InventorySource.UDEV_DB)
        samples.append((time.perf_counter() - started) * 1000)
    assert inventory is not None
    best = min(samples)
    print(
        f"inventory of {len(inventory.disks)} disks"
        f" ({len(text.splitlines())} dump lines, {len(inventory.problems)} problems):"
        f" {best:.1f} ms (min of {RUNS}; goal <= {GOAL_MS:.0f} ms)"
    )
    return 0 if best <= GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
