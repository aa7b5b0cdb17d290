"""Snapshots that were not collected here: saved ones, pasted outputs, the demo.

Replay is how tests, bug reports, the demo and "diagnose a paste from another
machine" all work (shared/DESIGN.md): the same diagnose() runs on them.
"""

from __future__ import annotations

import gc
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import NoReturn

from nodewatch import model, serialize
from nodewatch.parse.json_document import load_json
from nodewatch.parse.zpool_errors import too_deep_pool

DEMO = "seed-usb-reattach.json"


class ReplayError(Exception):
    """A saved snapshot or pasted output cannot be used; the message says which and why."""


def snapshot_from_json(text: str, source: str) -> model.Snapshot:
    """Given the text of a `nodewatch snapshot` file, return the Snapshot.

    Raise ReplayError naming the source and the field that does not fit.
    """
    # The document and the Snapshot built from it hold no reference cycles: the cyclic
    # collector, which runs every few hundred new objects and walks the young ones each time,
    # would only slow a big node's replay down (bench/bench_replay_json.py).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _decode_snapshot(text, source)
    finally:
        if collecting:
            gc.enable()


def _decode_snapshot(text: str, source: str) -> model.Snapshot:
    try:
        data = load_json(text)
    except json.JSONDecodeError as err:
        raise ReplayError(f"{source}: not JSON ({err})") from None
    if not isinstance(data, dict) or data.get("schema") != 1:
        raise ReplayError(f"{source}: not a nodewatch snapshot (schema 1)")
    try:
        snapshot = serialize.from_data(model.Snapshot, data)
    except serialize.DecodeError as err:
        raise ReplayError(f"{source}: {err}") from None
    except RecursionError:
        raise ReplayError(f"{source}: not a nodewatch snapshot (nested too deeply)") from None
    too_deep = too_deep_pool(snapshot.pool_status) if snapshot.pool_status else None
    if too_deep:
        raise ReplayError(f"{source}: not a nodewatch snapshot ({too_deep})")
    return snapshot


def read_input(path: str) -> str:
    """Read a saved output: a file path, or `-` for stdin (a paste from another machine).

    Bytes that are not UTF-8 are replaced, so the parsers say what does not fit.
    Raise ReplayError naming the path when it cannot be read.
    """
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise ReplayError(f"cannot read {path}: {err.strerror}") from None


# A `zpool status` holds a `pool:` line, a NAME/STATE table header (a pasted table alone),
# the JSON "pools" key, or says "no pools available": each on a line of its own, of sane length.
_ZPOOL_STATUS_SIGN = re.compile(
    rb"(?m)^[ \t]*(pool: ?\S{1,256}|NAME[ \t]+STATE[ \t]+READ[ \t]+WRITE[ \t]+CKSUM|no pools available)"
    rb'[ \t]*\r?$|"pools"[ \t]*:'
)


def read_zpool_status(path: str) -> str:
    """Read a saved `zpool status` (a path, or `-` for stdin), refusing what cannot be one.

    The bytes are looked at before they are decoded, so a 50 MB one-line or random
    paste is refused without being copied into text and parsed (memory stays bounded).
    Raise ReplayError "no pool found in the input" naming how it begins.
    """
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as err:
        raise ReplayError(f"cannot read {path}: {err.strerror}") from None
    if not _ZPOOL_STATUS_SIGN.search(data):
        _refuse(data[:4096].decode("utf-8", errors="replace"))
    return data.decode("utf-8", errors="replace")


def snapshot_from_file(path: str) -> model.Snapshot:
    """Given a `nodewatch snapshot` file (or `-`), return the Snapshot it holds."""
    return snapshot_from_json(read_input(path), path)


def snapshot_from_output_files(
    zpool_status: str | None,
    *,
    udev_db: str | None = None,
    by_id: str | None = None,
    zpool_import: str | None = None,
    kernel_log: str | None = None,
) -> model.Snapshot:
    """Given the paths (or `-`) of saved `zpool status` and/or a `zpool import`
    listing, and optionally a udev dump or a by-id listing and a saved kernel log
    (`journalctl -k`, `dmesg`), return a Snapshot as if collected on that machine."""
    return snapshot_from_outputs(
        read_zpool_status(zpool_status) if zpool_status else None,
        udev_db=read_input(udev_db) if udev_db else None,
        by_id=read_input(by_id) if by_id else None,
        zpool_import=read_input(zpool_import) if zpool_import else None,
        kernel_log=read_input(kernel_log) if kernel_log else None,
    )


def snapshot_from_outputs(
    zpool_status: str | None,
    *,
    zpool_status_command: str = "zpool status",
    zpool_list: str | None = None,
    udev_db: str | None = None,
    by_id: str | None = None,
    smartctl: Mapping[str, tuple[str, int]] | None = None,
    zpool_import: str | None = None,
    kernel_log: str | None = None,
    hostname: str = "(pasted)",
    collected_at: datetime | None = None,
    local_time: datetime | None = None,
    zfs_version: str | None = None,
    probes: tuple[model.ProbeResult, ...] = (),
) -> model.Snapshot:
    """Given command outputs saved on some node, return a Snapshot as if collected there.

    zpool_status is `zpool status` text or JSON; zpool_list (`zpool list -j` or
    `-Hp` text) fills in capacities; the disks come from a udev dump
    (`udevadm info --export-db`) with smartctl (`-x -j` output and exit status
    by devnode), or else from an `ls -l /dev/disk/by-id` listing. Every pool a
    `zpool import` listing names (or a `cannot import` line in it) is taken as one
    that should be imported there. Raise ReplayError when the zpool outputs are
    not what they claim to be.
    """
    from nodewatch.parse.zpool_status import ParseError, attach_capacity, parse_zpool_status

    pool_status = model.PoolStatus(pools=(), source=model.PoolSource.TEXT)
    try:
        if zpool_status is not None:
            pool_status = parse_zpool_status(zpool_status, source="zpool status")
            _check_pools_found(zpool_status, pool_status)
        if zpool_list is not None:
            pool_status = attach_capacity(pool_status, _capacities(zpool_list))
    except ParseError as err:
        raise ReplayError(str(err)) from None
    importable, expected = _import_listing(zpool_import) if zpool_import is not None else (None, ())
    inventory = None
    if udev_db is not None:
        from nodewatch.parse.inventory import build_inventory
        from nodewatch.parse.smartctl import parse_smartctl_json
        from nodewatch.parse.udev_db import parse_udev_db

        # With its SMART readings a udev dump is a whole recording of the disks, as a
        # live collection makes; without, it is a dump that carries no SMART.
        smart = {devnode: parse_smartctl_json(*output) for devnode, output in (smartctl or {}).items()}
        source = model.InventorySource.UDEV if smartctl is not None else model.InventorySource.UDEV_DB
        inventory = build_inventory(
            parse_udev_db(udev_db, source="udev-db"), source=source, smart_by_devnode=smart
        )
    elif by_id is not None:
        from nodewatch.parse.by_id_listing import parse_by_id_listing

        inventory = parse_by_id_listing(by_id, source="by-id listing")
    return model.Snapshot(
        kernel_log=_kernel_log(kernel_log) if kernel_log is not None else None,
        hostname=hostname,
        collected_at=collected_at or datetime.now(UTC),
        local_time=local_time,
        zfs_version=zfs_version,
        pool_status=pool_status,
        inventory=inventory,
        probes=probes,
        expected_pools=expected,
        importable=importable,
        raw=tuple(
            model.RawOutput(command=command, stdout=stdout)
            for command, stdout in (
                (zpool_status_command, zpool_status),
                ("zpool import", zpool_import),
                ("journalctl -k", kernel_log),
            )
            if stdout is not None
        ),
    )


# What `zpool status` prints when nothing is imported: an answer, not a failure.
_NO_POOLS = "no pools available"
_SHOWN = 120  # characters of an input line quoted in an error


def _check_pools_found(text: str, pool_status: model.PoolStatus) -> None:
    """Raise ReplayError when a pasted `zpool status` holds no pool: empty input, a `zpool`
    error message, a shell transcript, binary. Never read as "all is well"."""
    if pool_status.pools or pool_status.source is model.PoolSource.JSON:
        return  # `zpool status -j` with "pools": {} is a checked answer: nothing imported
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if lines and all(line == _NO_POOLS for line in lines):
        return
    _refuse(text)


def _refuse(text: str) -> NoReturn:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first:
        raise ReplayError("no pool found in the input: it is empty")
    shown = first if len(first) <= _SHOWN else first[:_SHOWN] + "…"
    raise ReplayError(f"no pool found in the input (not a `zpool status` output); it begins with {shown!r}")


def _kernel_log(text: str) -> model.KernelLog:
    from nodewatch.parse.kernel_log import looks_like_kernel_log, parse_kernel_log

    if not looks_like_kernel_log(text):
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        if not first:
            raise ReplayError("kernel log: the input is empty")
        shown = first if len(first) <= _SHOWN else first[:_SHOWN] + "…"
        raise ReplayError(f"kernel log: not a `journalctl -k` or `dmesg` output; it begins with {shown!r}")
    return parse_kernel_log(text)


def _import_listing(text: str) -> tuple[model.PoolStatus, tuple[model.ExpectedPool, ...]]:
    from nodewatch.parse.zpool_import import cannot_import, parse_zpool_import

    importable = parse_zpool_import(text)
    reasons = cannot_import(text)
    guids = {pool.name: pool.guid for pool in importable.pools}
    names = list(dict.fromkeys([*guids, *reasons]))
    if not names and "no pools available" not in text:
        raise ReplayError("zpool import: no pool found in the input")
    expected = tuple(
        model.ExpectedPool(
            name=name,
            guid=guids.get(name),
            sources=(model.ExpectedFrom.IMPORT_LISTING,),
            boot_error=reasons.get(name),
        )
        for name in names
    )
    return importable, expected


def _capacities(zpool_list: str) -> dict[str, model.Capacity]:
    from nodewatch.parse.zpool_list import parse_zpool_list_json, parse_zpool_list_text

    if zpool_list.lstrip().startswith("{"):
        return parse_zpool_list_json(zpool_list, source="zpool list")
    return parse_zpool_list_text(zpool_list)


def demo_snapshot() -> model.Snapshot:
    """Return the bundled snapshot of the seed story, recorded on the lab VM."""
    text = resources.files("nodewatch.demo").joinpath(DEMO).read_text(encoding="utf-8")
    return snapshot_from_json(text, f"demo {DEMO}")


def smartctl_readings(paths: Sequence[str]) -> list[tuple[str, model.SmartInfo]]:
    """Given paths (or `-`, once) of saved smartctl outputs (`-j` JSON or plain text), return
    (path, reading) pairs in the order given. Raise ReplayError for a file that is not smartctl
    output: it must not pass for a healthy disk."""
    from nodewatch.parse.smartctl import parse_smartctl
    from nodewatch.parse.smartctl_text import is_smartctl_output

    if list(paths).count("-") > 1:
        raise ReplayError("--smartctl - (stdin) can be given once")
    out = []
    for path in paths:
        text, returncode = _recorded(read_input(path))
        if not text.lstrip().startswith("{") and not is_smartctl_output(text):
            raise ReplayError(f"{path}: not smartctl output (neither `smartctl -j` JSON nor its text)")
        smart = parse_smartctl(text, returncode)
        if smart.source == "json" and not smart.available and smart.reason and "no JSON" in smart.reason:
            raise ReplayError(f"{path}: not smartctl output ({smart.reason})")
        out.append((path, smart))
    return out


def _recorded(text: str) -> tuple[str, int | None]:
    """A recording with a `# key: value` header closed by `# ---` (tests/fixtures/lab): the output
    after it, and the exit status its `# rc:` line gives. Anything else as it is."""
    lines = text.splitlines()
    end = next((i for i, line in enumerate(lines[:40]) if line.strip() == "# ---"), None)
    if end is None or not all(line.startswith("#") for line in lines[:end]):
        return text, None
    rc = next((line.split(":", 1)[1].strip() for line in lines[:end] if line.startswith("# rc:")), "")
    return "\n".join(lines[end + 1 :]), int(rc) if rc.lstrip("-").isdigit() else None


def with_smartctl(
    snapshot: model.Snapshot, paths: Sequence[str]
) -> tuple[model.Snapshot, model.Snapshot | None]:
    """Given a snapshot and saved smartctl outputs, return it with each reading on its drive
    (joined by serial or WWN), and the snapshot as it was before when a reading replaced an
    earlier one of the same drive (a second file of one drive, or the snapshot's own reading)."""
    from nodewatch.parse.smartctl_join import join_readings

    joined = join_readings(snapshot.inventory, smartctl_readings(paths))
    current = replace(snapshot, inventory=joined.inventory)
    previous = replace(snapshot, inventory=joined.previous) if joined.previous else None
    return current, previous
