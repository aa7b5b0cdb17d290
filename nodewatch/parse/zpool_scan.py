"""The `scan:` block of `zpool status` text, every form from Solaris to OpenZFS 2.3.

Forms handled (print_scan_scrub_resilver_status and its ancestors):

    none requested
    scrub repaired 0B in 00:00:01 with 0 errors on Sun Nov 22 10:40:00 2026
    resilvered 224K in 00:00:00 with 0 errors on …        (also `resilvered (draid…) …`)
    scrub canceled on …   /   resilver canceled on …
    scrub paused since …  + `scrub started on …` + progress
    scrub|resilver in progress since …  + progress, in three generations:
      0.6–0.7:  1.2G scanned out of 2G at 10M/s, 0h1m to go / (scan is slow, no estimated time)
                0 repaired, 60.00% done
      0.8–2.1:  6.18T scanned at 644M/s, 4.26T issued at 444M/s, 6.42T total
                123G resilvered, 66.46% done, 0 days 01:24:38 to go
      2.2+:     68.8T / 104T scanned at 2.81G/s, 48.3T / 104T issued at 1.97G/s
                2.80T resilvered, 46.64% done, 07:58:49 to go | no estimated completion time
    old Solaris ` scrub:` header: none requested / scrub completed after 0h0m with 0 errors on … /
      resilver completed after … / scrub stopped after … / scrub in progress for 0h1m, 12.34% done, 0h5m to go
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from nodewatch.model import Scan, ScanFunction, ScanState
from nodewatch.parse.zpool_numbers import parse_duration, parse_size, parse_time

_SIZE = r"\d+(?:[.,]\d+)?[KMGTPEZ]?B?"
_DURATION = r"\d+h\d+m(?:\d+s)?|(?:\d+ days? )?\d+:\d\d:\d\d"
_ON = r"(?: on (?P<on>.+))?"

_FINISHED = re.compile(
    rf"^(?:thorough )?(?P<what>scrub repaired|resilvered)(?: \((?P<vdev>[^)]+)\))? (?P<amount>{_SIZE}) "
    rf"in (?P<duration>{_DURATION}) with (?P<errors>\d+) errors?{_ON}$"
)
_OLD_FINISHED = re.compile(
    rf"^(?P<what>scrub|resilver) (?P<verb>completed|stopped) after (?P<duration>{_DURATION})"
    rf"(?: with (?P<errors>\d+) errors?)?{_ON}$"
)
_CANCELED = re.compile(
    r"^(?:thorough )?(?P<what>scrub|resilver)(?: \((?P<vdev>[^)]+)\))? canceled on (?P<on>.+)$"
)
_IN_PROGRESS = re.compile(
    r"^(?:thorough )?(?P<what>scrub|resilver)(?: \((?P<vdev>[^)]+)\))? in progress since (?P<since>.+)$"
)
_OLD_IN_PROGRESS = re.compile(
    rf"^(?P<what>scrub|resilver) in progress for (?P<elapsed>{_DURATION}), (?P<percent>[\d.,]+)% done"
    rf"(?:, (?P<eta>{_DURATION}) to go)?$"
)
_PAUSED = re.compile(r"^(?:thorough )?scrub paused since (?P<since>.+)$")
_STARTED_ON = re.compile(r"^(?:thorough )?scrub started on (?P<on>.+)$")

_SCANNED = re.compile(
    rf"(?P<scanned>{_SIZE})(?: / (?P<total>{_SIZE}))? scanned(?: out of (?P<out_of>{_SIZE}))?"
    rf"(?: at (?P<rate>{_SIZE})/s)?"
)
_ISSUED = re.compile(
    rf"(?P<issued>{_SIZE})(?: / (?P<total>{_SIZE}))? issued(?: at)?(?: (?P<rate>{_SIZE})/s)?"
)
_TOTAL = re.compile(rf"(?P<total>{_SIZE}) total")
_REPAIRED = re.compile(rf"(?P<amount>{_SIZE}) (?:repaired|resilvered),")
_PERCENT = re.compile(r"(?P<percent>\d+(?:[.,]\d+)?)% done")
_ETA = re.compile(rf"(?P<eta>{_DURATION}) to go")

_FUNCTIONS = {"scrub": ScanFunction.SCRUB, "resilver": ScanFunction.RESILVER}


def parse_scan(lines: Sequence[str]) -> Scan | None:
    """Given the lines of one `scan:` (or old `scrub:`) block, the first without
    its label, return the Scan; None if the first line is no known form."""
    first = lines[0].strip() if lines else ""
    rest = [line.strip() for line in lines[1:]]
    text = "\n".join(line.strip() for line in lines)
    if first == "none requested":
        return Scan(text=text)
    for parse in (_finished, _canceled, _in_progress, _paused, _old_in_progress):
        scan = parse(first, rest)
        if scan is not None:
            return _with_text(scan, text)
    return None


def _with_text(scan: Scan, text: str) -> Scan:
    return replace(scan, text=text)


def _finished(first: str, _rest: list[str]) -> Scan | None:
    match = _FINISHED.match(first)
    if match:
        function = ScanFunction.SCRUB if match["what"] == "scrub repaired" else ScanFunction.RESILVER
        if match["vdev"]:
            function = ScanFunction.REBUILD
        return Scan(
            function=function,
            state=ScanState.FINISHED,
            end_time=parse_time(match["on"] or ""),
            repaired_bytes=parse_size(match["amount"]),
            errors=int(match["errors"]),
            duration_seconds=parse_duration(match["duration"]),
        )
    match = _OLD_FINISHED.match(first)
    if match:
        return Scan(
            function=_FUNCTIONS[match["what"]],
            state=ScanState.FINISHED if match["verb"] == "completed" else ScanState.CANCELED,
            end_time=parse_time(match["on"] or ""),
            errors=int(match["errors"]) if match["errors"] else None,
            duration_seconds=parse_duration(match["duration"]),
        )
    return None


def _canceled(first: str, _rest: list[str]) -> Scan | None:
    match = _CANCELED.match(first)
    if not match:
        return None
    function = ScanFunction.REBUILD if match["vdev"] else _FUNCTIONS[match["what"]]
    return Scan(function=function, state=ScanState.CANCELED, end_time=parse_time(match["on"]))


def _in_progress(first: str, rest: list[str]) -> Scan | None:
    match = _IN_PROGRESS.match(first)
    if not match:
        return None
    function = ScanFunction.REBUILD if match["vdev"] else _FUNCTIONS[match["what"]]
    start = parse_time(match["since"])
    return _progress(Scan(function=function, state=ScanState.IN_PROGRESS, start_time=start), rest)


def _paused(first: str, rest: list[str]) -> Scan | None:
    match = _PAUSED.match(first)
    if not match:
        return None
    start = None
    progress = rest
    if rest:
        started = _STARTED_ON.match(rest[0])
        if started:
            start = parse_time(started["on"])
            progress = rest[1:]
    return _progress(Scan(function=ScanFunction.SCRUB, state=ScanState.PAUSED, start_time=start), progress)


def _old_in_progress(first: str, _rest: list[str]) -> Scan | None:
    match = _OLD_IN_PROGRESS.match(first)
    if not match:
        return None
    return Scan(
        function=_FUNCTIONS[match["what"]],
        state=ScanState.IN_PROGRESS,
        percent_done=float(match["percent"].replace(",", ".")),
        eta_seconds=parse_duration(match["eta"]) if match["eta"] else None,
        duration_seconds=parse_duration(match["elapsed"]),
    )


def _progress(scan: Scan, lines: list[str]) -> Scan:
    rest = " ".join(lines)
    values: dict[str, object] = {}
    scanned = _SCANNED.search(rest)
    scan_rate = None
    if scanned:
        values["scanned_bytes"] = parse_size(scanned["scanned"])
        total = scanned["total"] or scanned["out_of"]
        if total:
            values["total_bytes"] = parse_size(total)
        scan_rate = parse_size(scanned["rate"]) if scanned["rate"] else None
    issued = _ISSUED.search(rest)
    issue_rate = None
    if issued:
        values["issued_bytes"] = parse_size(issued["issued"])
        issue_rate = parse_size(issued["rate"]) if issued["rate"] else None
    total_match = _TOTAL.search(rest)
    if total_match and "total_bytes" not in values:
        values["total_bytes"] = parse_size(total_match["total"])
    rate = issue_rate if issue_rate is not None else scan_rate
    if rate is not None:
        values["rate_bytes_per_second"] = rate
    repaired = _REPAIRED.search(rest)
    if repaired:
        values["repaired_bytes"] = parse_size(repaired["amount"])
    percent = _PERCENT.search(rest)
    if percent:
        values["percent_done"] = float(percent["percent"].replace(",", "."))
    eta = _ETA.search(rest)
    if eta:
        values["eta_seconds"] = parse_duration(eta["eta"])
    return replace(scan, **values)  # type: ignore[arg-type]
