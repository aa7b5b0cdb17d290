"""SMART through smartctl, a few disks at a time, never waking a sleeping disk.

Runs `smartctl -x -j -n standby -d TYPE DEVICE` through probe/run.py with the
configured timeout, on up to SMART_WORKERS disks at once (smartctl can take
30 s on a stalling USB bridge; one disk after another would add those up).
The -d type follows the disk's transport (decided by the inventory): behind a
USB bridge, the type smartmontools' drive database lists for the bridge's
USB ids (known_hardware.USB_BRIDGE_SMART: the NVMe bridges' snt* types, the
old JMicron, Cypress and Prolific pass-throughs), which is what smartctl
picks by itself for a bridge it knows, and `sat` for one it does not list or
lists with no type (most bridges pass ATA through with SAT; smartctl alone
would refuse an unknown bridge); `nvme` for NVMe, smartctl's own choice for
SATA and SCSI. SD cards and virtio disks have no SMART and are not asked.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from nodewatch.config import SmartSettings
from nodewatch.known_hardware import bridge_smart
from nodewatch.model import ProbeErrorKind, RawOutput, SmartInfo, Transport
from nodewatch.parse.inventory import SmartTarget
from nodewatch.parse.smartctl import parse_smartctl_json
from nodewatch.probe.result import NO_DEADLINE, Deadline, Reading, Stopwatch
from nodewatch.probe.run import CommandError, CommandResult, run

NAME = "smartctl"
SMARTCTL_TIMEOUT_SECONDS = SmartSettings().timeout_seconds  # the config's default
SMART_WORKERS = 4  # smartctl calls at once: bounded, a Pi's USB hub is shared
NO_SMART: dict[Transport, str] = {
    Transport.MMC: "SD cards and eMMC have no SMART",
    Transport.VIRTIO: "virtio disks have no SMART (the host's disks do)",
}
USB_DEFAULT_TYPE = "sat"  # SCSI/ATA Translation: the standard pass-through most bridges speak
_NEEDS_ROOT = ("Permission denied", "Operation not permitted")
_INSTALL_HINT = "(install smartmontools)"

Runner = Callable[[list[str], float], CommandResult]


def device_type(target: SmartTarget) -> str | None:
    """Given a disk, return the smartctl -d type to ask with, or None when it has no SMART."""
    if target.transport in NO_SMART:
        return None
    if target.transport is Transport.USB:
        known = bridge_smart(target.usb_ids)
        return known.device_type if known and known.device_type else USB_DEFAULT_TYPE
    if target.transport is Transport.NVME:
        return "nvme"
    return "auto"


def read_smart(
    target: SmartTarget,
    *,
    command: str = "smartctl",
    timeout: float = SMARTCTL_TIMEOUT_SECONDS,
    runner: Runner = run,
) -> tuple[SmartInfo, RawOutput | None, CommandError | None]:
    """Given a disk, return what smartctl says of it, the raw output, and the error that
    kept smartctl from answering (missing, hung, …); never raises."""
    kind = device_type(target)
    if kind is None:
        return SmartInfo(available=False, reason=NO_SMART[target.transport]), None, None
    argv = [command, "-x", "-j", "-n", "standby", "-d", kind, target.devnode]
    try:
        result = runner(argv, timeout)
    except CommandError as err:
        reason = str(err)
        if err.kind is ProbeErrorKind.NOT_INSTALLED:
            reason = f"{command} not found {_INSTALL_HINT}"
        return SmartInfo(available=False, reason=reason), None, err
    smart = parse_smartctl_json(result.stdout, result.returncode)
    if not smart.available and smart.reason and any(word in smart.reason for word in _NEEDS_ROOT):
        smart = replace(
            smart,
            reason=f"{smart.reason} (SMART needs root or CAP_SYS_RAWIO, and a container or VM may forbid it)",
        )
    if not smart.available and smart.device_type is None:
        smart = replace(smart, device_type=kind)
    return smart, result.raw(NAME), None


def read_all(
    targets: Iterable[SmartTarget],
    *,
    command: str = "smartctl",
    timeout: float = SMARTCTL_TIMEOUT_SECONDS,
    deadline: Deadline = NO_DEADLINE,
    runner: Runner = run,
    workers: int = SMART_WORKERS,
) -> Reading[dict[str, SmartInfo]]:
    """The smartctl probe: given the disks, return SMART by devnode with the raw outputs.

    smartctl missing is NO_DATA/NOT_INSTALLED (and no disk is asked twice); a disk that
    timed out, or was not reached before the deadline, makes it FAILED/TIMED_OUT.
    """
    watch = Stopwatch(NAME)
    targets = tuple(targets)
    asked = [target for target in targets if device_type(target) is not None]
    by_devnode = {
        target.devnode: SmartInfo(available=False, reason=NO_SMART[target.transport])
        for target in targets
        if device_type(target) is None
    }
    if not asked:
        return Reading(by_devnode, watch.ok())

    def one(target: SmartTarget) -> tuple[SmartInfo, RawOutput | None, CommandError | None]:
        return read_smart(target, command=command, timeout=deadline.timeout(timeout), runner=runner)

    if runner is run and shutil.which(command) is None and not Path(command).exists():
        return Reading(
            {}, watch.no_data(ProbeErrorKind.NOT_INSTALLED, f"{command} not found {_INSTALL_HINT}")
        )
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(asked)))) as pool:
        answers = list(pool.map(one, asked))
    missing = next((e for _s, _r, e in answers if e and e.kind is ProbeErrorKind.NOT_INSTALLED), None)
    if missing is not None:  # removed while we ran, or a runner that says so
        return Reading(
            {}, watch.no_data(ProbeErrorKind.NOT_INSTALLED, f"{command} not found {_INSTALL_HINT}")
        )
    raws = []
    errors = []
    for target, (smart, raw, error) in zip(asked, answers, strict=True):
        by_devnode[target.devnode] = smart
        if raw is not None:
            raws.append(raw)
        if error is not None:
            errors.append(error)
    timed_out = [error for error in errors if error.kind is ProbeErrorKind.TIMED_OUT]
    if timed_out:
        reading_result = watch.failed(ProbeErrorKind.TIMED_OUT, str(timed_out[0]))
    elif errors:
        reading_result = watch.failed(errors[0].kind, str(errors[0]))
    else:
        reading_result = watch.ok()
    return Reading(by_devnode, reading_result, tuple(raws))
