"""The SMART verdict on one drive: one decided fact that the findings, the page and alerts read.

`judge(smart)` turns what smartctl said (SmartInfo: facts only) into a health
level and the concerns behind it; `worsened(before, now)` compares two readings
of the same drive. Pure: no I/O, no words beyond the facts (the sentences a
person reads are in nodewatch/diagnose/rules/smart.py).

Levels, worst last:
- OK: nothing to act on.
- WATCH: a number that is not yet a signal (field data shows no higher failure
  rate), kept so that growth is noticed.
- CHECK: a problem to look into that may not be the drive (cable, bridge, heat).
- REPLACE_SOON: drives like this fail much more often than others (field data),
  or the drive has used up what it was made for.
- FAILING: the drive says so itself, or it can no longer be written safely.

ATA thresholds are field data, not the vendor's THRESH alone: annualised
failure rates of Backblaze's drive fleet per raw-value bucket, as Scrutiny
ships them (AnalogJ/scrutiny webapp/backend/pkg/thresholds/ata_attribute_metadata.go,
commit 89588a4f21a431e125564a5560023168d7eee965; data from
https://www.backblaze.com/b2/hard-drive-test-data.html). Scrutiny's rule is
kept: a failure-predicting attribute whose bucket fails at 10 % a year or more
means "replace soon"; below that, a non-zero count is watched.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from nodewatch.model import SmartAttribute, SmartInfo


class SmartHealth(enum.IntEnum):
    """How a drive stands, from SMART. The value orders them; UNKNOWN = not read."""

    UNKNOWN = -1
    OK = 0
    WATCH = 1
    CHECK = 2
    REPLACE_SOON = 3
    FAILING = 4


class Advice(enum.StrEnum):
    """What to do about a concern, most urgent first in a concern's list."""

    REPLACE = "replace"  # back up, get a new drive, replace it in the pool
    SELF_TEST = "self-test"  # run `smartctl -t long`, then read the self-test log
    CABLE = "cable"  # reseat or change the cable, port or USB bridge
    COOLING = "cooling"  # airflow, fan, enclosure
    WATCH = "watch"  # note the number; nodewatch compares it at the next reading


@dataclass(frozen=True, slots=True)
class Concern:
    code: str  # the finding code (docs/findings.md)
    health: SmartHealth
    facts: str  # the numbers, e.g. "8 sectors pending reallocation (attribute 197)"
    advice: tuple[Advice, ...]
    failure_rate: float | None = None  # Backblaze annualised failure rate of the bucket, 0.34 = 34 %


@dataclass(frozen=True, slots=True)
class SmartVerdict:
    health: SmartHealth
    concerns: tuple[Concern, ...] = ()


# ── ATA: Backblaze buckets (low exclusive, high inclusive, annual failure rate) ──


@dataclass(frozen=True, slots=True)
class FieldData:
    id: int
    what: str  # "reallocated sectors"
    code: str
    buckets: tuple[tuple[int, int, float], ...]  # (low, high, AFR); (0, 0, afr) is the zero bucket

    def failure_rate(self, value: int) -> float:
        """Given a raw value, return the annual failure rate of its bucket: the first bucket
        reaching it (Scrutiny's buckets leave gaps, e.g. 1 pending sector), else the last."""
        if value <= 0:
            return self.buckets[0][2]
        for _low, high, rate in self.buckets[1:]:
            if value <= high:
                return rate
        return self.buckets[-1][2]


REPLACE_SOON_RATE = 0.10  # Scrutiny: a critical attribute in a bucket failing ≥ 10 % a year
FIELD_DATA: tuple[FieldData, ...] = (
    FieldData(
        5,
        "reallocated sectors",
        "smart-bad-sectors",
        (
            (0, 0, 0.0252),
            (1, 4, 0.0274),
            (4, 16, 0.0750),
            (16, 70, 0.2359),
            (70, 260, 0.3619),
            (260, 1100, 0.5677),
            (1100, 4500, 1.5028),
            (4500, 17000, 2.0660),
            (17000, 70000, 1.7755),
        ),
    ),
    FieldData(
        197,
        "sectors pending reallocation",
        "smart-bad-sectors",
        (
            (0, 0, 0.0255),
            (1, 2, 0.3420),
            (2, 6, 0.6824),
            (6, 16, 0.6108),
            (16, 40, 0.9565),
            (40, 100, 1.6520),
            (100, 250, 2.5138),
            (250, 650, 3.3203),
            (650, 1600, 3.1330),
        ),
    ),
    FieldData(
        198,
        "offline-uncorrectable sectors",
        "smart-bad-sectors",
        (
            (0, 0, 0.0287),
            (0, 2, 0.8136),
            (2, 4, 1.1173),
            (4, 6, 1.3559),
            (6, 8, 0.7324),
            (8, 10, 0.5777),
            (10, 12, 1.7464),
            (12, 14, 2.6449),
            (14, 16, 0.7969),
        ),
    ),
    FieldData(
        187,
        "errors the drive could not correct (reported uncorrectable)",
        "smart-uncorrectable-errors",
        (
            (0, 0, 0.0281),
            (1, 1, 0.3388),
            (1, 3, 0.2406),
            (3, 6, 0.5014),
            (6, 11, 0.3801),
            (11, 20, 0.5346),
            (20, 35, 0.8428),
            (35, 65, 1.4429),
            (65, 120, 1.6191),
        ),
    ),
    FieldData(
        188,
        "command timeouts",
        "smart-command-timeouts",
        # Scrutiny sets the first bucket to 0–100 on purpose: a few timeouts (a bad cable) are common.
        (
            (0, 0, 0.0249),
            (0, 100, 0.0249),
            (100, 13_000_000_000, 0.1004),
            (13_000_000_000, 26_000_000_000, 0.3340),
        ),
    ),
)
_FIELD_VALUE = {
    5: "reallocated_sectors",
    197: "pending_sectors",
    198: "offline_uncorrectable",
    187: "reported_uncorrectable",
    188: "command_timeouts",
}

# NVMe critical warning bits (NVMe base specification, SMART / Health Information log, byte 0)
NVME_WARNING_BITS: dict[int, tuple[str, SmartHealth]] = {
    0x01: ("available spare is below its threshold", SmartHealth.FAILING),
    0x02: ("temperature is outside its thresholds", SmartHealth.CHECK),
    0x04: ("reliability is degraded by media or internal errors", SmartHealth.FAILING),
    0x08: ("the drive has gone read-only", SmartHealth.FAILING),
    0x10: ("the volatile memory backup device has failed", SmartHealth.REPLACE_SOON),
    0x20: ("the persistent memory region has become read-only or unreliable", SmartHealth.REPLACE_SOON),
}
NVME_WEAR_WATCH_PERCENT = 90
NVME_WEAR_REPLACE_PERCENT = 100  # the vendor's rated endurance is used up


def judge(smart: SmartInfo | None) -> SmartVerdict:
    """Given what SMART said of a drive (None = not read), return the verdict and its concerns,
    worst first."""
    if smart is None or not smart.available:
        return SmartVerdict(SmartHealth.UNKNOWN)
    concerns = [
        *_self_assessment(smart),
        *_vendor_thresholds(smart),
        *_ata_field_data(smart),
        *_crc(smart),
        *_nvme(smart),
        *_scsi(smart),
        *_temperature(smart),
        *_logs(smart),
    ]
    concerns.sort(key=lambda concern: -concern.health)
    health = concerns[0].health if concerns else SmartHealth.OK
    return SmartVerdict(health, tuple(concerns))


def _self_assessment(smart: SmartInfo) -> list[Concern]:
    if smart.passed is False or "disk_failing" in smart.exit_flags:
        return [
            Concern(
                "smart-failing",
                SmartHealth.FAILING,
                "the drive's own SMART self-assessment: FAILED",
                (Advice.REPLACE,),
            )
        ]
    return []


def _vendor_thresholds(smart: SmartInfo) -> list[Concern]:
    now = [row for row in smart.attributes if row.when_failed == "now" or _at_threshold(row)]
    if now:
        listed = ", ".join(_attribute_words(row) for row in now)
        return [
            Concern(
                "smart-attribute-failing",
                SmartHealth.FAILING,
                f"at or below the vendor's failure threshold now: {listed}",
                (Advice.REPLACE,),
            )
        ]
    past = [row for row in smart.attributes if row.when_failed == "past"]
    if past:
        listed = ", ".join(_attribute_words(row) for row in past)
        return [
            Concern(
                "smart-attribute-failed-before",
                SmartHealth.WATCH,
                f"were at the vendor's failure threshold in the past: {listed}",
                (Advice.SELF_TEST, Advice.WATCH),
            )
        ]
    return []


def _at_threshold(row: SmartAttribute) -> bool:
    # A threshold of 0 means "never fails"; only pre-fail attributes predict failure.
    return bool(row.prefailure and row.threshold and row.value is not None and row.value <= row.threshold)


def _attribute_words(row: SmartAttribute) -> str:
    raw = row.raw_string or row.raw
    return f"{row.name} (#{row.id}, value {row.value}, threshold {row.threshold}, raw {raw})"


_REALLOCATED = next(data for data in FIELD_DATA if data.id == 5)


def _ata_field_data(smart: SmartInfo) -> list[Concern]:
    by_code: dict[str, list[tuple[FieldData, int, float]]] = {}
    for data in FIELD_DATA:
        value = getattr(smart, _FIELD_VALUE[data.id])
        if value:
            by_code.setdefault(data.code, []).append((data, value, data.failure_rate(value)))
    out = []
    for code, rows in by_code.items():
        worst = max(rate for _data, _value, rate in rows)
        listed = ", ".join(f"{value} {data.what} (attribute {data.id})" for data, value, _rate in rows)
        if worst >= REPLACE_SOON_RATE:
            out.append(
                Concern(code, SmartHealth.REPLACE_SOON, listed, (Advice.REPLACE, Advice.SELF_TEST), worst)
            )
        else:
            out.append(Concern(code, SmartHealth.WATCH, listed, (Advice.SELF_TEST, Advice.WATCH), worst))
    return out


def _crc(smart: SmartInfo) -> list[Concern]:
    if not smart.udma_crc_errors:
        return []
    return [
        Concern(
            "smart-crc-errors",
            SmartHealth.WATCH,
            f"{smart.udma_crc_errors} interface CRC errors (attribute 199)",
            (Advice.CABLE, Advice.WATCH),
        )
    ]


def _nvme(smart: SmartInfo) -> list[Concern]:
    out = []
    bits = smart.nvme_critical_warning or 0
    spare, spare_threshold = smart.nvme_available_spare, smart.nvme_available_spare_threshold
    spare_low = spare is not None and bool(spare_threshold) and spare < (spare_threshold or 0)
    if bits or spare_low:
        said = [words for bit, (words, _level) in NVME_WARNING_BITS.items() if bits & bit]
        if bits & ~0x3F:
            said.append(f"unknown bits {bits & ~0x3F:#x}")
        if spare_low and not bits & 0x01:
            said.append("available spare is below its threshold")
        health = max(
            [level for bit, (_words, level) in NVME_WARNING_BITS.items() if bits & bit]
            + ([SmartHealth.FAILING] if spare_low else [])
            + ([SmartHealth.REPLACE_SOON] if bits & ~0x3F else [])
        )
        worn_only = (
            bits == 0x04
            and (smart.nvme_percentage_used or 0) >= NVME_WEAR_REPLACE_PERCENT
            and not smart.nvme_media_errors
            and not spare_low
        )
        if worn_only:
            # Samsung raises bit 2 when Percentage Used reaches 100 % (smartmontools#537): the rated
            # endurance is used up, the flash is not failing. Replace soon, not now.
            health = SmartHealth.REPLACE_SOON
            said.append("raised because Percentage Used reached 100 %, with spare and media errors fine")
        facts = f"NVMe critical warning {bits:#04x}: " + "; ".join(said)
        if spare is not None and spare_threshold is not None:
            facts += f" (available spare {spare} %, threshold {spare_threshold} %)"
        advice = (Advice.COOLING,) if health is SmartHealth.CHECK else (Advice.REPLACE,)
        out.append(Concern("smart-nvme-critical-warning", health, facts, advice))
    used = smart.nvme_percentage_used
    if used is not None and used >= NVME_WEAR_WATCH_PERCENT:
        replace = used >= NVME_WEAR_REPLACE_PERCENT
        out.append(
            Concern(
                "smart-nvme-worn",
                SmartHealth.REPLACE_SOON if replace else SmartHealth.WATCH,
                f"{used} % of its rated endurance used (NVMe Percentage Used)",
                (Advice.REPLACE,) if replace else (Advice.WATCH,),
            )
        )
    if smart.nvme_media_errors:
        out.append(
            Concern(
                "smart-media-errors",
                SmartHealth.REPLACE_SOON,
                f"{smart.nvme_media_errors} media and data integrity errors (NVMe)",
                (Advice.REPLACE, Advice.SELF_TEST),
            )
        )
    return out


def _scsi(smart: SmartInfo) -> list[Concern]:
    out = []
    if smart.scsi_uncorrected_errors:
        out.append(
            Concern(
                "smart-uncorrectable-errors",
                SmartHealth.REPLACE_SOON,
                f"{smart.scsi_uncorrected_errors} uncorrected read/write/verify errors"
                " (SCSI error counter log)",
                (Advice.REPLACE, Advice.SELF_TEST),
            )
        )
    grown = smart.scsi_grown_defects
    if grown:
        # The grown defect list is SCSI's count of blocks the drive remapped since it left the factory:
        # what ATA counts as reallocated sectors (SnapRAID reads it as attribute 5; smartctl_exporter
        # and nasty show it in the same column). No field data of SAS drives is published, so it is
        # judged by Backblaze's buckets for attribute 5 (FIELD_DATA above): 1-16 watched, 17 or more
        # (a bucket failing 24 % a year) replace soon. Scrutiny marks the list critical with threshold
        # 0 (thresholds/scsi_attribute_metadata.go, models/measurements/smart.go ProcessScsiSmartInfo);
        # TrueNAS alerts on SCSI uncorrected errors, not on this list. Growth between two readings is
        # smart-worsening (WORSENING_COUNTERS below), whatever the count.
        rate = _REALLOCATED.failure_rate(grown)
        listed = f"{grown} elements in the grown defect list (SCSI)"
        if rate >= REPLACE_SOON_RATE:
            out.append(
                Concern(
                    "smart-grown-defects",
                    SmartHealth.REPLACE_SOON,
                    listed,
                    (Advice.REPLACE, Advice.SELF_TEST),
                    rate,
                )
            )
        else:
            out.append(
                Concern(
                    "smart-grown-defects", SmartHealth.WATCH, listed, (Advice.SELF_TEST, Advice.WATCH), rate
                )
            )
    return out


def _temperature(smart: SmartInfo) -> list[Concern]:
    now = smart.temperature_celsius
    if now is None:
        return []
    critical, limit = smart.temperature_critical_celsius, smart.temperature_limit_celsius
    if critical and now >= critical:
        return [
            Concern(
                "smart-temperature",
                SmartHealth.FAILING,
                f"{now} °C, at or above the drive's critical limit of {critical} °C",
                (Advice.COOLING,),
            )
        ]
    if limit and now >= limit:
        return [
            Concern(
                "smart-temperature",
                SmartHealth.CHECK,
                f"{now} °C, at or above the drive's own limit of {limit} °C",
                (Advice.COOLING,),
            )
        ]
    return []


def _logs(smart: SmartInfo) -> list[Concern]:
    out = []
    if smart.last_self_test_passed is False:
        out.append(
            Concern(
                "smart-self-test-failed",
                SmartHealth.REPLACE_SOON,
                f"the newest self-test failed: {smart.last_self_test or 'see the self-test log'}",
                (Advice.REPLACE, Advice.SELF_TEST),
            )
        )
    elif smart.self_test_failures:
        out.append(
            Concern(
                "smart-self-test-failed",
                SmartHealth.WATCH,
                f"{smart.self_test_failures} failed self-tests in the log; the newest passed",
                (Advice.WATCH,),
            )
        )
    if smart.error_log_count:
        out.append(
            Concern(
                "smart-error-log",
                SmartHealth.WATCH,
                f"{smart.error_log_count} errors in the drive's ATA error log",
                (Advice.SELF_TEST, Advice.WATCH),
            )
        )
    return out


# ── two readings ────────────────────────────────────────────────────────────

# Counters that only grow on a drive that is wearing out (or, for CRC, on a bad link).
WORSENING_COUNTERS: dict[str, str] = {
    "reallocated_sectors": "reallocated sectors",
    "pending_sectors": "sectors pending reallocation",
    "offline_uncorrectable": "offline-uncorrectable sectors",
    "reported_uncorrectable": "reported-uncorrectable errors",
    "command_timeouts": "command timeouts",
    "udma_crc_errors": "interface CRC errors",
    "nvme_media_errors": "NVMe media errors",
    "scsi_grown_defects": "grown defects",
    "scsi_uncorrected_errors": "uncorrected errors",
    "error_log_count": "ATA error log entries",
    "self_test_failures": "failed self-tests",
}


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    what: str
    before: int
    now: int


def worsened(before: SmartInfo | None, now: SmartInfo | None) -> tuple[Change, ...]:
    """Given two readings of the same drive, return the counters that grew (and a spare that
    shrank), in a fixed order. Nothing when either reading is missing."""
    if before is None or now is None or not before.available or not now.available:
        return ()
    out = []
    for field, what in WORSENING_COUNTERS.items():
        old, new = getattr(before, field), getattr(now, field)
        if old is not None and new is not None and new > old:
            out.append(Change(field, what, old, new))
    old_spare, new_spare = before.nvme_available_spare, now.nvme_available_spare
    if old_spare is not None and new_spare is not None and new_spare < old_spare:
        out.append(Change("nvme_available_spare", "NVMe available spare (%)", old_spare, new_spare))
    return tuple(out)


def only_the_link(changes: tuple[Change, ...]) -> bool:
    """True when the only counter that grew is the interface CRC count: the cable or bridge."""
    return bool(changes) and all(change.field == "udma_crc_errors" for change in changes)
