"""The btrfs probe: every mounted btrfs filesystem (from mountinfo), once each, read with
four `btrfs` commands, each with its timeout cut to the pass's deadline:

    btrfs filesystem show --raw <mountpoint>   uuid, label, devices, missing ones
    btrfs device stats <mountpoint>            each device's error counters
    btrfs scrub status <mountpoint>            the last scrub and what it found
    btrfs filesystem usage -b <mountpoint>     profiles, unallocated space

A filesystem mounted several times (subvolumes: /, /home, /nix) is read once, at its
first mountpoint. Reading needs root (CAP_SYS_ADMIN), measured in the lab (btrfs-progs
6.2, kernel 6.1): without it `filesystem show` says "not a valid btrfs filesystem",
`device stats` and `scrub status` "Operation not permitted", and `filesystem usage` leaves
out the chunks; the result then says PERMISSION_DENIED. A part that could not be read is
left None and the result says why.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from nodewatch.model import BtrfsFilesystem, Mount, ProbeErrorKind, RawOutput
from nodewatch.parse.btrfs import (
    filesystem_from_outputs,
    looks_like_device_stats,
    looks_like_scrub_status,
    looks_like_usage,
    parse_filesystem_show,
)
from nodewatch.probe.result import NO_DEADLINE, Deadline, Reading, Stopwatch
from nodewatch.probe.run import CommandError, CommandResult, run

NAME = "btrfs"


def mounted(mounts: Iterable[Mount]) -> list[Mount]:
    """The btrfs mounts to read: the first mount of each source device, in mount order."""
    seen: set[str] = set()
    first = []
    for mount in mounts:
        if mount.fstype == "btrfs" and mount.source not in seen:
            seen.add(mount.source)
            first.append(mount)
    return first


def read_filesystems(
    mounts: Iterable[Mount],
    command: str = "btrfs",
    timeout: float = 20.0,
    *,
    deadline: Deadline = NO_DEADLINE,
) -> Reading[tuple[BtrfsFilesystem, ...]]:
    """Read every mounted btrfs filesystem. Skipped (no result) when none is mounted."""
    watch = Stopwatch(NAME)
    targets = mounted(mounts)
    if not targets:
        return Reading((), watch.ok("no btrfs filesystem mounted"), skipped=True)
    raw: list[RawOutput] = []
    problems: list[str] = []
    found: list[BtrfsFilesystem] = []
    for mount in targets:
        where = mount.target
        try:
            show = _run([command, "filesystem", "show", "--raw", where], timeout, deadline, raw)
        except CommandError as err:
            if err.kind is ProbeErrorKind.NOT_INSTALLED:
                reason = f"btrfs is mounted at {where} but {err} (install btrfs-progs)"
                return Reading(None, watch.failed(err.kind, reason), tuple(raw))
            problems.append(str(err))
            continue
        shown = parse_filesystem_show(show.stdout)
        if show.returncode != 0 or not shown:
            if _not_permitted(show):
                # Measured in the lab (btrfs-progs 6.2): without CAP_SYS_ADMIN `filesystem show`
                # says "not a valid btrfs filesystem", device stats and scrub status EPERM.
                reason = (
                    f"btrfs is mounted at {where} but reading it needs root (CAP_SYS_ADMIN): "
                    f"`{show.command_line}`: {_said(show)}"
                )
                return Reading(None, watch.failed(ProbeErrorKind.PERMISSION_DENIED, reason), tuple(raw))
            problems.append(f"`{show.command_line}` said nothing usable: {_said(show)}")
            continue
        if any(fs.uuid == shown[0].uuid for fs in found):
            continue  # the same filesystem mounted again (another source path)
        outputs: dict[str, str | None] = {}
        for key, argv, fits in (
            ("stats", ["device", "stats", where], looks_like_device_stats),
            ("scrub", ["scrub", "status", where], looks_like_scrub_status),
            ("usage", ["filesystem", "usage", "-b", where], looks_like_usage),
        ):
            try:
                result = _run([command, *argv], timeout, deadline, raw)
            except CommandError as err:
                problems.append(str(err))
                outputs[key] = None
                continue
            outputs[key] = result.stdout if fits(result.stdout) else None
            if outputs[key] is None:
                problems.append(f"`{result.command_line}`: {_said(result)}")
        fs = filesystem_from_outputs(where, show.stdout, **outputs)
        if fs is not None:
            found.append(fs)
    if problems and not found:
        return Reading(None, watch.failed(ProbeErrorKind.READ_FAILED, "; ".join(problems)), tuple(raw))
    return Reading(tuple(found), watch.ok("; ".join(problems) or None), tuple(raw))


def _run(argv: list[str], timeout: float, deadline: Deadline, raw: list[RawOutput]) -> CommandResult:
    result = run(argv, deadline.timeout(timeout))
    raw.append(result.raw(NAME))
    return result


def _not_permitted(result: CommandResult) -> bool:
    said = result.stderr + result.stdout
    return "Operation not permitted" in said or ("not a valid btrfs filesystem" in said and os.geteuid() != 0)


def _said(result: CommandResult) -> str:
    text = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()[0]
    return f"exit {result.returncode}, {text[:200]}"
