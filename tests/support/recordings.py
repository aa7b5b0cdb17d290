"""Lab recordings (tests/fixtures/lab/<scenario>/<flavour>/) replayed as Snapshots.

A step's real outputs (zpool status JSON or text, zpool list, the udev
database, smartctl JSON per disk) are read here, by their file names; the
Snapshot is assembled by nodewatch.replay.snapshot_from_outputs, the path a
pasted output takes, through the same parsers as a live collection. So the
rules are tested on what a real OpenZFS and udev printed.

A JSON output the lab found unchanged since an earlier step is kept once: the
later step has only its `.source` header, whose `unchanged:` line names the
file holding the bytes (tests/e2e/lab/record.py). `step_files` lists such a
step's output under its own name, and `body` reads through the reference.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from nodewatch import model, replay

LAB = Path(__file__).resolve().parents[1] / "fixtures" / "lab"
_HEADER_END = "# ---"
_ZFS_VERSION = re.compile(r"zfs-(\d+\.\d+\.\d+)")
# The lab's recordings are dated, not timed: pin the clock to the recording day.
_RECORDED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def step_files(scenario: str, flavour: str, step: str) -> dict[str, Path]:
    """Return the step's files by what they hold (`zpool-status-j.json` → path)."""
    directory = LAB / scenario / flavour
    prefix = f"{step}-"
    paths = {path.removesuffix(".source") for path in map(str, directory.glob(f"{prefix}*"))}
    return {Path(path).name[len(prefix) :]: Path(path) for path in sorted(paths)}


def lab_outputs(pattern: str) -> list[Path]:
    """Every recording under the lab matching `pattern` (`**/*zpool-status*.json`), unchanged
    ones included under their own name (read them with `body`)."""
    paths = {*LAB.glob(pattern), *(p.with_suffix("") for p in LAB.glob(pattern + ".source"))}
    return sorted(path for path in paths if path.exists() or unchanged_from(path))


def unchanged_from(path: Path) -> Path | None:
    """The earlier recording holding the bytes of `path`, when the lab found them unchanged."""
    if path.suffix != ".json" or path.exists():
        return None
    reference = header(path).get("unchanged")
    if not reference:
        raise FileNotFoundError(f"{path}: no such recording, and its .source names no unchanged one")
    return path.with_name(reference)


def body(path: Path) -> str:
    """Return a recording's command output, without its provenance header."""
    earlier = unchanged_from(path)
    if earlier is not None:
        return body(earlier)
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


def _same_moment(scenario: str, flavour: str, step: str, what: str) -> Path | None:
    """A recording of `what` taken at the same moment as `step`: in the step itself, or
    saved under the same step name with a neighbouring number (evidence gathered just
    before the step's snapshot, e.g. `02-after-boot-…` beside `03-after-boot`)."""
    name = step.split("-", 1)[1] if "-" in step else step
    found = sorted((LAB / scenario / flavour).glob(f"[0-9][0-9]-{name}-{what}"))
    return found[-1] if found else None


def lab_snapshot(scenario: str, flavour: str, step: str, *, text_only: bool = False) -> model.Snapshot:
    """Given a recorded step, return the Snapshot a collection at that moment would have made.

    text_only replays the `zpool status -P -v` text even where JSON was recorded.
    """
    files = step_files(scenario, flavour, step)
    if not files:
        raise FileNotFoundError(f"no recordings for {scenario}/{flavour}/{step} under {LAB}")
    status_file = files.get("zpool-status-j.json") if not text_only else None
    status_file = status_file or files["zpool-status-Pv.txt"]
    list_file = files.get("zpool-list-j.json") if not text_only else None
    list_file = list_file or files.get("zpool-list-vHpP.txt")
    # udev and SMART are recorded only in steps where the disks changed: a step
    # without them sees the disks of the latest earlier step that has them, if
    # its by-id links are the same; otherwise (the guest was too swamped to dump
    # udev) its own by-id listing, best effort.
    disk_files = files if "udevadm-export-db.txt" in files else _latest_disk_files(scenario, flavour, step)
    by_id = udev_db = smart = None
    if disk_files is not files and _links(disk_files) != _links(files):
        by_id = body(files["by-id.txt"])
    else:
        udev_db = body(disk_files["udevadm-export-db.txt"])
        smart = _smartctl(disk_files)
    version = _ZFS_VERSION.search(header(status_file).get("zfs", ""))
    listing = _same_moment(scenario, flavour, step, "zpool-import-d-by-id.txt")
    kernel_log = files.get("kernel-log.txt")  # `journalctl -k`, where the step recorded it
    status_text = body(status_file)
    if not status_text.strip():
        # zpool prints "no pools available" on stderr, which the header keeps.
        status_text = header(status_file).get("stderr", "")
    return replay.snapshot_from_outputs(
        status_text,
        zpool_status_command=header(status_file).get("command", "zpool status"),
        zpool_list=body(list_file) if list_file else None,
        udev_db=udev_db,
        by_id=by_id,
        smartctl=smart,
        zpool_import=body(listing) if listing else None,
        kernel_log=body(kernel_log) if kernel_log else None,
        hostname="lab-vm",
        collected_at=_RECORDED,
        local_time=_RECORDED.replace(tzinfo=None),
        zfs_version=version[1] if version else None,
        probes=(
            model.ProbeResult("zpool", model.ProbeOutcome.OK),
            model.ProbeResult("udev", model.ProbeOutcome.OK),
        ),
    )


def _smartctl(files: dict[str, Path]) -> dict[str, tuple[str, int]]:
    """The step's smartctl outputs and exit statuses by devnode."""
    smart: dict[str, tuple[str, int]] = {}
    for name, path in files.items():
        match = re.fullmatch(r"smartctl-(sat-)?(\w+)\.json", name)
        if match:
            devnode = f"/dev/{match[2]}"
            # The -d sat reading of a USB disk, where there is one, is the one that matters.
            if match[1] or devnode not in smart:
                smart[devnode] = (body(path), int(header(path).get("rc", "0")))
    return smart


def _links(files: dict[str, Path]) -> set[tuple[str, str]]:
    """The step's `ls -l /dev/disk/by-id` as (name, target) pairs, dates left out."""
    pairs = set()
    for line in body(files["by-id.txt"]).splitlines():
        if " -> " in line:
            left, target = line.split(" -> ", 1)
            pairs.add((left.split()[-1], target.strip()))
    return pairs
