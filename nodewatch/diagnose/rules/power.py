"""Power and heat: the Pi firmware's throttling flags (under-voltage, frequency capped,
throttled, soft temperature limit; now or since boot) and temperatures of the SoC and
of drives (thermal zones, hwmon), each said with its cause and its fix."""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose import words
from nodewatch.diagnose.context import Context
from nodewatch.model import (
    DiskRef,
    Finding,
    KernelEventKind,
    SensorKind,
    Severity,
    Temperature,
    ThrottleBit,
    Throttling,
    Transport,
)

# Without limits from the driver: where a Pi starts to throttle (80 °C; the Pi 3B+ already
# softens its clocks at 60 °C, which bit 3 reports), and where it is in trouble.
SOC_HIGH_CELSIUS = 80.0
SOC_CRITICAL_CELSIUS = 90.0
# A drive without its own limits: most 3.5" drives are rated to 60 °C (55 °C for many).
DRIVE_HIGH_CELSIUS = 55.0
DRIVE_CRITICAL_CELSIUS = 65.0

_SANE_LIMIT = 40.0
_SUPPLY = (
    "Use a 5.1 V/3 A or stronger supply (5 V/5 A for a Pi 5) with a short, thick cable, and"
    " power the disks from their own supply or a powered USB hub."
)
_COOLING = "Give the SoC a heatsink or a fan and the case some air; check that the fan spins."


def check(context: Context) -> Iterator[Finding]:
    throttling = context.snapshot.throttling
    if throttling is not None:
        yield from _throttling(context, throttling)
    yield from _temperatures(context)


def _throttling(context: Context, flags: Throttling) -> Iterator[Finding]:
    logged = _kernel_under_voltage(context)
    evidence = (
        (f"{flags.source}: 0x{flags.value:x}",)
        if not flags.under_voltage_only
        else (f"{flags.source}: {flags.value}",)
    )
    now = flags.has(ThrottleBit.UNDER_VOLTAGE)
    since = flags.has(ThrottleBit.UNDER_VOLTAGE_OCCURRED)
    if now or since:
        when = "now" if now else "since boot"
        if logged:
            when += f" (the kernel logged it {_times(logged)})"
        usb = [disk for disk in context.snapshot.disks if disk.transport is Transport.USB]
        drop = (
            f"the USB disks on this Pi ({', '.join(disk.devnode.removeprefix('/dev/') for disk in usb)})"
            if usb
            else "USB disks on this Pi"
        )
        yield Finding(
            severity=Severity.WARNING,
            code="under-voltage",
            summary=f"under-voltage {when}: {drop} will drop out under load",
            detail=(
                "The Pi's supply sagged below 4.63 V"
                + (" and is low right now" if now else " since the last boot")
                + ". Under load the USB ports are the first to starve: disks reset, drop off the"
                " bus and return checksum errors that are the power, not the drive. " + _SUPPLY
            ),
            evidence=evidence,
        )
    capped = _bits(
        flags, ThrottleBit.FREQUENCY_CAPPED, ThrottleBit.THROTTLED, ThrottleBit.SOFT_TEMPERATURE_LIMIT
    )
    earlier = _bits(
        flags,
        ThrottleBit.FREQUENCY_CAPPED_OCCURRED,
        ThrottleBit.THROTTLED_OCCURRED,
        ThrottleBit.SOFT_TEMPERATURE_LIMIT_OCCURRED,
    )
    if not capped and not earlier:
        return
    heat = flags.has(ThrottleBit.SOFT_TEMPERATURE_LIMIT) or flags.has(
        ThrottleBit.SOFT_TEMPERATURE_LIMIT_OCCURRED
    )
    power = now or since
    causes = [x for x, on in (("under-voltage", power), ("heat", heat)) if on] or ["heat or power"]
    fixes = [_SUPPLY] if power else []
    if heat or not power:
        fixes.append(_COOLING)
    said = capped or earlier
    yield Finding(
        severity=Severity.WARNING if capped else Severity.INFO,
        code="throttled",
        summary=f"the Pi {'is' if capped else 'was'} slowed down {'now' if capped else 'since boot'}: "
        + ", ".join(said),
        detail=(
            f"The firmware lowers the clocks on {' and '.join(causes)}: scrubs, resilvers and"
            " checksumming take longer, and a hot SoC next to a disk heats the disk too. " + " ".join(fixes)
        ),
        evidence=evidence,
    )


_BIT_WORDS = {
    ThrottleBit.FREQUENCY_CAPPED: "frequency capped",
    ThrottleBit.THROTTLED: "throttled",
    ThrottleBit.SOFT_TEMPERATURE_LIMIT: "soft temperature limit reached",
    ThrottleBit.FREQUENCY_CAPPED_OCCURRED: "frequency capped",
    ThrottleBit.THROTTLED_OCCURRED: "throttled",
    ThrottleBit.SOFT_TEMPERATURE_LIMIT_OCCURRED: "soft temperature limit reached",
}


def _bits(flags: Throttling, *bits: ThrottleBit) -> list[str]:
    return [_BIT_WORDS[bit] for bit in bits if flags.has(bit)]


def _kernel_under_voltage(context: Context) -> int:
    log = context.snapshot.kernel_log
    if log is None:
        return 0
    return sum(1 for event in log.events if event.kind is KernelEventKind.UNDER_VOLTAGE)


def _temperatures(context: Context) -> Iterator[Finding]:
    socs = [t for t in context.snapshot.temperatures if t.kind is SensorKind.SOC]
    hot = [(t, _level(t, SOC_HIGH_CELSIUS, SOC_CRITICAL_CELSIUS)) for t in socs]
    judged = [(t, level) for t, level in hot if level is not None]
    if judged:
        sensor, level = max(judged, key=lambda pair: pair[0].celsius)
        yield Finding(
            severity=level,
            code="soc-temperature-high",
            summary=f"the SoC is at {sensor.celsius:.0f} °C ({sensor.sensor}){_limits(sensor)}",
            detail=(
                "A hot SoC throttles (slower scrubs and resilvers) and, past its critical trip"
                " point, the kernel shuts the node down. " + _COOLING
            ),
            evidence=tuple(f"{t.path}: {t.celsius:g} °C" for t in socs),
        )
    smart_known = {
        disk.devnode.removeprefix("/dev/")
        for disk in context.snapshot.disks
        if disk.smart is not None and disk.smart.temperature_celsius is not None
    }
    for sensor in context.snapshot.temperatures:
        if sensor.kind is not SensorKind.DRIVE or sensor.device in smart_known:
            continue  # SMART's temperature, with the drive's own limits, is judged by the smart rule
        drive_level = _level(sensor, DRIVE_HIGH_CELSIUS, DRIVE_CRITICAL_CELSIUS)
        if drive_level is None:
            continue
        disk = next((d for d in context.snapshot.disks if d.devnode == f"/dev/{sensor.device}"), None)
        yield Finding(
            severity=drive_level,
            code="drive-temperature-high",
            summary=f"{sensor.device or sensor.sensor} is at {sensor.celsius:.0f} °C{_limits(sensor)}",
            detail=(
                "Drives wear faster and fail sooner when hot. Give the disk air (spacing, a fan), keep"
                " it away from the Pi's SoC and the supply, and check its temperature again under load."
            ),
            disk=words.disk_ref(disk)
            if disk
            else DiskRef(devnode=f"/dev/{sensor.device}" if sensor.device else None),
            evidence=(f"{sensor.path}: {sensor.celsius:g} °C",),
        )


def _level(sensor: Temperature, high: float, critical: float) -> Severity | None:
    # A limit below 40 °C is not one a driver means (some ACPI zones report 0 or 20 °C trips).
    limit_high = sensor.high if sensor.high and sensor.high >= _SANE_LIMIT else high
    limit_critical = sensor.critical if sensor.critical and sensor.critical >= _SANE_LIMIT else critical
    if sensor.celsius >= limit_critical:
        return Severity.CRITICAL
    if sensor.celsius >= min(limit_high, limit_critical):
        return Severity.WARNING
    return None


def _limits(sensor: Temperature) -> str:
    parts = []
    if sensor.high:
        parts.append(f"throttles or warns at {sensor.high:g} °C")
    if sensor.critical:
        parts.append(f"critical at {sensor.critical:g} °C")
    return f"; {', '.join(parts)}" if parts else ""


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"
