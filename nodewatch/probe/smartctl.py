"""SMART through smartctl, one disk at a time, never waking a sleeping disk.

Runs `smartctl -x -j -n standby -d TYPE DEVICE` through probe/run.py with the
configured timeout. The -d type follows the disk's transport (decided by the
inventory): `sat` behind USB bridges (most pass ATA through with SAT; the
NVMe bridges need their own types), `nvme` for NVMe, smartctl's own choice
for SATA and SCSI. SD cards and virtio disks have no SMART and are not asked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from nodewatch.config import SmartSettings
from nodewatch.model import Disk, ProbeOutcome, ProbeResult, RawOutput, SmartInfo, Transport
from nodewatch.parse.smartctl import parse_smartctl_json
from nodewatch.probe.run import CommandError, CommandResult, run

NAME = "smartctl"
SMARTCTL_TIMEOUT_SECONDS = SmartSettings().timeout_seconds  # the config's default
NO_SMART: dict[Transport, str] = {
    Transport.MMC: "SD cards and eMMC have no SMART",
    Transport.VIRTIO: "virtio disks have no SMART (the host's disks do)",
}
# USB to NVMe bridges answer neither sat nor nvme (smartmontools drivedb; ANCHORS.md §1.7).
USB_NVME_BRIDGE_TYPES: dict[str, str] = {
    "152d:0583": "sntjmicron",
    "174c:2362": "sntasmedia",
    "0bda:9210": "sntrealtek",
}
_NEEDS_ROOT = ("Permission denied", "Operation not permitted")

Runner = Callable[[list[str], float], CommandResult]


def device_type(disk: Disk) -> str | None:
    """Given a disk, return the smartctl -d type to ask with, or None when it has no SMART."""
    if disk.transport in NO_SMART:
        return None
    if disk.transport is Transport.USB:
        bridge = disk.bridge
        ids = f"{bridge.vendor_id}:{bridge.product_id}" if bridge else ""
        return USB_NVME_BRIDGE_TYPES.get(ids, "sat")
    if disk.transport is Transport.NVME:
        return "nvme"
    return "auto"


def read_smart(
    disk: Disk,
    *,
    command: str = "smartctl",
    timeout: float = SMARTCTL_TIMEOUT_SECONDS,
    runner: Runner = run,
) -> tuple[SmartInfo, RawOutput | None]:
    """Given a disk, return what smartctl says of it and the raw output; never raises."""
    kind = device_type(disk)
    if kind is None:
        return SmartInfo(available=False, reason=NO_SMART[disk.transport]), None
    argv = [command, "-x", "-j", "-n", "standby", "-d", kind, disk.devnode]
    try:
        result = runner(argv, timeout)
    except CommandError as err:
        reason = str(err)
        if reason.endswith("not found"):
            reason = f"{command} not found (install smartmontools)"
        return SmartInfo(available=False, reason=reason), None
    raw = RawOutput(
        command=result.command_line, stdout=result.stdout, returncode=result.returncode, stderr=result.stderr
    )
    smart = parse_smartctl_json(result.stdout, result.returncode)
    if not smart.available and smart.reason and any(word in smart.reason for word in _NEEDS_ROOT):
        smart = _with_reason(
            smart, f"{smart.reason} (SMART needs root or CAP_SYS_RAWIO, and a container or VM may forbid it)"
        )
    if not smart.available and smart.device_type is None:
        smart = _with_reason(smart, smart.reason, device_type=kind)
    return smart, raw


def read_all(
    disks: Iterable[Disk],
    *,
    command: str = "smartctl",
    timeout: float = SMARTCTL_TIMEOUT_SECONDS,
    runner: Runner = run,
) -> tuple[dict[str, SmartInfo], tuple[RawOutput, ...], ProbeResult]:
    """Given the inventory's disks, return SMART by devnode, the raw outputs and one ProbeResult.

    smartctl missing is no_data; any disk that timed out makes it an error.
    """
    started = time.monotonic()
    by_devnode: dict[str, SmartInfo] = {}
    raws: list[RawOutput] = []
    for disk in disks:
        smart, raw = read_smart(disk, command=command, timeout=timeout, runner=runner)
        by_devnode[disk.devnode] = smart
        if raw:
            raws.append(raw)
        if smart.reason and smart.reason.endswith("(install smartmontools)"):
            break  # the same answer for every other disk
    reasons = [s.reason for s in by_devnode.values() if s.reason]
    missing = next((r for r in reasons if r.endswith("(install smartmontools)")), None)
    timed_out = [r for r in reasons if "did not finish" in r]
    if missing:
        result = ProbeResult(NAME, ProbeOutcome.NO_DATA, missing, time.monotonic() - started)
        return {}, (), result
    outcome = ProbeOutcome.ERROR if timed_out else ProbeOutcome.OK
    result = ProbeResult(NAME, outcome, timed_out[0] if timed_out else None, time.monotonic() - started)
    return by_devnode, tuple(raws), result


def _with_reason(smart: SmartInfo, reason: str | None, *, device_type: str | None = None) -> SmartInfo:
    from dataclasses import replace

    return replace(smart, reason=reason, device_type=device_type or smart.device_type)
