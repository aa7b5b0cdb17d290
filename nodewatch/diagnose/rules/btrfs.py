"""Mounted btrfs filesystems: missing devices, device error counters, the last scrub,
metadata with a single copy, and unallocated space running out.

btrfs keeps each device's error counters for the filesystem's whole life; they are reset
only by hand (`btrfs device stats -z`), after the cause is dealt with and a scrub has
repaired what it could. A scrub reads every copy and repairs a bad one from a good one,
which needs a second copy: DUP (two copies on one device, what a single SD card gets) or
RAID1 and up on several devices. New chunks come from unallocated space: when it runs out,
metadata cannot grow and writes fail with "No space left on device" while `df` still shows
free space; a balance filtered to nearly empty data chunks gives whole chunks back.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from nodewatch.diagnose import commands, words
from nodewatch.diagnose.context import Context
from nodewatch.model import (
    Action,
    BtrfsDevice,
    BtrfsFilesystem,
    BtrfsScrubStatus,
    BtrfsUsage,
    DiskRef,
    Finding,
    Severity,
)
from nodewatch.words.sizes import binary_size

GIB = 1 << 30
METADATA_FULL = 0.90  # used / allocated metadata from which a new metadata chunk is needed soon
_REDUNDANT = frozenset({"DUP", "RAID1", "RAID1C3", "RAID1C4", "RAID10", "RAID5", "RAID6"})
_COUNTERS = (
    ("write_io", "write"),
    ("read_io", "read"),
    ("flush_io", "flush"),
    ("corruption", "corruption"),
    ("generation", "generation"),
)


def check(context: Context) -> Iterator[Finding]:
    for fs in context.snapshot.btrfs:
        yield from _missing(fs)
        yield from _device_errors(context, fs)
        yield from _scrub(context, fs)
        if fs.usage is not None:
            yield from _profiles(fs, fs.usage)
            yield from _space(fs, fs.usage)


def name(fs: BtrfsFilesystem) -> str:
    """'btrfs at /' or 'btrfs "data" at /srv'."""
    return f'btrfs "{fs.label}" at {fs.mountpoint}' if fs.label else f"btrfs at {fs.mountpoint}"


# ─── missing devices ──────────────────────────────────────────────────────────


def _missing(fs: BtrfsFilesystem) -> Iterator[Finding]:
    gone = [device for device in fs.devices if device.missing]
    known = len(fs.devices)
    if not (fs.some_missing or gone or (fs.total_devices and known < fs.total_devices)):
        return
    which = ", ".join(f"devid {d.devid}" + (f" ({d.path})" if d.path else "") for d in gone)
    count = len(gone) or max((fs.total_devices or 0) - known, 1)
    redundant = fs.usage is not None and all(a.profile in _REDUNDANT - {"DUP"} for a in fs.usage.allocations)
    mnt = fs.mountpoint
    yield Finding(
        severity=Severity.CRITICAL,
        code="btrfs-device-missing",
        summary=f"{name(fs)}: {count} of its {fs.total_devices or known} devices "
        + (f"missing: {which}" if which else "missing"),
        detail=(
            "The filesystem runs without "
            + ("that device" if count == 1 else "those devices")
            + (
                "; with RAID1 profiles its data is still readable from the other copies, but it has"
                " no redundancy left: one more bad block or device loses data. "
                if redundant
                else "; chunks that had their only copy there cannot be read. "
            )
            + "btrfs does not take a device back while mounted, nor resync it by itself: if the "
            "same disk is back (a loose cable, a USB disk that reset), mount the filesystem again "
            "(reboot if it is /), then scrub, which rewrites what it missed from the good copies. "
            "If the disk is dead, put a new one in with `btrfs replace start <devid> <new device> "
            f"{mnt}` (devid from the command below)."
        ),
        filesystem=mnt,
        evidence=tuple(_device_line(d) for d in fs.devices),
        actions=(
            Action(
                command=commands.btrfs("filesystem", "show", mnt),
                why="Shows which devid is missing and which devices are left (read-only).",
            ),
            *(
                ()
                if mnt == "/"
                else (
                    Action(
                        command=commands.remount(mnt),
                        why="Mounts it again as /etc/fstab says, so btrfs opens the returned device "
                        "(for /, reboot instead).",
                        check_first="the same disk is plugged in again (lsblk shows it) and nothing "
                        f"uses {mnt} (fuser -vm {mnt})",
                    ),
                )
            ),
            Action(
                command=commands.btrfs_scrub_start(mnt),
                why="Once the filesystem is mounted again with every device: rewrites the copies the "
                "returning device missed from the good ones.",
                check_first=f"`btrfs filesystem show {mnt}` lists every device, none MISSING",
            ),
        ),
    )


def _device_line(device: BtrfsDevice) -> str:
    size = binary_size(device.size) if device.size is not None else "?"
    state = " MISSING" if device.missing else ""
    return f"devid {device.devid} size {size} path {device.path or '<missing disk>'}{state}"


# ─── device error counters ────────────────────────────────────────────────────


def _device_errors(context: Context, fs: BtrfsFilesystem) -> Iterator[Finding]:
    scrub = fs.scrub
    for device in fs.devices:
        errors = device.errors
        if errors is None or errors.total == 0:
            continue
        counts = ", ".join(
            f"{label} {getattr(errors, attr)}" for attr, label in _COUNTERS if getattr(errors, attr)
        )
        where = device.path or f"devid {device.devid}"
        disk = _disk(context, device)
        about = f" ({words.describe(location.disk)})" if (location := context.by_path.get(where)) else ""
        io = errors.write_io + errors.read_io + errors.flush_io
        cause = (
            "Read, write or flush errors are the device or its link failing (cable, USB bridge, "
            "power, the card itself): check its SMART and the kernel log before trusting it again. "
            if io
            else ""
        )
        repaired = ""
        if scrub is not None and scrub.status is BtrfsScrubStatus.FINISHED and not scrub.uncorrectable:
            repaired = (
                f"The last scrub ({_when(scrub.started)}) finished with nothing left uncorrectable"
                + (f" after repairing {scrub.corrected}" if scrub.corrected else "")
                + ": if it ran after these errors, they are repaired and only the counters remain. "
            )
        gone = (
            "It is missing now (see btrfs-device-missing): these are the writes it missed, which a "
            "scrub rewrites once it is back. "
            if device.missing
            else ""
        )
        yield Finding(
            severity=Severity.WARNING,
            code="btrfs-device-errors",
            summary=f"{name(fs)}: {where}{about} has error counts: {counts}",
            detail=(
                "btrfs counted these errors on this device since the counters were last reset; "
                "they never go down by themselves. "
                + gone
                + cause
                + "Corruption errors are blocks whose checksum did not match: with a second copy "
                "(DUP, RAID1) btrfs reads the good one and a scrub rewrites the bad one; with a "
                "single copy the block is lost (the scrub says so). "
                + repaired
                + "Reset the counters once the scrub came back clean, so that new errors stand out."
            ),
            disk=disk,
            filesystem=fs.mountpoint,
            evidence=tuple(
                f"[{where}].{attr}_errs {getattr(errors, attr)}" for attr in (a for a, _ in _COUNTERS)
            ),
            actions=(
                Action(
                    command=commands.btrfs_scrub_start(fs.mountpoint),
                    why="Reads every copy and repairs bad ones from a good copy; runs in the "
                    f"background (`{commands.btrfs_scrub_status(fs.mountpoint)}` shows the result).",
                ),
                Action(
                    command=commands.btrfs_stats_reset(where),
                    why="Sets this device's error counters back to zero, so new errors show.",
                    check_first=f"`{commands.btrfs_scrub_status(fs.mountpoint)}` says finished with "
                    "Uncorrectable: 0, and the cause (cable, power, disk) is dealt with",
                ),
            )
            if device.path and not device.missing
            else (),
        )


def _disk(context: Context, device: BtrfsDevice) -> DiskRef:
    location = context.by_path.get(device.path or "")
    if location is not None:
        return words.disk_ref(location.disk)
    return DiskRef(devnode=device.path)


# ─── scrub ────────────────────────────────────────────────────────────────────


def _scrub(context: Context, fs: BtrfsFilesystem) -> Iterator[Finding]:
    scrub = fs.scrub
    if scrub is None:
        return
    mnt = fs.mountpoint
    start = Action(command=commands.btrfs_scrub_start(mnt), why="Starts a scrub; it runs in the background.")
    if scrub.status is BtrfsScrubStatus.NEVER:
        yield Finding(
            severity=Severity.INFO,
            code="btrfs-scrub-never",
            summary=f"{name(fs)} has never been scrubbed",
            detail="A scrub reads every block, checks its checksum and repairs a bad copy from a good "
            "one (DUP metadata on a single card, RAID1 across devices) before the good copy goes too.",
            filesystem=mnt,
            actions=(start,),
        )
        return
    found = ", ".join(f"{kind}={count}" for kind, count in scrub.errors.items())
    if scrub.uncorrectable:
        yield Finding(
            severity=Severity.CRITICAL,
            code="btrfs-scrub-uncorrectable",
            summary=f"{name(fs)}: the last scrub ({_when(scrub.started)}) found {scrub.uncorrectable} "
            f"uncorrectable errors",
            detail=(
                "These blocks had no good copy left (single profile, or every copy bad): the files "
                "that use them cannot be read. The kernel log names them (`path:` in the BTRFS "
                "lines of the scrub). Restore those files from a backup, delete the damaged "
                "copies, then scrub again; with one device, convert metadata to DUP so the next bad "
                "block is repairable."
            ),
            filesystem=mnt,
            evidence=(
                f"Status: {scrub.status.value}",
                f"Error summary: {found}",
                f"Corrected: {scrub.corrected}",
                f"Uncorrectable: {scrub.uncorrectable}",
            ),
            actions=(
                Action(
                    command=commands.kernel_log_grep("BTRFS.*(checksum error|unable to fixup)"),
                    why="Lists the damaged blocks with the files they belong to (read-only).",
                ),
                Action(
                    command=start.command,
                    why="After the damaged files are restored or deleted: checks that nothing is left.",
                    check_first="the files the kernel log names are restored from a backup or deleted",
                ),
            ),
        )
        return  # it says to scrub again already
    if scrub.corrected and all(not d.errors or not d.errors.total for d in fs.devices):
        # Repaired, and the counters say nothing (reset since, or not counted: btrfs-progs #974).
        yield Finding(
            severity=Severity.INFO,
            code="btrfs-scrub-repaired",
            summary=f"{name(fs)}: the last scrub ({_when(scrub.started)}) repaired {scrub.corrected} "
            "errors, none left",
            detail="Bad copies were rewritten from good ones. If the device counters were not reset "
            "by hand since, look at the kernel log for which device they came from.",
            filesystem=mnt,
            evidence=(f"Error summary: {found}", f"Corrected: {scrub.corrected}"),
        )
    if scrub.status in (BtrfsScrubStatus.ABORTED, BtrfsScrubStatus.INTERRUPTED):
        yield Finding(
            severity=Severity.INFO,
            code="btrfs-scrub-unfinished",
            summary=f"{name(fs)}: the last scrub ({_when(scrub.started)}) was {scrub.status.value} "
            "before it finished",
            detail="Blocks it had not reached yet were not checked. Resume it where it stopped.",
            filesystem=mnt,
            actions=(
                Action(
                    command=commands.btrfs_scrub_resume(mnt),
                    why="Continues the scrub from where it stopped, in the background.",
                ),
            ),
        )
    elif scrub.status is BtrfsScrubStatus.FINISHED and scrub.started and context.snapshot.local_time:
        ended = scrub.started + timedelta(seconds=scrub.duration_seconds or 0)
        overdue = timedelta(days=context.settings.scrub_overdue_days)
        if context.snapshot.local_time - ended > overdue:
            age = (context.snapshot.local_time - ended).days
            yield Finding(
                severity=Severity.WARNING,
                code="btrfs-scrub-overdue",
                summary=f"{name(fs)} was last scrubbed {age} days ago (more than {overdue.days})",
                detail="A scrub reads every block and repairs silent corruption while a good copy "
                "still exists.",
                filesystem=mnt,
                actions=(start,),
            )


def _when(started: datetime | None) -> str:
    return f"started {started:%Y-%m-%d %H:%M}" if started is not None else "start time unknown"


# ─── profiles ─────────────────────────────────────────────────────────────────


def _allocation_lines(usage: BtrfsUsage) -> tuple[str, ...]:
    """The chunks by kind and profile, as `btrfs filesystem usage -b` prints them."""
    return tuple(f"{a.kind},{a.profile}: Size:{a.size}, Used:{a.used}" for a in usage.allocations)


def _profiles(fs: BtrfsFilesystem, usage: BtrfsUsage) -> Iterator[Finding]:
    present = [device for device in fs.devices if not device.missing]
    metadata = {a.profile for a in usage.allocations if a.kind == "Metadata"}
    data = {a.profile for a in usage.allocations if a.kind == "Data"}
    mnt = fs.mountpoint
    if len(fs.devices) == 1 and metadata == {"single"}:
        yield Finding(
            severity=Severity.WARNING,
            code="btrfs-metadata-single",
            summary=f"{name(fs)} keeps a single copy of its metadata on its one device",
            detail=(
                "One bad block in the metadata (the directories, where every file is) cannot be "
                "repaired and can take whole directories with it; SD cards and USB sticks lose blocks. "
                "DUP keeps two copies on the same device, so a scrub or a read repairs one from the "
                "other. It costs a little space (metadata is a small part) and is the default of "
                "mkfs.btrfs on single devices since btrfs-progs 5.15."
            ),
            filesystem=mnt,
            evidence=_allocation_lines(usage),
            actions=(
                Action(
                    command=commands.btrfs_convert_metadata(mnt, "dup"),
                    why="Rewrites the metadata chunks as DUP while mounted (minutes for a small filesystem).",
                    check_first=f"`btrfs filesystem usage {mnt}` shows unallocated space of at least "
                    "twice the metadata size",
                ),
            ),
        )
    if len(present) >= 2 and (len(metadata) > 1 or len(data) > 1):
        # A degraded mount writes new chunks as single; they stay single after the device is back.
        target_data = sorted(data - {"single"}) or ["raid1"]
        target_meta = sorted(metadata - {"single", "DUP"}) or ["raid1"]
        yield Finding(
            severity=Severity.WARNING,
            code="btrfs-mixed-profiles",
            summary=f"{name(fs)} has chunks of several profiles: data {', '.join(sorted(data))}; "
            f"metadata {', '.join(sorted(metadata))}",
            detail=(
                "Chunks written while a device was missing (a degraded mount) or by an interrupted "
                "conversion are single: they have one copy, and losing the device that holds it loses "
                "them. Convert them to the filesystem's profile; soft skips chunks already converted."
            ),
            filesystem=mnt,
            evidence=_allocation_lines(usage),
            actions=(
                Action(
                    command=commands.btrfs_convert(mnt, target_data[0].lower(), target_meta[0].lower()),
                    why="Rewrites the odd chunks in the filesystem's profile, leaves the others alone.",
                    check_first=f"`btrfs filesystem show {mnt}` lists every device, none MISSING",
                ),
            ),
        )


# ─── unallocated space ────────────────────────────────────────────────────────


def _space(fs: BtrfsFilesystem, usage: BtrfsUsage) -> Iterator[Finding]:
    if usage.device_unallocated is None or not usage.device_size:
        return
    low = min(GIB, usage.device_size // 10)
    unallocated = usage.device_unallocated
    if unallocated >= low:
        return
    meta_size = sum(a.size for a in usage.allocations if a.kind == "Metadata")
    meta_used = sum(a.used for a in usage.allocations if a.kind == "Metadata")
    data_slack = sum(a.size - a.used for a in usage.allocations if a.kind == "Data")
    metadata_full = meta_size > 0 and meta_used >= METADATA_FULL * meta_size
    reserve_used = bool(usage.global_reserve_used)
    mnt = fs.mountpoint
    evidence = (
        f"Device size: {binary_size(usage.device_size)}",
        f"Device unallocated: {binary_size(unallocated)}",
        f"Metadata: {binary_size(meta_used)} used of {binary_size(meta_size)}",
        f"Data allocated but unused: {binary_size(data_slack)}",
    )
    balance = (
        Action(
            command=commands.btrfs_balance_data(mnt, 10),
            why="Packs data chunks at most 10 % full into fewer chunks and returns the freed chunks "
            "to unallocated space; quick, and it needs almost no free space itself.",
        ),
        Action(
            command=commands.btrfs_balance_data(mnt, 50),
            why="If unallocated space is still low: the same for chunks at most half full (slower).",
            check_first=f"`btrfs filesystem usage {mnt}` still shows little unallocated space",
        ),
    )
    if metadata_full:
        yield Finding(
            severity=Severity.CRITICAL if reserve_used else Severity.WARNING,
            code="btrfs-metadata-full",
            summary=f"{name(fs)}: metadata is {100 * meta_used // meta_size} % full and only "
            f"{binary_size(unallocated)} is unallocated",
            detail=(
                "btrfs needs a new metadata chunk soon and has almost no unallocated space to make "
                'it from: writes will fail with "No space left on device" (or the filesystem turns '
                "read-only) while df still shows free space. "
                + ("It is already using its global reserve. " if reserve_used else "")
                + (
                    f"{binary_size(data_slack)} of data chunks are allocated but unused: a filtered "
                    "balance gives them back."
                    if data_slack >= low
                    else "Data chunks are full too: delete files or old snapshots first."
                )
            ),
            filesystem=mnt,
            evidence=evidence,
            actions=balance if data_slack >= low else (),
        )
    elif data_slack >= low:
        yield Finding(
            severity=Severity.WARNING,
            code="btrfs-unallocated-low",
            summary=f"{name(fs)}: only {binary_size(unallocated)} of {binary_size(usage.device_size)} "
            f"is unallocated, while {binary_size(data_slack)} of data chunks are unused",
            detail=(
                "New chunks (metadata above all) come from unallocated space; data chunks that were "
                'emptied by deletions stay allocated. When it runs out, writes fail with "No space '
                'left on device" although df shows free space. A balance filtered to nearly empty '
                "data chunks gives them back."
            ),
            filesystem=mnt,
            evidence=evidence,
            actions=balance,
        )
