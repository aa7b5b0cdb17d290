"""SMART: drives that say they are failing, and counters that grew since the last look."""

from __future__ import annotations

from collections.abc import Iterator

from nodewatch.diagnose import words
from nodewatch.diagnose.context import Context
from nodewatch.model import Disk, Finding, Severity, SmartInfo

# Counters where any growth means the drive is wearing out (Backblaze's SMART
# stats single out 5, 187, 188, 197, 198 as failure predictors).
_SECTOR_COUNTERS = {
    "reallocated_sectors": "reallocated sectors",
    "pending_sectors": "sectors pending reallocation",
    "offline_uncorrectable": "offline-uncorrectable sectors",
    "nvme_media_errors": "NVMe media errors",
}


def check(context: Context) -> Iterator[Finding]:
    before = {disk.devnode: disk.smart for disk in context.previous.disks} if context.previous else {}
    for disk in context.snapshot.disks:
        smart = disk.smart
        if not smart or not smart.available:
            continue
        if smart.passed is False or "disk_failing" in smart.exit_flags:
            yield _finding(disk, Severity.CRITICAL, "smart-failing", "SMART says the drive is failing")
        if smart.nvme_critical_warning:
            yield _finding(
                disk,
                Severity.CRITICAL,
                "smart-nvme-critical-warning",
                f"NVMe critical warning {smart.nvme_critical_warning:#x}",
            )
        bad = [
            (name, getattr(smart, field)) for field, name in _SECTOR_COUNTERS.items() if getattr(smart, field)
        ]
        if bad:
            listed = ", ".join(f"{value} {name}" for name, value in bad)
            yield _finding(disk, Severity.WARNING, "smart-bad-sectors", f"the drive reports {listed}")
        grown = _grown(smart, before.get(disk.devnode))
        if grown:
            yield _finding(disk, Severity.WARNING, "smart-worsening", f"since the last look: {grown}")
        if smart.udma_crc_errors:
            yield _finding(
                disk,
                Severity.INFO,
                "smart-crc-errors",
                f"{smart.udma_crc_errors} interface CRC errors (usually the cable or bridge, not the drive)",
            )


def _grown(now: SmartInfo, before: SmartInfo | None) -> str:
    if before is None:
        return ""
    grown = []
    for field, name in _SECTOR_COUNTERS.items():
        old, new = getattr(before, field), getattr(now, field)
        if old is not None and new is not None and new > old:
            grown.append(f"{name} {old} → {new}")
    return ", ".join(grown)


def _finding(disk: Disk, severity: Severity, code: str, what: str) -> Finding:
    return Finding(
        severity=severity,
        code=code,
        summary=f"{disk.devnode} ({disk.model or 'unknown model'}): {what}",
        detail=f"The disk is {words.describe(disk)}. Back up what it holds; plan its replacement.",
        disk=words.disk_ref(disk),
    )
