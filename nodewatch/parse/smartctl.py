"""`smartctl -j` output and exit status to SmartInfo.

The exit status is a bitmask (smartctl(8), "RETURN VALUES",
https://www.smartmontools.org/browser/trunk/smartmontools/smartctl.8.in):
each bit is decoded to a named flag here, in one table. JSON has been
smartctl's own since 7.0; the plain text of every version (and of pastes
without -j) is read by parse/smartctl_text.py. `parse_smartctl` takes either.
"""

from __future__ import annotations

import json
import re
from typing import Any

from nodewatch.model import SmartAttribute, SmartInfo
from nodewatch.parse.json_document import load_json

# bit → (flag name, what smartctl(8) says it means)
EXIT_BITS: dict[int, tuple[str, str]] = {
    0: ("command_line_error", "the command line did not parse"),
    1: (
        "device_open_failed",
        "the device could not be opened, did not identify itself, or is in a low-power mode (-n)",
    ),
    2: ("smart_command_failed", "a SMART or other command to the disk failed, or a checksum was wrong"),
    3: ("disk_failing", "SMART status check returned DISK FAILING"),
    4: ("prefail_attributes_at_threshold", "prefail attributes are at or below their threshold"),
    5: ("attributes_were_at_threshold", "some attributes were at or below their threshold in the past"),
    6: ("error_log_has_errors", "the device error log has records of errors"),
    7: ("self_test_log_has_errors", "the self-test log has records of errors"),
}
# ATA attribute ids (the raw values are what matters; see Backblaze's SMART stats).
ATTR_REALLOCATED = 5
ATTR_POWER_ON_HOURS = 9
ATTR_REPORTED_UNCORRECTABLE = 187
ATTR_COMMAND_TIMEOUT = 188
ATTR_AIRFLOW_TEMPERATURE = 190
ATTR_TEMPERATURE = 194
ATTR_PENDING = 197
ATTR_OFFLINE_UNCORRECTABLE = 198
ATTR_UDMA_CRC = 199
# "Device is in STANDBY mode, exit(2)", "… in STANDBY (OS) mode", "… in SLEEP mode" (ataprint.cpp)
_LOW_POWER = re.compile(r"Device is in (STANDBY|SLEEP|IDLE)[^,]* mode", re.IGNORECASE)
_LEADING_INT = re.compile(r"^\s*(\d+)")
NVME_SELF_TEST_FAILED = frozenset({5, 6, 7})
# SCSI self-test results (scsi_self_test_N.result.value): 3 unknown error, 4 a segment failed, 5–7 failed
# in a segment, as smartmontools counts failures (scsicmds.cpp scsiCountFailedSelfTests); 0 completed,
# 1–2 aborted, 15 in progress.
SCSI_SELF_TEST_FAILED = frozenset(range(3, 8))
SCSI_SELF_TEST_IN_PROGRESS = 15
# "/dev/sdb: Unknown USB bridge [0x152d:0x0578 (0x214)]" (scsiata.cpp)
_UNKNOWN_BRIDGE = re.compile(r"Unknown USB bridge \[0x([0-9a-fA-F]{4}):0x([0-9a-fA-F]{4})")


def parse_smartctl(text: str, returncode: int | None = None) -> SmartInfo:
    """Given any smartctl output (JSON from -j, or plain text) and its exit status when known,
    return what it says. Never raises. Without an exit status, JSON's own is used."""
    if text.lstrip().startswith("{"):
        if returncode is None:
            try:
                status = _dig(load_json(text), "smartctl", "exit_status")
            except json.JSONDecodeError:
                status = None
            returncode = status if isinstance(status, int) and not isinstance(status, bool) else 0
        return parse_smartctl_json(text, returncode)
    from nodewatch.parse.smartctl_text import parse_smartctl_text

    result: SmartInfo = parse_smartctl_text(text, returncode)
    return result


def bridge_ids(message: str) -> str | None:
    """Given a smartctl message, return the vendor:product of an unknown USB bridge it names."""
    match = _UNKNOWN_BRIDGE.search(message)
    return f"{match[1].lower()}:{match[2].lower()}" if match else None


def exit_flags(returncode: int) -> tuple[str, ...]:
    """Given smartctl's exit status, return the names of the bits that are set, lowest first."""
    return tuple(
        name for bit, (name, _meaning) in EXIT_BITS.items() if returncode >= 0 and returncode & (1 << bit)
    )


def parse_smartctl_json(text: str, returncode: int) -> SmartInfo:
    """Given the stdout of `smartctl -x -j …` and its exit status, return what it says.

    Never raises: output that is not smartctl JSON gives SmartInfo(available=False)
    with the reason.
    """
    flags = exit_flags(returncode)
    try:
        data = load_json(text)
    except json.JSONDecodeError:
        first = next((line.strip() for line in text.splitlines() if line.strip()), "no output")
        return SmartInfo(
            available=False,
            reason=f"smartctl gave no JSON (exit {returncode}): {first[:120]}",
            exit_flags=flags,
        )
    if not isinstance(data, dict):
        return SmartInfo(available=False, reason="smartctl JSON is not an object", exit_flags=flags)
    messages = [
        str(m.get("string", "")) for m in _list(_dig(data, "smartctl", "messages")) if isinstance(m, dict)
    ]
    device = _object(data.get("device"))
    device_type = device.get("type") if isinstance(device.get("type"), str) else None
    device_name = _text(device.get("name")) or _argv_device(data)
    bridge = next((ids for ids in map(bridge_ids, messages) if ids), None)
    low_power = next((m for m in messages if _LOW_POWER.search(m)), None)
    if low_power or ("device_open_failed" in flags and "power_mode" in data and not data.get("model_name")):
        return SmartInfo(
            available=False,
            reason=f"not read: the disk is asleep and was left so ({low_power or 'low-power mode'})",
            device_type=device_type,
            in_standby=True,
            exit_flags=flags,
            device=device_name,
        )
    has_identity = any(key in data for key in ("model_name", "serial_number", "scsi_model_name"))
    if "command_line_error" in flags or ("device_open_failed" in flags and not has_identity):
        why = "; ".join(messages) or EXIT_BITS[1 if "device_open_failed" in flags else 0][1]
        if not messages and device_type == "sat":
            # what QEMU's and many cheap bridges do: the SAT pass-through gets no answer
            why = "no ATA identity through -d sat: the USB bridge does not pass SMART commands through"
        return SmartInfo(
            available=False,
            reason=why,
            device_type=device_type,
            exit_flags=flags,
            device=device_name,
            bridge_ids=bridge,
        )
    health = _object(data.get("smart_status"))
    passed = health.get("passed") if isinstance(health.get("passed"), bool) else None
    table = _ata_attributes(data)
    attributes = {row.id: row.raw for row in table if row.raw is not None}
    nvme = _object(data.get("nvme_smart_health_information_log"))
    temperature = _object(data.get("temperature"))
    nvme_limits = _object(data.get("nvme_composite_temperature_threshold"))
    tests = _self_tests(data)
    reason = None
    if "smart_command_failed" in flags:
        reason = "some SMART commands failed; what could be read is shown"
    return SmartInfo(
        available=True,
        reason=reason,
        device_type=device_type,
        passed=passed,
        exit_flags=flags,
        model=scsi_model(_text(data.get("scsi_vendor")), _text(data.get("scsi_product")))
        or _text(data.get("model_name") or data.get("scsi_model_name")),
        serial=_text(data.get("serial_number")),
        wwn=_wwn(data.get("wwn")) or _logical_unit_id(data.get("logical_unit_id")),
        firmware=_text(data.get("firmware_version")) or _text(data.get("scsi_revision")),
        temperature_celsius=_int(_dig(data, "temperature", "current"))
        or _int(nvme.get("temperature"))
        or attributes.get(ATTR_TEMPERATURE)
        or attributes.get(ATTR_AIRFLOW_TEMPERATURE),
        power_on_hours=_int(_dig(data, "power_on_time", "hours"))
        or attributes.get(ATTR_POWER_ON_HOURS)
        or _int(nvme.get("power_on_hours")),
        reallocated_sectors=attributes.get(ATTR_REALLOCATED),
        pending_sectors=attributes.get(ATTR_PENDING),
        offline_uncorrectable=attributes.get(ATTR_OFFLINE_UNCORRECTABLE),
        udma_crc_errors=attributes.get(ATTR_UDMA_CRC),
        last_self_test=_last_self_test(data),
        nvme_critical_warning=_int(nvme.get("critical_warning")),
        nvme_percentage_used=_int(nvme.get("percentage_used")),
        nvme_media_errors=_int(nvme.get("media_errors")),
        protocol=_text(device.get("protocol")),
        source="json",
        device=device_name,
        reported_uncorrectable=attributes.get(ATTR_REPORTED_UNCORRECTABLE),
        command_timeouts=command_timeouts(table),
        attributes=table,
        temperature_limit_celsius=_int(temperature.get("op_limit_max"))
        or _int(nvme_limits.get("warning"))
        or _int(temperature.get("drive_trip")),
        temperature_critical_celsius=_int(temperature.get("critical_limit_max"))
        or _int(nvme_limits.get("critical"))
        or _int(temperature.get("limit_max")),
        nvme_available_spare=_int(nvme.get("available_spare")),
        nvme_available_spare_threshold=_int(nvme.get("available_spare_threshold")),
        nvme_error_log_entries=_int(nvme.get("num_err_log_entries")),
        scsi_grown_defects=_int(data.get("scsi_grown_defect_list")),
        scsi_uncorrected_errors=_scsi_uncorrected(data),
        error_log_count=_error_log_count(data),
        self_test_failures=tests[0],
        last_self_test_passed=tests[1],
    )


def _ata_attributes(data: dict[str, Any]) -> tuple[SmartAttribute, ...]:
    """The attribute table. Raw values of temperatures and hours pack several fields into
    one integer (`33 (Min/Max 24/36)`), so the printed string's first number is the raw."""
    out: list[SmartAttribute] = []
    for row in _list(_dig(data, "ata_smart_attributes", "table")):
        if not isinstance(row, dict) or not isinstance(row.get("id"), int):
            continue
        raw = _object(row.get("raw"))
        printed = str(raw.get("string", ""))
        match = _LEADING_INT.match(printed)
        flags = _object(row.get("flags"))
        out.append(
            SmartAttribute(
                id=row["id"],
                name=_text(row.get("name")) or f"Attribute_{row['id']}",
                value=_int(row.get("value")),
                worst=_int(row.get("worst")),
                threshold=_int(row.get("thresh")),
                raw=int(match[1]) if match else _int(raw.get("value")),
                raw_string=printed.strip(),
                prefailure=flags.get("prefailure") is True,
                when_failed=_when_failed(row.get("when_failed")),
            )
        )
    return tuple(out)


def command_timeouts(table: tuple[SmartAttribute, ...]) -> int | None:
    """Attribute 188. Seagate prints three counters (`0 0 5`, timeouts over 5 s, 7.5 s and
    in total); the total is the last when they rise, as Scrutiny reads them (scrutiny#522)."""
    row = next((row for row in table if row.id == ATTR_COMMAND_TIMEOUT), None)
    if row is None:
        return None
    pieces = row.raw_string.split()
    if len(pieces) == 3 and all(piece.isdigit() for piece in pieces):
        low, mid, high = (int(piece) for piece in pieces)
        if low <= mid <= high:
            return high
    return row.raw


def _when_failed(value: Any) -> str:
    """smartctl JSON says "now", "past" or ""; its text says FAILING_NOW, In_the_past, -."""
    text = str(value or "").strip().lower()
    if text in ("now", "failing_now"):
        return "now"
    if text in ("past", "in_the_past"):
        return "past"
    return ""


def _scsi_uncorrected(data: dict[str, Any]) -> int | None:
    log = _object(data.get("scsi_error_counter_log"))
    values = [_int(_dig(log, kind, "total_uncorrected_errors")) for kind in ("read", "write", "verify")]
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def _error_log_count(data: dict[str, Any]) -> int | None:
    log = _object(data.get("ata_smart_error_log"))
    counts = [_int(_dig(log, section, "count")) for section in ("extended", "summary")]
    known = [count for count in counts if count is not None]
    return max(known) if known else None


def _self_tests(data: dict[str, Any]) -> tuple[int | None, bool | None]:
    """(failed entries in the self-test log, whether the newest finished test passed)."""
    log = _object(data.get("ata_smart_self_test_log"))
    for section in ("extended", "standard"):
        part = _object(log.get(section))
        table = [row for row in _list(part.get("table")) if isinstance(row, dict)]
        if not part:
            continue
        failed = _int(part.get("error_count_total"))
        if failed is None:
            failed = sum(1 for row in table if _dig(row, "status", "passed") is False)
        newest = next((row for row in table if isinstance(_dig(row, "status", "passed"), bool)), None)
        return failed, (_dig(newest, "status", "passed") if newest else None)
    nvme_table = [row for row in _list(_dig(data, "nvme_self_test_log", "table")) if isinstance(row, dict)]
    if nvme_table:
        results = [_int(_dig(row, "self_test_result", "value")) for row in nvme_table]
        # NVMe 1.4 Figure 209: 0 completed without error; 5 fatal error, 6 failed segment unknown,
        # 7 one or more segments failed; the others are aborts or unused entries (0xF).
        failed = sum(1 for value in results if value in NVME_SELF_TEST_FAILED)
        first = results[0]
        return failed, (True if first == 0 else False if first in NVME_SELF_TEST_FAILED else None)
    scsi = [_int(_dig(row, "result", "value")) for row in _scsi_self_tests(data)]
    if scsi:
        failed = sum(1 for value in scsi if value in SCSI_SELF_TEST_FAILED)
        last = next((value for value in scsi if value != SCSI_SELF_TEST_IN_PROGRESS), None)
        return failed, (True if last == 0 else False if last in SCSI_SELF_TEST_FAILED else None)
    return None, None


def _scsi_self_tests(data: dict[str, Any]) -> list[dict[str, Any]]:
    """smartctl's SCSI self-test log in JSON: scsi_self_test_0, _1, … (newest first)."""
    rows: list[dict[str, Any]] = []
    while isinstance(entry := data.get(f"scsi_self_test_{len(rows)}"), dict):
        rows.append(entry)
    return rows


def _last_self_test(data: dict[str, Any]) -> str | None:
    log = data.get("ata_smart_self_test_log")
    if isinstance(log, dict):
        for section in ("extended", "standard"):
            table = _list(_dig(log, section, "table"))
            if table and isinstance(table[0], dict):
                entry = table[0]  # smartctl lists the newest first
                kind = _dig(entry, "type", "string") or "self-test"
                status = _dig(entry, "status", "string") or "?"
                hours = entry.get("lifetime_hours")
                text = f"{kind}: {status}" + (f" (at {hours} h)" if isinstance(hours, int) else "")
                failed = _int(_dig(log, section, "error_count_total"))
                return text + (f"; {failed} failed in the log" if failed else "")
    nvme_log = _dig(data, "nvme_self_test_log", "table")
    if _list(nvme_log) and isinstance(_list(nvme_log)[0], dict):
        entry = _list(nvme_log)[0]
        kind = _dig(entry, "self_test_code", "string") or "self-test"
        return f"{kind}: {_dig(entry, 'self_test_result', 'string') or '?'}"
    scsi = _scsi_self_tests(data)
    if scsi:
        entry = scsi[0]
        kind = _dig(entry, "code", "string") or "self-test"
        hours = _int(_dig(entry, "power_on_time", "hours"))
        text = f"{kind}: {_dig(entry, 'result', 'string') or '?'}"
        return text + (f" (at {hours} h)" if hours is not None else "")
    return None


def _argv_device(data: dict[str, Any]) -> str | None:
    argv = [arg for arg in _list(_dig(data, "smartctl", "argv")) if isinstance(arg, str)]
    return next((arg for arg in reversed(argv) if arg.startswith("/dev/")), None)


def _wwn(value: Any) -> str | None:
    """{"naa": 5, "oui": 5358, "id": 10266587019} → "0x50014ee263e8fb8b" (udev's spelling)."""
    if not isinstance(value, dict):
        return None
    naa, oui, ident = (_int(value.get(key)) for key in ("naa", "oui", "id"))
    if naa is None or oui is None or ident is None:
        return None
    return f"0x{naa:x}{oui:06x}{ident:09x}"


def _logical_unit_id(value: Any) -> str | None:
    """A SCSI drive's NAA identifier, "0x5000c500adec6ea3" (what the text output calls "Logical Unit id")."""
    if not isinstance(value, str) or not re.fullmatch(r"0x[0-9a-fA-F]{16}", value.strip()):
        return None
    return None if set(value.strip()[2:]) == {"0"} else value.strip().lower()


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def scsi_model(vendor: str | None, product: str | None) -> str | None:
    """A SCSI/SAS drive's model from its INQUIRY vendor and product: fixed-width fields (8 and 16
    bytes) padded with spaces, which smartctl prints as they are ("MG08ACP1", "6TE           SM")
    and glues into model_name. Joined by one space, each run of blanks one space: what people and
    the by-model match read."""
    words = " ".join(x for x in (vendor, product) if x).split()
    return " ".join(words) or None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
