"""The node's own storage: an eMMC's wear report, the signs that precede an SD card's death
(SD cards report no wear: read-only remounts, I/O errors on mmcblk*), and /, /boot and /nix
filling up."""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose import commands
from nodewatch.diagnose.context import Context
from nodewatch.diagnose.rules.kernel_log import is_boot_media
from nodewatch.diagnose.threshold import Threshold
from nodewatch.model import (
    Action,
    DiskRef,
    FilesystemSpace,
    Finding,
    FlashWear,
    KernelEvent,
    KernelEventKind,
    Severity,
)
from nodewatch.parse.kernel_log import disk_name
from nodewatch.parse.node_health import life_used

FULL = "filesystem-full"
_EVIDENCE = 6
_BACKUP = (
    "Copy what matters off it now and have a new card (or a USB SSD to boot from) ready: an SD card"
    " reports no wear, errors and read-only remounts are how it shows its end."
)


def check(context: Context) -> Iterator[Finding]:
    for wear in context.snapshot.flash_wear:
        finding = _wear(wear)
        if finding:
            yield finding
    log = context.snapshot.kernel_log
    events = [event for event in log.events if is_boot_media(event)] if log else []
    remounts = [event for event in events if event.kind is KernelEventKind.READ_ONLY_REMOUNT]
    yield from _read_only(context, remounts)
    yield from _card_errors(
        context, [event for event in events if event.kind is not KernelEventKind.READ_ONLY_REMOUNT]
    )
    for space in context.snapshot.filesystems:
        finding = _space(context, space)
        if finding:
            yield finding


def _wear(wear: FlashWear) -> Finding | None:
    life = max((x for x in (wear.life_time_a, wear.life_time_b) if x), default=None)
    severity = None
    said = []
    if life is not None and life >= 0x09:
        severity = Severity.CRITICAL if life >= 0x0B else Severity.WARNING
        said.append(life_used(life))
    if wear.pre_eol is not None and wear.pre_eol >= 0x02:
        urgent = wear.pre_eol >= 0x03
        severity = Severity.CRITICAL if urgent or severity is Severity.CRITICAL else Severity.WARNING
        level = "urgent" if urgent else "warning"
        said.append(f"{'90' if urgent else '80'} % of its spare blocks used (pre-EOL {level})")
    if severity is None:
        return None
    name = f" ({wear.name})" if wear.name else ""
    return Finding(
        severity=severity,
        code="emmc-worn",
        summary=f"the eMMC {wear.device}{name} reports {' and '.join(said)}",
        detail=(
            "The eMMC's own estimate of its wear (eMMC 5.0 life time and pre-EOL information). A"
            " worn eMMC turns read-only or loses writes. Back it up and plan its replacement; move"
            " write-heavy paths (logs, databases) off it meanwhile."
        ),
        disk=DiskRef(devnode=f"/dev/{wear.device}"),
        evidence=(
            f"life_time: 0x{wear.life_time_a or 0:02x} 0x{wear.life_time_b or 0:02x}",
            f"pre_eol_info: 0x{wear.pre_eol or 0:02x}",
        ),
    )


def _read_only(context: Context, remounts: list[KernelEvent]) -> Iterator[Finding]:
    """A filesystem the kernel remounted read-only after errors, or one of the node's own
    mounted read-only: one finding per device."""
    by_device: dict[str, tuple[list[KernelEvent], list[FilesystemSpace]]] = {}
    for event in remounts:
        by_device.setdefault(f"/dev/{event.device}", ([], []))[0].append(event)
    for space in context.snapshot.filesystems:
        if space.read_only:
            by_device.setdefault(space.source or space.mountpoint, ([], []))[1].append(space)
    # This boot's kernel log read live and no remount in it: mounted read-only on purpose (fstab).
    read_live = bool(context.snapshot.kernel_log and context.snapshot.kernel_log.source)
    for device, (events, spaces) in by_device.items():
        where = ", ".join(space.mountpoint for space in spaces) or _mountpoints(context, device)
        card = device.startswith("/dev/mmcblk")
        summary = f"{device}{f' ({where})' if where else ''} "
        if events:
            summary += "was remounted read-only by the kernel after errors"
        else:
            summary += "is mounted read-only"
        detail = (
            "The kernel stops writing to a filesystem when the device under it fails writes or the"
            " filesystem finds itself damaged: services that write there fail from then on. "
        )
        if card:
            detail += _BACKUP + " "
        detail += "Read the kernel log around the remount for the first error before remounting or rebooting."
        if not events and read_live:
            detail = (
                "This boot's kernel log has no remount after errors: it was mounted read-only (fstab,"
                " or by hand). Services that need to write there fail."
            )
        elif not events:
            detail = (
                "If it is not read-only on purpose, the kernel remounted it after errors (the kernel log"
                " says when and why); services that write there fail. " + (_BACKUP if card else "")
            ).strip()
        yield Finding(
            severity=Severity.CRITICAL if events else Severity.INFO if read_live else Severity.WARNING,
            code="filesystem-read-only",
            summary=summary,
            detail=detail,
            disk=DiskRef(devnode=disk_path(device)) if device.startswith("/dev/") else None,
            evidence=tuple(" ".join(x for x in (e.when, e.line) if x) for e in events[:_EVIDENCE]),
            actions=(
                Action(
                    command=commands.kernel_messages_since_boot(),
                    why="Read what the kernel said before the remount (read-only).",
                ),
            ),
        )


def disk_path(device: str) -> str:
    """/dev/mmcblk0p2 → /dev/mmcblk0: the card a partition is on."""
    return "/dev/" + disk_name(device.removeprefix("/dev/"))


def _mountpoints(context: Context, device: str) -> str:
    return ", ".join(mount.target for mount in context.snapshot.mounts if mount.source == device)


def _card_errors(context: Context, events: list[KernelEvent]) -> Iterator[Finding]:
    by_card: dict[str, list[KernelEvent]] = {}
    for event in events:
        by_card.setdefault(disk_name(event.device), []).append(event)
    for card, trail in by_card.items():
        holds = [
            space.mountpoint
            for space in context.snapshot.filesystems
            if space.source.startswith(f"/dev/{card}")
        ]
        what = f"the card holding {', '.join(holds)}" if holds else "an SD card or eMMC"
        yield Finding(
            severity=Severity.CRITICAL if "/" in holds else Severity.WARNING,
            code="boot-media-errors",
            summary=f"{card} ({what}) logged {len(trail)} I/O error{'' if len(trail) == 1 else 's'}",
            detail=_BACKUP + " A card that errs under a supply that sags can also be the power: see"
            " the under-voltage findings, if any.",
            disk=DiskRef(devnode=f"/dev/{card}"),
            evidence=tuple(" ".join(x for x in (e.when, e.line) if x) for e in trail[:_EVIDENCE]),
        )


def _space(context: Context, space: FilesystemSpace) -> Finding | None:
    settings = context.settings
    threshold = Threshold(
        settings.filesystem_warning_percent,
        settings.filesystem_critical_percent,
        settings.clear_margin_percent,
    )
    disk = DiskRef(devnode=space.source if space.source.startswith("/dev/") else space.mountpoint)
    percent = space.used_percent
    severity = threshold.judge(
        percent, context.standing.get(Finding(Severity.WARNING, FULL, "", disk=disk).key)
    )
    if severity is None:
        return None
    nixos = context.snapshot.nixos is not None
    actions = [
        Action(command=commands.directory_usage(space.mountpoint), why="See what uses the space (read-only).")
    ]
    if nixos and space.mountpoint in ("/", "/nix", "/boot"):
        actions.append(
            Action(
                command=commands.nix_collect_garbage(),
                why="Delete system generations older than 30 days and the store paths nothing uses.",
                check_first="you do not need to roll back to a generation older than 30 days",
            )
        )
        if space.mountpoint == "/boot":
            actions.append(
                Action(
                    command=commands.nixos_rewrite_boot(),
                    why="Rewrite the boot entries for the generations left, removing old kernels from /boot.",
                )
            )
    elif space.mountpoint == "/":
        actions.append(
            Action(command=commands.journal_vacuum(), why="Shrink the journal to its newest 200 MB.")
        )
    why = {
        "/boot": "a full /boot makes the next kernel update or nixos-rebuild fail half way",
        "/nix": "a full /nix/store makes every nixos-rebuild and nix build fail",
    }.get(
        space.mountpoint,
        "a full root filesystem stops logging and services that write, and wears an SD card faster",
    )
    held = threshold.held_words(percent, severity)
    return Finding(
        severity=severity,
        code=FULL,
        summary=f"{space.mountpoint} is {percent}% full ({_size(space.available_bytes)} free)",
        detail=f"{space.mountpoint} ({space.source or 'its filesystem'}): {why}.{held}",
        disk=disk,
        actions=tuple(actions),
    )


def _size(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"
