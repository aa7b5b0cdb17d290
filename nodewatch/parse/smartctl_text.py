"""Plain `smartctl` text (every version, and pastes without -j) to SmartInfo.

Reads what smartctl prints for ATA (`-a`/`-x`: the attribute table in both
layouts, the error log counts, the self-test log, SCT temperatures), NVMe (the
SMART/Health Information log) and SAS/SCSI (health status, temperatures, grown
defect list, error counter log), and its failures: an unknown USB bridge, a
bridge that fails IDENTIFY, a sleeping disk, a device that cannot be opened.

Pastes are messy: a prompt line before the output, runs of spaces collapsed by
a forum, numbers printed with the locale's digit grouping (`1,234`, `1.234`,
`1 234`). Pure and total: any text gives a SmartInfo, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from nodewatch.model import SmartAttribute, SmartInfo
from nodewatch.parse.smartctl import (
    ATTR_AIRFLOW_TEMPERATURE,
    ATTR_OFFLINE_UNCORRECTABLE,
    ATTR_PENDING,
    ATTR_POWER_ON_HOURS,
    ATTR_REALLOCATED,
    ATTR_REPORTED_UNCORRECTABLE,
    ATTR_TEMPERATURE,
    ATTR_UDMA_CRC,
    bridge_ids,
    command_timeouts,
    exit_flags,
    scsi_model,
)

# A number as smartctl prints it under any locale: 1234, 1,234, 1.234, 1 234, 1'234.
_GROUPED = re.compile(r"^[+]?(\d{1,3}(?:[,.'\u00a0\u202f ]\d{3})+|\d+)$")
_FIRST_INT = re.compile(r"\d+")
_BANNER = re.compile(r"^smartctl \d+\.\d+")
# A prompt line the poster kept: "# smartctl -a /dev/sda", "$ sudo smartctl …", "root@nas:~# smartctl …"
_PROMPT = re.compile(
    r"^\s*(?:[#$>]\s*|\S+@[^\s:]+:\S*?\s*[#$]?\s*)?(?:sudo\s+)?(?:\S*/)?smartctl(?:\.exe)?\s+([-/].*)$"
)
_DEVICE_ARG = re.compile(r"(/dev/\S+)")
_TYPE_ARG = re.compile(r"(?:-d|--device)[ =](\S+)")
_ATTRIBUTE_ROW = re.compile(
    r"^\s*(\d{1,3})\s+(\S+)\s+(0x[0-9a-fA-F]{4}|[-A-Z+]{2,7})\s+(\d{1,3})\s+(\d{1,3})\s+(\d{1,3}|-{3})\s+(.*)$"
)
_SELF_TEST_ROW = re.compile(r"^\s*#?\s*\d+\s+(.*)$")
_STATUS_WORDS = ("Completed", "Aborted", "Interrupted", "Fatal", "Self-test", "Failed")
_UNAVAILABLE_MESSAGES = (
    "Read Device Identity failed",
    "Smartctl open device",
    "A mandatory SMART command failed",
    "Unable to detect device type",
    "Please specify device type",
    "failed: Operation not permitted",
    "failed: Permission denied",
    "Device lacks SMART capability",
    "device lacks SMART capability",
)
_STANDBY = re.compile(r"Device is in (STANDBY|SLEEP|IDLE)[^,]* mode", re.IGNORECASE)


@dataclass
class _Read:
    """What has been read so far; turned into a SmartInfo at the end."""

    values: dict[str, str] = field(default_factory=dict)  # "Key" → value, info and health sections
    attributes: list[SmartAttribute] = field(default_factory=list)
    self_tests: list[str] = field(default_factory=list)  # statuses, newest first
    scsi_uncorrected: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    device: str | None = None
    device_type: str | None = None
    recognised: bool = False


def is_smartctl_output(text: str) -> bool:
    """True when the text is (a paste of) smartctl's plain output, as far as can be told."""
    return _read(text).recognised


def parse_smartctl_text(text: str, returncode: int | None = None) -> SmartInfo:
    """Given smartctl's plain text (and its exit status when known), return what it says.

    A paste may hold several runs (a failing `smartctl -a`, then the one with `-d sat` that
    worked): the last run that read SMART wins, else the last run."""
    results = [_parse_run(run, returncode) for run in split_runs(text)]
    readable = [result for result in results if result.available]
    return (readable or results)[-1]


def split_runs(text: str) -> list[str]:
    """Cut a paste into one text per smartctl run: a run starts at a prompt line, or at
    smartctl's banner, once the current run has output."""
    runs: list[list[str]] = []
    current: list[str] = []
    has_output = False
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = line.strip()
        prompt = bool(_PROMPT.match(stripped))
        if (prompt or _BANNER.match(stripped)) and has_output:
            runs.append(current)
            current, has_output = [], False
        current.append(line)
        has_output = has_output or bool(stripped and not prompt)
    runs.append(current)
    return ["\n".join(run) for run in runs if any(line.strip() for line in run)] or [text]


def _parse_run(text: str, returncode: int | None) -> SmartInfo:
    read = _read(text)
    flags = exit_flags(returncode) if returncode is not None else ()
    values = read.values
    bridge = next((ids for ids in map(bridge_ids, read.messages) if ids), None)
    standby = next((m for m in read.messages if _STANDBY.search(m)), None)
    base = SmartInfo(
        available=False, exit_flags=flags, device=read.device, device_type=read.device_type, source="text"
    )
    if standby:
        return replace(
            base,
            reason=f"not read: the disk is asleep and was left so ({standby})",
            in_standby=True,
        )
    identity = _identity(values)
    has_data = bool(read.attributes or _health(values) is not None or "Critical Warning" in values)
    failure = next((m for m in read.messages if any(word in m for word in _UNAVAILABLE_MESSAGES)), None)
    if bridge or (failure and not has_data) or not read.recognised:
        why = failure or (read.messages[0] if read.messages else None)
        if not read.recognised:
            why = "not smartctl output"
        if bridge:
            why = next(m for m in read.messages if bridge_ids(m))
        return replace(base, reason=why, bridge_ids=bridge)
    if not has_data:
        # `smartctl -i` (or a cut paste): who the drive is, nothing of its health. Never "all clear".
        return replace(
            base,
            reason="this output has no SMART data (only the identity, as `smartctl -i` prints);"
            " use smartctl -x",
            model=identity.get("model"),
            serial=identity.get("serial"),
            wwn=identity.get("wwn"),
            firmware=identity.get("firmware"),
            protocol=_protocol(read),
        )
    raw = {row.id: row.raw for row in read.attributes if row.raw is not None}
    table = tuple(read.attributes)
    temperature = (
        _number(values.get("Temperature"))  # NVMe
        or _positive(_number(values.get("Current Drive Temperature")))  # SCSI; 0 = no sensor
        or _number(values.get("Current temperature"))  # SCSI -x
        or _number(values.get("Current Temperature"))  # ATA SCT status
        or raw.get(ATTR_TEMPERATURE)
        or raw.get(ATTR_AIRFLOW_TEMPERATURE)
    )
    recommended = _pair(values.get("Min/Max recommended Temperature"))
    limit = _pair(values.get("Min/Max Temperature Limit"))
    passed, failed_tests = _self_test_verdict(read.self_tests)
    return replace(
        base,
        available=True,
        passed=_health(values),
        model=identity.get("model"),
        serial=identity.get("serial"),
        wwn=identity.get("wwn"),
        firmware=identity.get("firmware"),
        protocol=_protocol(read),
        temperature_celsius=temperature,
        power_on_hours=_number(values.get("Power On Hours"))
        or raw.get(ATTR_POWER_ON_HOURS)
        or _hours(values.get("Accumulated power on time, hours:minutes")),
        reallocated_sectors=raw.get(ATTR_REALLOCATED),
        pending_sectors=raw.get(ATTR_PENDING),
        offline_uncorrectable=raw.get(ATTR_OFFLINE_UNCORRECTABLE),
        udma_crc_errors=raw.get(ATTR_UDMA_CRC),
        reported_uncorrectable=raw.get(ATTR_REPORTED_UNCORRECTABLE),
        command_timeouts=command_timeouts(table),
        attributes=table,
        last_self_test=read.self_tests[0] if read.self_tests else None,
        self_test_failures=failed_tests if read.self_tests else None,
        last_self_test_passed=passed,
        nvme_critical_warning=_hex(values.get("Critical Warning")),
        nvme_percentage_used=_number(values.get("Percentage Used")),
        nvme_media_errors=_number(values.get("Media and Data Integrity Errors")),
        nvme_available_spare=_number(values.get("Available Spare")),
        nvme_available_spare_threshold=_number(values.get("Available Spare Threshold")),
        nvme_error_log_entries=_number(values.get("Error Information Log Entries")),
        temperature_limit_celsius=(recommended[1] if recommended else None)
        or _number(values.get("Warning Comp. Temp. Threshold"))
        or _positive(_number(values.get("Drive Trip Temperature"))),
        temperature_critical_celsius=(limit[1] if limit else None)
        or _number(values.get("Critical Comp. Temp. Threshold")),
        scsi_grown_defects=_number(values.get("Elements in grown defect list")),
        scsi_uncorrected_errors=sum(read.scsi_uncorrected) if read.scsi_uncorrected else None,
        error_log_count=_error_count(values),
    )


# ── reading the lines ───────────────────────────────────────────────────────


def _read(text: str) -> _Read:
    read = _Read()
    section = previous = ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for line in lines:
        stripped = line.strip()
        if not stripped:
            if section in ("self-test", "errors"):
                section = ""
            continue
        before, previous = previous, stripped
        if stripped == "No Errors Logged" and before.startswith(_ATA_ERROR_LOGS):
            read.values.setdefault("ATA Error Count", "0")  # -a and -x print no count when it is empty
            continue
        prompt = _PROMPT.match(stripped)
        if prompt:
            read.device = read.device or _first(_DEVICE_ARG, prompt[1])
            read.device_type = read.device_type or _first(_TYPE_ARG, prompt[1])
            continue
        if _BANNER.match(stripped) or stripped.startswith("=== START OF"):
            read.recognised = True
            continue
        head = _message(stripped, read)
        if head:
            continue
        if stripped.startswith("ID#"):
            section, read.recognised = "attributes", True
            continue
        if stripped.startswith(("Num ", "Num\t")) and ("Test" in stripped or "Status" in stripped):
            section = "self-test"
            continue
        if stripped.startswith("Error counter log"):
            section = "errors"
            continue
        if section == "attributes":
            row = _attribute(stripped)
            if row:
                read.attributes.append(row)
                continue
            section = ""
        if section == "self-test":
            status = _self_test_status(stripped)
            if status:
                read.self_tests.append(status)
            continue
        if section == "errors" and re.match(r"^(read|write|verify):", stripped):
            last = stripped.split()[-1]
            count = _number(last)
            if count is not None:
                read.scsi_uncorrected.append(count)
            continue
        if " = " in stripped and ":" not in stripped:  # SCSI -x: "Current temperature = 25"
            key, _, value = stripped.partition(" = ")
            read.values.setdefault(" ".join(key.split()), value.strip())
            continue
        if ":" in stripped:
            key, _, value = stripped.partition(":")
            key = " ".join(key.split())
            if key and key not in read.values and len(key) < 60:
                read.values[key] = value.strip()
                if key in _KNOWN_KEYS:
                    read.recognised = True
        elif stripped.startswith("Accumulated power on time, hours:minutes"):
            read.values["Accumulated power on time, hours:minutes"] = stripped.rsplit(" ", 1)[-1]
    return read


_KNOWN_KEYS = frozenset(
    {
        "Device Model",
        "Model Number",
        "Serial Number",
        "Serial number",
        "SMART overall-health self-assessment test result",
        "SMART Health Status",
        "Critical Warning",
        "Elements in grown defect list",
        "Transport protocol",
    }
)


def _message(stripped: str, read: _Read) -> bool:
    """Lines that say why smartctl stopped: kept as messages (device prefix included)."""
    if (
        bridge_ids(stripped)
        or _STANDBY.search(stripped)
        or any(word in stripped for word in _UNAVAILABLE_MESSAGES)
    ):
        read.messages.append(stripped)
        read.recognised = True
        return True
    return False


def _attribute(line: str) -> SmartAttribute | None:
    match = _ATTRIBUTE_ROW.match(line)
    if not match:
        return None
    ident, name, flags, value, worst, thresh, rest = match.groups()
    words = rest.split()
    if flags.startswith("0x"):  # -a layout: TYPE UPDATED WHEN_FAILED RAW_VALUE…
        if len(words) < 4:
            return None
        prefailure = words[0] == "Pre-fail"
        when, raw_words = words[2], words[3:]
    else:  # -x layout: FLAGS like POSR-K, then FAIL RAW_VALUE…
        if len(words) < 2:
            return None
        prefailure = flags.startswith("P")
        when, raw_words = words[0], words[1:]
    raw_string = " ".join(raw_words)
    first = _FIRST_INT.search(raw_string)
    return SmartAttribute(
        id=int(ident),
        name=name,
        value=int(value),
        worst=int(worst),
        threshold=None if thresh.startswith("-") else int(thresh),
        raw=int(first[0]) if first and raw_string[: first.start()].strip() == "" else None,
        raw_string=raw_string,
        prefailure=prefailure,
        when_failed={"failing_now": "now", "now": "now", "in_the_past": "past", "past": "past"}.get(
            when.lower(), ""
        ),
    )


def _self_test_status(line: str) -> str | None:
    """'# 1  Short offline  Completed: read failure  90%  1234  5678' → 'Short offline: Completed: read
    failure (at 1234 h)'. Works on collapsed whitespace: the status starts at a known word."""
    match = _SELF_TEST_ROW.match(line)
    if not match:
        return None
    words = match[1].split()
    start = next((i for i, word in enumerate(words) if i > 0 and word.startswith(_STATUS_WORDS)), None)
    if start is None:
        return None
    end = next((i for i in range(start, len(words)) if re.fullmatch(r"\d+%|-|\d+", words[i])), len(words))
    kind = " ".join(words[:start])
    status = " ".join(words[start:end])
    hours = next((w for w in words[end + 1 : end + 2] if w.isdigit()), None)
    if words[end : end + 1] and words[end].isdigit() and not words[end].endswith("%"):
        hours = words[end]
    return f"{kind}: {status}" + (f" (at {hours} h)" if hours else "")


def _self_test_verdict(statuses: list[str]) -> tuple[bool | None, int]:
    failed = sum(1 for status in statuses if _failed(status))
    for status in statuses:
        if "Completed without error" in status or status.endswith(": Completed") or ": Completed (" in status:
            return True, failed
        if _failed(status):
            return False, failed
        if "in progress" in status.lower():
            continue
        return None, failed  # aborted or interrupted: look no further
    return None, failed


def _failed(status: str) -> bool:
    lowered = status.lower()  # SCSI "Unknown error, incomplete" counts, as smartmontools counts it
    return any(word in lowered for word in ("failure", "fatal", "failed", "unknown error"))


# ── values ─────────────────────────────────────────────────────────────────


def _identity(values: dict[str, str]) -> dict[str, str]:
    out = {}
    model = values.get("Device Model") or values.get("Model Number")
    if not model and values.get("Product"):
        model = scsi_model(values.get("Vendor"), values.get("Product"))
    if model:
        out["model"] = model
    serial = values.get("Serial Number") or values.get("Serial number")
    if serial:
        out["serial"] = serial
    wwn = _wwn(values.get("LU WWN Device Id") or values.get("Logical Unit id"))
    if wwn:
        out["wwn"] = wwn
    firmware = values.get("Firmware Version") or values.get("Revision")
    if firmware:
        out["firmware"] = firmware
    return out


def _wwn(value: str | None) -> str | None:
    """'5 000c50 0a4847915' (ATA) or '0x5000cca253066624' (SCSI) → '0x5000c500a4847915'."""
    if not value:
        return None
    compact = value.replace(" ", "").lower()
    compact = compact[2:] if compact.startswith("0x") else compact
    if not re.fullmatch(r"[0-9a-f]{16}", compact) or set(compact) == {"0"}:
        return None
    return f"0x{compact}"


def _health(values: dict[str, str]) -> bool | None:
    ata = values.get("SMART overall-health self-assessment test result")
    if ata:
        return ata.upper().startswith("PASSED")
    scsi = values.get("SMART Health Status")
    if scsi:
        return scsi.upper().startswith("OK")
    return None


def _protocol(read: _Read) -> str | None:
    values = read.values
    if "Critical Warning" in values or "Model Number" in values:
        return "NVMe"
    if "Transport protocol" in values or "SMART Health Status" in values or "Product" in values:
        return "SCSI"
    if read.attributes or "Device Model" in values:
        return "ATA"
    return None


# The ATA error log headers (-a, -x); NVMe's "Error Information (NVMe Log 0x01 …)" is another count.
_ATA_ERROR_LOGS = ("SMART Error Log Version", "SMART Extended Comprehensive Error Log Version")


def _error_count(values: dict[str, str]) -> int | None:
    for key in ("Device Error Count", "ATA Error Count"):
        if key in values:
            return _number(values[key].split()[0] if values[key] else None)
    return None


def _number(value: str | None) -> int | None:
    """'1,234', '1.234', '1 234', '100%', '29 Celsius', '32 C' → the integer; else None."""
    if not value:
        return None
    head = value.strip().split("[")[0].strip()
    head = re.sub(r"\s*(%|Celsius|C)$", "", head)
    match = _GROUPED.match(head)
    if not match:
        return None
    return int(re.sub(r"\D", "", match[1]))


def _positive(value: int | None) -> int | None:
    return value if value else None


def _hex(value: str | None) -> int | None:
    if not value:
        return None
    match = re.match(r"^0x([0-9a-fA-F]+)", value.strip())
    return int(match[1], 16) if match else _number(value)


def _pair(value: str | None) -> tuple[int, int] | None:
    """'0/60 Celsius' → (0, 60); '-41/85 Celsius' → (-41, 85)."""
    match = re.match(r"^\s*(-?\d+)/(-?\d+)", value or "")
    return (int(match[1]), int(match[2])) if match else None


def _hours(value: str | None) -> int | None:
    match = re.match(r"^\s*(\d+):\d+", value or "")
    return int(match[1]) if match else None


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match[1] if match else None
