"""Lab recordings (tests/fixtures/lab/<scenario>/<flavour>/) replayed as Snapshots.

A step's real outputs (zpool status JSON or text, zpool list, the udev
database, smartctl JSON per disk) go through the same parsers as a live
collection, so the rules are tested on what a real OpenZFS and udev printed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from nodewatch import model
from nodewatch.parse.by_id_listing import parse_by_id_listing
from nodewatch.parse.inventory import build_inventory
from nodewatch.parse.smartctl import parse_smartctl_json
from nodewatch.parse.udev_db import parse_udev_db
from nodewatch.parse.zpool_list import parse_zpool_list_json, parse_zpool_list_text
from nodewatch.parse.zpool_status import attach_capacity, parse_zpool_status

LAB = Path(__file__).resolve().parent / "fixtures" / "lab"
_HEADER_END = "# ---"
_ZFS_VERSION = re.compile(r"zfs-(\d+\.\d+\.\d+)")
# The lab's recordings are dated, not timed: pin the clock to the recording day.
_RECORDED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def step_files(scenario: str, flavour: str, step: str) -> dict[str, Path]:
    """Return the step's files by what they hold (`zpool-status-j.json` → path)."""
    directory = LAB / scenario / flavour
    prefix = f"{step}-"
    return {
        path.name[len(prefix) :]: path
        for path in sorted(directory.glob(f"{prefix}*"))
        if not path.name.endswith(".source")
    }


def body(path: Path) -> str:
    """Return a recording's command output, without its provenance header."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return text
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.rstrip("\n") == _HEADER_END:
            return "".join(lines[index + 1 :])
    return text


def header(path: Path) -> dict[str, str]:
    source = path.with_name(path.name + ".source") if path.suffix == ".json" else path
    values = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        if line == _HEADER_END:
            break
        if line.startswith("# ") and ": " in line:
            key, value = line[2:].split(": ", 1)
            values[key] = value
    return values


def _latest_disk_files(scenario: str, flavour: str, step: str) -> dict[str, Path]:
    directory = LAB / scenario / flavour
    earlier = sorted(
        {path.name.split("-udevadm-export-db")[0] for path in directory.glob("*-udevadm-export-db.txt")}
    )
    earlier = [name for name in earlier if name < step]
    if not earlier:
        raise FileNotFoundError(f"no udev recording at or before {scenario}/{flavour}/{step}")
    return step_files(scenario, flavour, earlier[-1])


def lab_snapshot(scenario: str, flavour: str, step: str, *, text_only: bool = False) -> model.Snapshot:
    """Given a recorded step, return the Snapshot a collection at that moment would have made.

    text_only replays the `zpool status -P -v` text even where JSON was recorded.
    """
    files = step_files(scenario, flavour, step)
    if not files:
        raise FileNotFoundError(f"no recordings for {scenario}/{flavour}/{step} under {LAB}")
    status_file = files.get("zpool-status-j.json") if not text_only else None
    status_file = status_file or files["zpool-status-Pv.txt"]
    pool_status = parse_zpool_status(body(status_file), source=str(status_file))
    if "zpool-list-j.json" in files and not text_only:
        pool_status = attach_capacity(pool_status, parse_zpool_list_json(body(files["zpool-list-j.json"])))
    elif "zpool-list-vHpP.txt" in files:
        pool_status = attach_capacity(pool_status, parse_zpool_list_text(body(files["zpool-list-vHpP.txt"])))
    # udev and SMART are recorded only in steps where the disks changed: a step
    # without them sees the disks of the latest earlier step that has them, if
    # its by-id links are the same; otherwise (the guest was too swamped to dump
    # udev) its own by-id listing, best effort.
    disk_files = files if "udevadm-export-db.txt" in files else _latest_disk_files(scenario, flavour, step)
    if disk_files is not files and _links(disk_files) != _links(files):
        return _snapshot(status_file, pool_status, parse_by_id_listing(body(files["by-id.txt"])))
    smart = {}
    for name, path in disk_files.items():
        match = re.fullmatch(r"smartctl-(sat-)?(\w+)\.json", name)
        if match:
            info = parse_smartctl_json(body(path), int(header(path).get("rc", "0")))
            devnode = f"/dev/{match[2]}"
            # The -d sat reading of a USB disk, where there is one, is the one that matters.
            if match[1] or devnode not in smart:
                smart[devnode] = info
    inventory = build_inventory(
        parse_udev_db(body(disk_files["udevadm-export-db.txt"]), source="udevadm"),
        source="udev",
        smart_by_devnode=smart,
    )
    return _snapshot(status_file, pool_status, inventory)


def _links(files: dict[str, Path]) -> set[tuple[str, str]]:
    """The step's `ls -l /dev/disk/by-id` as (name, target) pairs, dates left out."""
    pairs = set()
    for line in body(files["by-id.txt"]).splitlines():
        if " -> " in line:
            left, target = line.split(" -> ", 1)
            pairs.add((left.split()[-1], target.strip()))
    return pairs


def _snapshot(status_file: Path, pool_status: model.PoolStatus, inventory: model.Inventory) -> model.Snapshot:
    version = _ZFS_VERSION.search(header(status_file).get("zfs", ""))
    return model.Snapshot(
        hostname="lab-vm",
        collected_at=_RECORDED,
        local_time=_RECORDED.replace(tzinfo=None),
        zfs_version=version[1] if version else None,
        pool_status=pool_status,
        inventory=inventory,
        probes=(
            model.ProbeResult("zpool", model.ProbeOutcome.OK),
            model.ProbeResult("udev", model.ProbeOutcome.OK),
        ),
        raw=(
            model.RawOutput(
                command=header(status_file).get("command", "zpool status"), stdout=body(status_file)
            ),
        ),
    )


def main(argv: list[str]) -> int:
    """`python3 -m tests.recordings SCENARIO FLAVOUR STEP` prints that step as a snapshot file.

    This is how nodewatch/demo/seed-usb-reattach.json is made (a test checks it is current).
    """
    import json
    import sys

    from nodewatch.serialize import to_data

    scenario, flavour, step = argv
    sys.stdout.write(json.dumps(to_data(lab_snapshot(scenario, flavour, step)), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
