"""Kernel log evidence tied to the disk it is about: link resets, UAS aborts, I/O errors,
zio errors and under-voltage, joined to the physical disk and pool member through the
inventory (kernel name → disk → member; USB port → the disk whose bridge sits on it).

A zio line names its pool and the member's path as ZFS recorded it: it is joined to that
member whether or not the disk is here now, so one event keeps one finding while a pulled
disk is away and after it is back. A failed probe (ZFS asking whether the device is still
there, after an I/O failed) is the device going away, not a media error: it is told by the
member's own finding (member-missing and its kin) as evidence, never as kernel-io-errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from nodewatch.diagnose import commands, words
from nodewatch.diagnose.context import Context
from nodewatch.model import (
    DEGRADED,
    ONLINE,
    REMOVED,
    Action,
    Disk,
    DiskRef,
    Finding,
    KernelEvent,
    KernelEventKind,
    Pool,
    Severity,
    ThrottleBit,
    Transport,
    Vdev,
)
from nodewatch.parse.kernel_log import ZIO_FLAG_PROBE, zio_flags
from nodewatch.words.articles import with_article

_LINK_KINDS = frozenset(
    {
        KernelEventKind.USB_RESET,
        KernelEventKind.USB_DISCONNECT,
        KernelEventKind.UAS_ABORT,
        KernelEventKind.UAS_RESET,
        KernelEventKind.IO_ERROR,
        KernelEventKind.ATA_LINK_RESET,
        KernelEventKind.ATA_FAILED_COMMAND,
        KernelEventKind.ZIO_ERROR,
    }
)
_RESETS = frozenset({KernelEventKind.USB_RESET, KernelEventKind.UAS_RESET, KernelEventKind.ATA_LINK_RESET})
_USB_INTERFACE = re.compile(r"^(\d+-\d+(?:\.\d+)*):\d+\.\d+$")
_BLOCK_NAME = re.compile(r"^(?:sd|vd|hd|xvd)[a-z]+$|^mmcblk\d+$|^nvme\d+n\d+$")
_SYSFS_NAME = re.compile(r"^(ata\d+|host\d+)$")
_IN_USE = (ONLINE, DEGRADED)  # states in which a member's counters can be cleared and rebuilt
_EVIDENCE = 6  # log lines quoted per finding
WINDOW = timedelta(hours=1)  # a live log's recent events: "reset 14 times in the last hour"


@dataclass
class _Trail:
    """The events about one disk (or one kernel name no disk answers to)."""

    name: str
    disk: Disk | None = None
    member: tuple[Pool, Vdev] | None = None
    events: list[KernelEvent] = field(default_factory=list)

    def count(self, *kinds: KernelEventKind) -> int:
        return sum(1 for event in self.events if event.kind in kinds)


def check(context: Context) -> Iterator[Finding]:
    log = context.snapshot.kernel_log
    if log is None or not log.events:
        return
    window = _Window.of(context) if log.source else None  # live: counts of the last hour too
    under_voltage = [event for event in log.events if event.kind is KernelEventKind.UNDER_VOLTAGE]
    others = [
        event
        for event in log.events
        if event.kind in _LINK_KINDS and not is_boot_media(event) and not _told_by_member(context, event)
    ]
    trails = _trails(context, others)
    told_power = _flags_tell_under_voltage(context)
    for trail in trails:
        usb = trail.disk is not None and trail.disk.transport is Transport.USB
        finding = _finding(context, trail, len(under_voltage) if usb else 0, window)
        told_power |= usb and bool(under_voltage) and finding.code == "kernel-link-resets"
        yield finding
    if under_voltage and not told_power:
        yield Finding(
            severity=Severity.WARNING,
            code="under-voltage",
            summary=f"under-voltage was reported {_times(len(under_voltage))} in the kernel log",
            detail=(
                "The supply sagged below what the board needs. USB disks fed from the same supply"
                " drop out under load (resets, disconnects, checksum errors). Use a 5.1 V/3 A (or"
                " stronger) supply, and power the disks from their own supply or a powered hub."
            ),
            evidence=_evidence(under_voltage),
        )


def is_boot_media(event: KernelEvent) -> bool:
    """An SD card's or eMMC's event (mmcblk*): the boot media rule says those."""
    return event.device.startswith("mmcblk") or event.kind in (
        KernelEventKind.READ_ONLY_REMOUNT,
        KernelEventKind.MMC_ERROR,
    )


def _flags_tell_under_voltage(context: Context) -> bool:
    """The Pi's throttling flags report under-voltage: the power rule says it, with them."""
    flags = context.snapshot.throttling
    return flags is not None and (
        flags.has(ThrottleBit.UNDER_VOLTAGE) or flags.has(ThrottleBit.UNDER_VOLTAGE_OCCURRED)
    )


@dataclass(frozen=True)
class _Window:
    """The last hour before the snapshot, to count a live log's recent events apart."""

    aware_since: datetime
    naive_since: datetime | None

    @classmethod
    def of(cls, context: Context) -> _Window:
        snapshot = context.snapshot
        local = snapshot.local_time - WINDOW if snapshot.local_time else None
        return cls(snapshot.collected_at - WINDOW, local)

    def recent(self, events: list[KernelEvent]) -> int:
        count = 0
        for event in events:
            if event.time is None:
                continue
            since = self.aware_since if event.time.tzinfo else self.naive_since
            if since is not None and event.time >= since:
                count += 1
        return count


def zio_member(context: Context, event: KernelEvent) -> tuple[Pool, Vdev] | None:
    """The pool member a zio line is about: the leaf of its pool at the path it prints (the
    path ZFS recorded for the member), whether or not that disk is on the node now."""
    if event.kind is not KernelEventKind.ZIO_ERROR or not event.pool:
        return None
    for pool in context.snapshot.pools:
        if pool.name == event.pool:
            for leaf in pool.leaves():
                if event.device in (leaf.path, leaf.name):
                    return pool, leaf
    return None


def is_failed_probe(context: Context, event: KernelEvent) -> bool:
    """A zio line of ZFS's probe (vdev_probe: is the device still there?) that failed."""
    if event.kind is not KernelEventKind.ZIO_ERROR:
        return False
    flags = zio_flags(event.line, context.zfs_version())
    return flags is not None and bool(flags & ZIO_FLAG_PROBE)


def failed_probes(context: Context, pool: Pool, leaf: Vdev) -> tuple[str, ...]:
    """Evidence for a member's own finding: the kernel log's failed probes of it, if any."""
    log = context.snapshot.kernel_log
    if log is None:
        return ()
    events = [
        event
        for event in log.events
        if is_failed_probe(context, event) and (found := zio_member(context, event)) and found[1] is leaf
    ]
    if not events:
        return ()
    said = (
        "ZFS's probe of the device failed: it did not answer at all, as when a disk is unplugged or"
        " loses power (not a media error)"
    )
    return (*_evidence(events), said)


def _told_by_member(context: Context, event: KernelEvent) -> bool:
    """A zio line of a known member that the member's own finding tells: a failed probe; any
    failed I/O while ZFS marks it REMOVED or its device is gone (the pull itself: OpenZFS 2.1
    logs the failed writes to a pulled USB member without the probe flag, lab service-zfs21);
    and nothing once ZFS has it ONLINE with clean counters again (it is over). A member still
    counting errors with its disk here keeps its kernel-io-errors finding."""
    member = zio_member(context, event)
    if member is None:
        return False
    leaf = member[1]
    clean = not (leaf.read_errors or leaf.write_errors or leaf.checksum_errors)
    gone = leaf.state == REMOVED or context.is_gone(leaf)
    return is_failed_probe(context, event) or gone or (leaf.state == ONLINE and clean)


def _trails(context: Context, events: list[KernelEvent]) -> list[_Trail]:
    names = _disks_by_kernel_name(context)
    trails: dict[str, _Trail] = {}
    for event in events:
        disk = _disk_of(context, names, event)
        member = zio_member(context, event) if disk is None else None
        if member is not None and member[1].guid is not None:
            key = f"{member[0].name}:{member[1].guid}"  # the disk is away: its member says which
        else:
            key = disk.devnode if disk else event.device
        name = disk.devnode.removeprefix("/dev/") if disk else event.device
        trail = trails.setdefault(key, _Trail(name=name, disk=disk, member=member))
        trail.events.append(event)
    return list(trails.values())


def _disk_of(context: Context, names: dict[str, Disk], event: KernelEvent) -> Disk | None:
    if event.kind is KernelEventKind.ZIO_ERROR:
        where = context.by_path.get(event.device)
        if where:
            return where.disk
        return names.get(event.device.removeprefix("/dev/"))
    if event.device in names:
        return names[event.device]
    port = event.device.split("-", 1)
    if len(port) == 2:  # a USB port, matched by its chain when no sysfs path names the bus
        return names.get(f"*-{port[1]}")
    return None


def _disks_by_kernel_name(context: Context) -> dict[str, Disk]:
    """sdc, and from the sysfs path the USB port (2-1.2), ata3 and host1 the disk hangs off."""
    names: dict[str, Disk] = {}
    chains: dict[str, list[Disk]] = {}
    for disk in context.snapshot.disks:
        names[disk.devnode.removeprefix("/dev/")] = disk
        if disk.sysfs_path:
            for segment in disk.sysfs_path.split("/"):
                usb = _USB_INTERFACE.match(segment)
                if usb:
                    names[usb[1]] = disk
                elif _SYSFS_NAME.match(segment):
                    names[segment] = disk
        elif disk.bridge and disk.bridge.port_path:
            # ID_PATH's usb-0:1.2:1.0 keeps the port chain (1.2) but not the bus number.
            parts = disk.bridge.port_path.split(":")
            if len(parts) >= 2:
                chains.setdefault(parts[1], []).append(disk)
    for chain, disks in chains.items():
        if len(disks) == 1:
            names[f"*-{chain}"] = disks[0]
    return names


def _member(context: Context, disk: Disk) -> tuple[Pool, Vdev] | None:
    for pool in context.snapshot.pools:
        for leaf in pool.leaves():
            where = context.locate(leaf)
            if where is None and leaf.guid is not None:
                where = context.by_label_guid.get(leaf.guid)  # a member at a path ZFS does not know
            if where and where.disk.devnode == disk.devnode:
                return pool, leaf
    return None


def _finding(context: Context, trail: _Trail, under_voltage: int, window: _Window | None) -> Finding:
    disk = trail.disk
    recent = window.recent(trail.events) if window else None
    resets = trail.count(*_RESETS)
    disconnects = trail.count(KernelEventKind.USB_DISCONNECT)
    aborted = trail.count(KernelEventKind.UAS_ABORT)
    failed = trail.count(KernelEventKind.ATA_FAILED_COMMAND)
    io_errors = trail.count(KernelEventKind.IO_ERROR, KernelEventKind.ZIO_ERROR)
    link = resets + disconnects + aborted + failed > 0
    member = _member(context, disk) if disk else trail.member
    pool_name = member[0].name if member else next((e.pool for e in trail.events if e.pool), None)
    leaf = member[1] if member else None
    errors = leaf.read_errors + leaf.write_errors + leaf.checksum_errors if leaf else 0
    erring = leaf is not None and (errors > 0 or leaf.state != ONLINE)
    said = []
    if resets:
        said.append(f"was reset {_times(resets)}")
    if disconnects:
        said.append(f"dropped off the bus {_times(disconnects)}")
    if aborted:
        said.append(f"had {_times(aborted, 'command')} aborted (UAS)")
    if failed:
        said.append(f"failed {_times(failed, 'command')}")
    if io_errors:
        said.append(f"logged {_times(io_errors, 'I/O error')}")
    if recent is not None and said:  # a live log: how much of it is recent
        said[-1] += " in the last hour" if recent == len(trail.events) else f" since boot ({_recent(recent)})"
    if under_voltage and link:
        said.append(f"under-voltage was reported {_times(under_voltage)}")
    summary = f"{_who(trail)} {_and(said)}"
    detail = []
    if errors and leaf is not None and link:
        detail.append(
            f"It is {pool_name}'s member {leaf.name} ({leaf.state}, {leaf.read_errors} read,"
            f" {leaf.write_errors} write, {leaf.checksum_errors} checksum errors): with the link"
            " resetting, those errors are the link, not the drive."
        )
    elif erring and leaf is not None:
        detail.append(f"It is {pool_name}'s member {leaf.name} ({leaf.state}).")
    # One disconnect and nothing else is what unplugging a disk looks like; a pool member's own
    # finding says it is gone. Shown, not alerted on: repeats, resets and errors are.
    unplugged = disconnects == 1 and len(trail.events) == 1 and not under_voltage
    if unplugged:
        detail.append(
            "Once, with no reset or error around it: that is what unplugging it looks like. If nobody"
            " unplugged it, watch for more."
        )
    if link:
        detail.append(_link_advice(disk, under_voltage))
    else:
        detail.append(
            "The kernel could not read or write it without a link reset: check the drive's SMART"
            " (`smartctl -x`) for pending or reallocated sectors."
        )
    actions: tuple[Action, ...] = ()
    if errors and pool_name and leaf is not None and leaf.state in _IN_USE:
        actions = (
            Action(
                command=commands.clear(pool_name, leaf.guid if leaf.guid is not None else leaf.name),
                why="After the link is fixed: reset the member's error counters, then scrub to check.",
                check_first="the disk's power or cable was fixed and no new resets are in the kernel log",
            ),
            Action(command=commands.scrub(pool_name), why="Read every block back to prove the data."),
        )
    quiet = (recent == 0 and not erring) or unplugged  # worth knowing, no alarm
    return Finding(
        severity=Severity.INFO if quiet else Severity.CRITICAL if erring else Severity.WARNING,
        code="kernel-link-resets" if link else "kernel-io-errors",
        summary=summary,
        detail=" ".join(detail),
        pool=pool_name,
        vdev_guid=leaf.guid if leaf else None,
        disk=_disk_ref(context, trail),
        evidence=_evidence(trail.events),
        actions=actions,
    )


def _disk_ref(context: Context, trail: _Trail) -> DiskRef:
    """The disk a trail is about: the one here, else the member's (remembered) disk."""
    if trail.disk is not None:
        return words.disk_ref(trail.disk)
    if trail.member is not None:
        leaf = trail.member[1]
        known = context.known_members.get(leaf.guid) if leaf.guid is not None else None
        ref = words.member_ref(leaf, words.known_ref(known) if known else None)
        if ref is not None:
            return ref
    return _unknown_disk(trail.name)


def _unknown_disk(name: str) -> DiskRef:
    """A kernel name no disk of the inventory answers to, kept so its finding has an identity
    of its own (FindingKey uses the devnode): /dev/sdf, or a vdev path; a port or ataN as port."""
    if name.startswith("/"):
        return DiskRef(devnode=name)
    if _BLOCK_NAME.match(name):
        return DiskRef(devnode=f"/dev/{name}")
    return DiskRef(port=name)


def _who(trail: _Trail) -> str:
    disk = trail.disk
    if disk is None:
        return trail.name
    facts = []
    bridge = disk.bridge
    if disk.model:
        facts.append(disk.model)
    if bridge:
        ids = f"{bridge.vendor_id}:{bridge.product_id}" if bridge.vendor_id else "USB"
        vendor = bridge.vendor_name or ids
        facts[-1:] = [" ".join([*facts[-1:], f"behind {with_article(vendor)} bridge"]).strip()]
    port = _port(disk)
    if port:
        facts.append(f"port {port}")
    return f"{trail.name} ({', '.join(facts)})" if facts else trail.name


def _port(disk: Disk) -> str | None:
    for segment in (disk.sysfs_path or "").split("/"):
        usb = _USB_INTERFACE.match(segment)
        if usb:
            return usb[1]
        if segment.startswith("ata") and _SYSFS_NAME.match(segment):
            return segment
    return f"USB {disk.bridge.port_path}" if disk.bridge and disk.bridge.port_path else None


def _link_advice(disk: Disk | None, under_voltage: int) -> str:
    if disk is None:
        return (
            "The link to this device keeps resetting: check its cable and power; a udev dump"
            " (--udev-db) names the disk and its bridge."
        )
    if disk.transport is not Transport.USB:
        return (
            "The SATA link keeps resetting: reseat or replace the data cable and check the power"
            " connector; rising UDMA CRC errors in SMART confirm a cable."
        )
    advice = "Power the disk separately (its own supply, or a powered USB hub)"
    if under_voltage:
        advice += " and give the board a 5.1 V/3 A supply"
    bridge = disk.bridge
    if bridge and bridge.driver == "uas" and bridge.vendor_id and bridge.product_id:
        quirk = commands.usb_storage_quirk(bridge.vendor_id, bridge.product_id)
        advice += (
            f", or disable UAS for this bridge with the kernel parameter `{quirk}` (NixOS:"
            f" `{commands.nixos_kernel_params(quirk)}`), then reboot"
        )
    return advice + "."


def _evidence(events: list[KernelEvent]) -> tuple[str, ...]:
    shown = events if len(events) <= _EVIDENCE else [*events[: _EVIDENCE - 1], events[-1]]
    lines = [" ".join(x for x in (event.when, event.line) if x) for event in shown]
    if len(events) > _EVIDENCE:
        lines.insert(_EVIDENCE - 1, f"… {len(events) - _EVIDENCE} more")
    return tuple(lines)


def _recent(count: int) -> str:
    return "none in the last hour" if count == 0 else f"{count} of these in the last hour"


def _times(count: int, noun: str = "time") -> str:
    if noun == "time":
        return "once" if count == 1 else f"{count} times"
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
