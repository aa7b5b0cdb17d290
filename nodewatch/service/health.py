"""What can go wrong with the service itself, as findings: they show on the page and alert
like any other, because a monitor that silently stopped remembering is a problem to fix."""

from __future__ import annotations

from pathlib import Path

from nodewatch.model import Finding, Severity


def history_unwritable(directory: Path, reason: str) -> Finding:
    return Finding(
        severity=Severity.WARNING,
        code="history-unwritable",
        summary=f"nodewatch cannot write its history in {directory}",
        detail=(
            f"{reason}. nodewatch keeps watching and alerting from memory, but what it learns now"
            " (events, which disk each pool member is on) is lost at the next restart, and a restart"
            " may repeat alerts. Free space on that file system, or make the directory writable for"
            " the service ([service] state_directory)."
        ),
        evidence=(reason,),
    )


def history_reset(moved_to: Path) -> Finding:
    return Finding(
        severity=Severity.WARNING,
        code="history-reset",
        summary="nodewatch found its history database corrupt and started a new one",
        detail=(
            f"The damaged file was kept as {moved_to} (nothing deleted). Earlier events and the"
            " remembered pool members are not in the new history. Disk or file-system errors are"
            " the usual cause: check the kernel log and the storage that holds the state directory."
        ),
        evidence=(str(moved_to),),
    )


def urls_file_readable(warning: str) -> Finding:
    return Finding(
        severity=Severity.WARNING,
        code="alerts-urls-readable",
        summary="The file with the alert URLs is readable by other users",
        detail=warning,
        evidence=(warning,),
    )


def alerts_unconfigured(reason: str) -> Finding:
    return Finding(
        severity=Severity.WARNING,
        code="alerts-unusable",
        summary="nodewatch cannot send alerts",
        detail=reason,
        evidence=(reason,),
    )
