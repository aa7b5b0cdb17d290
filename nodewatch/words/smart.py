"""SMART in words: what each concern means and what to do about it, and the verdict's levels.

Keyed by the finding code and the advice and health names of nodewatch/diagnose/smart.py
(this layer sits below diagnose and imports only the model), so a finding, the disks
view, the page and an alert say the same.
"""

from __future__ import annotations

# What each concern means, for a person (one or two sentences).
MEANING: dict[str, str] = {
    "smart-failing": "The drive's own health check says it is failing: it expects to fail within"
    " about a day (smartctl's 'FAILED!' wording), or already has.",
    "smart-attribute-failing": "An attribute the vendor marks as predicting failure has reached the"
    " vendor's own failure threshold.",
    "smart-attribute-failed-before": "An attribute reached the vendor's failure threshold once and"
    " recovered; the drive remembers it.",
    "smart-bad-sectors": "Sectors the drive could not read reliably: remapped to spares (reallocated),"
    " waiting to be rewritten (pending), or found unreadable by its own scan (offline-uncorrectable).",
    "smart-uncorrectable-errors": "Reads or writes whose errors the drive's error correction could not fix:"
    " data at those places was returned wrong or not at all.",
    "smart-command-timeouts": "Commands to the drive that never finished: a struggling drive, or a"
    " flaky power supply, cable or bridge.",
    "smart-crc-errors": "Data was corrupted on its way between the drive and the computer and resent."
    " This is the cable, the connector, the backplane or the USB bridge, not the disk surface.",
    "smart-nvme-critical-warning": "The NVMe drive raised its critical warning flag.",
    "smart-nvme-worn": "An SSD wears with every write; Percentage Used is how much of its rated"
    " endurance is used (100 % = all of it; it may go on, but the vendor stops promising).",
    "smart-media-errors": "The NVMe drive hit errors it could not correct (unrecovered data or"
    " integrity errors), a sign its flash is failing.",
    "smart-grown-defects": "The SAS/SCSI drive remapped defective blocks since it left the factory.",
    "smart-temperature": "The drive is at or above the temperature limit it reports for itself.",
    "smart-self-test-failed": "A self-test of the drive found a problem (often a sector it could not read).",
    "smart-error-log": "The drive recorded errors in its ATA error log; they may be old.",
}
ADVICE_WORDS: dict[str, str] = {
    "replace": "back up what only it holds and replace it soon",
    "self-test": "run a long self-test and read its result",
    "cable": "reseat or change the cable (or the USB bridge, or the port)",
    "cooling": "give it airflow (fan, enclosure, spacing)",
    "watch": "watch the number: nodewatch says so if it grows",
}
# The verdict's levels (diagnose/smart.py SmartHealth names), as a badge and a phrase.
HEALTH_WORDS: dict[str, str] = {
    "UNKNOWN": "not judged",
    "OK": "fine",
    "WATCH": "watch",
    "CHECK": "check",
    "REPLACE_SOON": "replace soon",
    "FAILING": "FAILING",
}
