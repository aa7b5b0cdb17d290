"""SMART: the verdict on each drive (diagnose/smart.py) in words, tied to its pool member,
what got worse since the last reading, and USB bridges that hide SMART."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from nodewatch import known_hardware
from nodewatch.diagnose import commands, words
from nodewatch.diagnose.context import Context
from nodewatch.diagnose.pool_state import serves_io
from nodewatch.diagnose.smart import Advice, Change, Concern, SmartHealth, judge, only_the_link, worsened
from nodewatch.model import Action, Disk, Finding, Guid, Severity, SmartInfo, Transport
from nodewatch.words.smart import ADVICE_WORDS, MEANING

SEVERITY: dict[SmartHealth, Severity] = {
    SmartHealth.FAILING: Severity.CRITICAL,
    SmartHealth.REPLACE_SOON: Severity.WARNING,
    SmartHealth.CHECK: Severity.WARNING,
    SmartHealth.WATCH: Severity.INFO,
    SmartHealth.OK: Severity.INFO,
}
_AUTO_TYPES = frozenset({"ata", "scsi", "nvme", "auto"})


@dataclass(frozen=True, slots=True)
class Member:
    pool: str
    guid: Guid | None
    name: str


def check(context: Context) -> Iterator[Finding]:
    members = _members(context)
    before = _readings(context.previous.disks) if context.previous else {}
    for disk in context.snapshot.disks:
        smart = disk.smart
        if smart is None:
            continue
        member = members.get(disk.devnode)
        if not smart.available:
            hidden = _bridge_hides_smart(disk, smart, member)
            if hidden:
                yield hidden
            continue
        for concern in judge(smart).concerns:
            yield _concern_finding(disk, smart, concern, member)
        previous = next((before[key] for key in identity(disk) if key in before), None)
        changes = worsened(previous, smart)
        if changes:
            yield _worsening_finding(disk, smart, changes, member)


def identity(disk: Disk) -> tuple[str, ...]:
    """Keys that find the same drive in another reading: its serial and WWN (devnodes move)."""
    smart = disk.smart
    keys = [f"serial:{value}" for value in (smart.serial if smart else None, disk.serial) if value] + [
        f"wwn:{value.lower()}" for value in (smart.wwn if smart else None, disk.wwn) if value
    ]
    return tuple(keys) or (f"devnode:{disk.devnode}",)


def _readings(disks: tuple[Disk, ...]) -> dict[str, SmartInfo]:
    out: dict[str, SmartInfo] = {}
    for disk in disks:
        if disk.smart is not None and disk.smart.available:
            for key in identity(disk):
                out.setdefault(key, disk.smart)
    return out


def _members(context: Context) -> dict[str, Member]:
    """Devnode → the pool member that disk is (present members, by path or by label)."""
    out: dict[str, Member] = {}
    for pool in context.snapshot.pools:
        if not serves_io(context, pool):
            continue  # a suspended or unavailable pool gets no replace (rules/pool_down.py speaks)
        for leaf in pool.leaves():
            disk = context.disk_of_leaf(leaf)
            if disk is None and leaf.guid is not None and leaf.guid in context.by_label_guid:
                disk = context.by_label_guid[leaf.guid].disk
            if disk is not None:
                name = f"guid {leaf.name}" if leaf.name.isdigit() else leaf.name  # a missing member's
                out.setdefault(disk.devnode, Member(pool.name, leaf.guid, name))
    return out


# A drive known only from a pasted reading that names no device (plain text never does): its
# devnode is the file's name in parentheses (parse/smartctl_join.py), which no command may name.
UNNAMED_DEVICE = "/dev/THE-DRIVE"


def _device(disk: Disk) -> tuple[str, str | None]:
    """The name to give smartctl for this disk, and what to do first when the reading named none."""
    preferred = disk.preferred_by_id()
    if preferred:
        return preferred.path, None
    if disk.devnode.startswith("/"):
        return disk.devnode, None
    real_serial = disk.serial and not known_hardware.bogus_serial_reason(disk.serial)  # not "--"
    which = f"serial {disk.serial}" if real_serial else f"model {disk.model or 'unknown'}"
    return UNNAMED_DEVICE, (
        f"the output names no device: put the device of the drive with {which} in place of"
        f" {UNNAMED_DEVICE} (`nodewatch disks` shows each device's serial)"
    )


def _device_args(disk: Disk, smart: SmartInfo) -> list[str]:
    kind = smart.device_type
    device, _ = _device(disk)
    # smartctl finds SATA, SAS and NVMe by itself; through a USB bridge the type must be given again.
    through_bridge = disk.transport in (Transport.USB, Transport.UNKNOWN)
    needed = kind and kind not in _AUTO_TYPES and (through_bridge or not kind.startswith("sat"))
    return (["-d", kind] if kind and needed else []) + [device]


def _summary(disk: Disk, what: str, member: Member | None) -> str:
    where = f", member {member.name} of pool {member.pool}" if member else ""
    return f"{disk.devnode} ({disk.model or 'unknown model'}{where}): {what}"


def _concern_finding(disk: Disk, smart: SmartInfo, concern: Concern, member: Member | None) -> Finding:
    todo = "; ".join(ADVICE_WORDS[advice.value] for advice in concern.advice)
    detail = f"{MEANING[concern.code]} The disk is {words.describe(disk)}."
    if concern.failure_rate is not None:
        detail += (
            f" In Backblaze's fleet, drives with counts like these failed at {concern.failure_rate:.0%}"
            " a year"
            " (about 2–3 % for drives without them; Scrutiny's thresholds)."
        )
    if member:
        detail += f" It is member {member.name} of pool {member.pool}."
    detail += f" What to do: {todo}."
    return Finding(
        severity=SEVERITY[concern.health],
        code=concern.code,
        summary=_summary(disk, concern.facts, member),
        detail=detail,
        pool=member.pool if member else None,
        vdev_guid=member.guid if member else None,
        disk=words.disk_ref(disk),
        evidence=_evidence(smart),
        actions=tuple(_actions(disk, smart, concern.advice, member)),
    )


def _actions(
    disk: Disk, smart: SmartInfo, advice: tuple[Advice, ...], member: Member | None
) -> Iterator[Action]:
    device = _device_args(disk, smart)
    _, unnamed = _device(disk)
    if Advice.SELF_TEST in advice:
        bridge = (
            "some USB bridges spin the disk down or reset it during the test: keep it busy or attach it"
            " directly"
            if disk.transport is Transport.USB
            else None
        )
        yield Action(
            command=commands.smartctl("-t", "long", *device),
            why="Start the drive's long self-test (reads every sector; hours on a large disk; the disk stays"
            " usable). Afterwards `smartctl -l selftest` shows the result.",
            check_first="; ".join(part for part in (unnamed, bridge) if part) or None,
        )
    if Advice.REPLACE in advice and member:
        yield Action(
            command=commands.replace(member.pool, member.guid or member.name, "/dev/disk/by-id/NEW-DISK"),
            why="After attaching a new disk at least as large: put its by-id name in place of NEW-DISK"
            " (`nodewatch disks` lists it). ZFS copies the data onto it while this drive still serves reads.",
            check_first="the new disk is not in use, and is at least as large as this one",
        )
    if Advice.CABLE in advice:
        yield Action(
            command=commands.smartctl("-A", *device),
            why="After changing the cable or bridge: read the attributes again; CRC errors never go down,"
            " but they must stop growing.",
            check_first=unnamed,
        )


def _evidence(smart: SmartInfo) -> tuple[str, ...]:
    lines = [f"smartctl ({smart.source}) on {smart.device or 'the disk'}, -d {smart.device_type or 'auto'}"]
    if smart.passed is not None:
        lines.append(f"self-assessment: {'PASSED' if smart.passed else 'FAILED'}")
    lines += [
        f"#{row.id} {row.name}: value {row.value} worst {row.worst} threshold {row.threshold}"
        f" raw {row.raw_string}" + (f" failed {row.when_failed}" if row.when_failed else "")
        for row in smart.attributes
        if row.id in (5, 187, 188, 197, 198, 199) or row.when_failed
    ]
    if smart.exit_flags:
        lines.append(f"smartctl exit flags: {', '.join(smart.exit_flags)}")
    return tuple(lines)


def _worsening_finding(
    disk: Disk, smart: SmartInfo, changes: tuple[Change, ...], member: Member | None
) -> Finding:
    listed = ", ".join(f"{change.what} {change.before} → {change.now}" for change in changes)
    link = only_the_link(changes)
    if link:
        detail = (
            "Interface CRC errors grow while the link between drive and computer corrupts data: the cable,"
            " connector or USB bridge, not the disk surface. Reseat or change it, then watch the count."
        )
        advice: tuple[Advice, ...] = (Advice.CABLE,)
    else:
        detail = (
            "A counter that only grows on a wearing drive grew between two readings: the drive is getting"
            " worse now, whatever its absolute numbers are. Run a long self-test; plan its replacement."
        )
        advice = (Advice.SELF_TEST, Advice.REPLACE)
    if member:
        detail += f" It is member {member.name} of pool {member.pool}."
    return Finding(
        severity=Severity.WARNING,
        code="smart-worsening",
        summary=_summary(disk, f"since the last reading: {listed}", member),
        detail=detail,
        pool=member.pool if member else None,
        vdev_guid=member.guid if member else None,
        disk=words.disk_ref(disk),
        evidence=_evidence(smart),
        actions=tuple(_actions(disk, smart, advice, member)),
    )


# ── bridges that hide SMART ─────────────────────────────────────────────────


def _bridge_hides_smart(disk: Disk, smart: SmartInfo, member: Member | None) -> Finding | None:
    """A disk behind a USB bridge whose SMART did not come through: which bridge, which -d type
    smartmontools knows to work for it, and the read-only commands to try, safest first."""
    if smart.in_standby or (disk.transport is not Transport.USB and not smart.bridge_ids):
        return None
    reason = smart.reason or ""
    if any(word in reason for word in _NOT_THE_BRIDGE):
        return None
    ids = smart.bridge_ids
    if not ids and disk.bridge and disk.bridge.vendor_id and disk.bridge.product_id:
        ids = f"{disk.bridge.vendor_id}:{disk.bridge.product_id}".lower()
    known = known_hardware.bridge_smart(ids)
    chip = known_hardware.bridge_chip(*(ids.split(":") if ids else (None, None)))
    name = known.chip if known else chip.name if chip else "an unlisted bridge"
    device, unnamed = _device(disk)
    tried = smart.device_type
    actions: list[Action] = []
    if known and known.device_type and known.device_type != tried:
        works = (
            f"smartmontools' drive database lists -d {known.device_type} for it"
            f" ({known_hardware.DRIVEDB}, line {known.line})"
        )
        actions.append(
            Action(
                command=commands.smartctl("-x", "-d", known.device_type, device),
                why=f"Ask through the bridge with the type known to work for it; {works}.",
                check_first="; ".join(part for part in (unnamed, known.caution) if part) or None,
            )
        )
    elif known and known.device_type:
        works = (
            f"smartmontools lists -d {known.device_type} for it (drivedb.h line {known.line}), which is what"
            " failed here: this enclosure's firmware differs or blocks SMART"
        )
    elif known:
        works = f"smartmontools lists it as passing no SMART through (drivedb.h line {known.line})"
    else:
        works = "smartmontools' drive database does not list it, so no -d type is known to work"
        actions.append(
            Action(
                command="update-smart-drivedb",
                why="Fetch smartmontools' newest drive database: a newer one may know this bridge, and"
                " smartctl then picks the right -d type by itself.",
            )
        )
    if not (known and known.device_type is None) and tried != "sat,12" and not _nvme_bridge(known):
        actions.append(
            Action(
                command=commands.smartctl("-x", "-d", "sat,12", device),
                why="SAT with 12-byte commands: the standard pass-through in its older form, which some"
                " bridges answer when the 16-byte one fails. It only reads.",
                check_first=unnamed,
            )
        )
    detail = (
        f"The drive is behind a USB bridge ({name}{', ' + ids if ids else ''}) and its SMART did not come"
        f" through ({reason or 'no answer'}). {works}. Without SMART nodewatch cannot tell whether this"
        " drive is wearing out. Older bridges speak vendor pass-throughs (-d usbjmicron, usbcypress,"
        " usbprolific, usbsunplus; USB-to-NVMe: sntjmicron, sntasmedia, sntrealtek), but smartmontools"
        " notes some reset or disconnect the drive (drivedb.h: JMS539, JMS583), so try them only while"
        " no pool uses the disk; never -d jmb39x, which writes through a sector of the disk"
        " (smartctl(8)). An enclosure with a bridge that passes SMART, or a SATA port, ends the guessing."
    )
    return Finding(
        severity=Severity.INFO,
        code="smart-hidden-by-bridge",
        summary=_summary(disk, f"SMART hidden by its USB bridge ({name}{', ' + ids if ids else ''})", member),
        detail=detail,
        pool=member.pool if member else None,
        vdev_guid=member.guid if member else None,
        disk=words.disk_ref(disk),
        evidence=(f"smartctl -d {tried or 'auto'}: {reason}",) if reason else (),
        actions=tuple(actions),
    )


_NOT_THE_BRIDGE = ("install smartmontools", "Permission denied", "not permitted", "did not finish")


def _nvme_bridge(known: known_hardware.BridgeSmart | None) -> bool:
    return bool(known and known.device_type and known.device_type.startswith("snt"))
