"""`zpool status -j [--json-int] [--json-flat-vdevs]` (OpenZFS ≥ 2.3) → PoolStatus.

Gives the same model as the text parser for the same pools (see zpool_names
for the naming convention), so it maps what JSON says the way the text
prints it: vdev state `CANT_OPEN` becomes `UNAVAIL` (zpool_state_to_name),
`aux` reasons become the text's notes (`too many errors`), and numbers may be
integers (`--json-int`) or the text's strings (`"2.04K"`, locale dates).
Keys ZFS sometimes leaves out (dRAID vdevs without `vdev_type`/`state`,
openzfs/zfs#18431; by-partuuid disks in 2.3.2, shared/lab/NOTES.md) are
inferred from the name or left unknown, never a crash.
Key names are those of cmd/zpool/zpool_main.c (status_callback_json,
vdev_stats_nvlist, scan_status_nvlist).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from nodewatch.model import (
    ONLINE,
    Guid,
    Pool,
    PoolSource,
    PoolStatus,
    Scan,
    ScanFunction,
    ScanState,
    Vdev,
    VdevType,
)
from nodewatch.parse.json_document import load_json
from nodewatch.parse.zpool_errors import ParseError
from nodewatch.parse.zpool_names import (
    AUX_DEFAULT_NOTE,
    AUX_NOTES,
    fold,
    short_name,
    text_state,
    type_from_json,
)
from nodewatch.parse.zpool_numbers import parse_size, parse_time

# Class groups in the order zpool status prints them, JSON key → (name, type, flat-mode class).
_GROUPS = (
    ("dedup", "dedup", VdevType.DEDUP, "dedup"),
    ("special", "special", VdevType.SPECIAL, "special"),
    ("logs", "logs", VdevType.LOGS, "log"),
    ("l2cache", "cache", VdevType.CACHE, "l2cache"),
    ("spares", "spares", VdevType.SPARES, "spare"),
)
_SCAN_FUNCTIONS = {
    "NONE": ScanFunction.NONE,
    "SCRUB": ScanFunction.SCRUB,
    "RESILVER": ScanFunction.RESILVER,
    "ERRORSCRUB": ScanFunction.ERRORSCRUB,
}
_SCAN_STATES = {
    "NONE": ScanState.NONE,
    "SCANNING": ScanState.IN_PROGRESS,
    "FINISHED": ScanState.FINISHED,
    "CANCELED": ScanState.CANCELED,
    "ERRORSCRUBBING": ScanState.IN_PROGRESS,
}


def parse_zpool_status_json(text: str, *, source: str = "<stdin>", now: float | None = None) -> PoolStatus:
    """Given the output of `zpool status -j` (nested or flat, integers or
    strings), return the pools. `now` (epoch seconds) lets the rate and ETA of
    a running scan be computed as zpool does; without it they stay None.

    Raise ParseError(source, reason) if the text is not JSON or not a
    `zpool status` document.
    """
    try:
        document = load_json(text)
    except json.JSONDecodeError as err:
        raise ParseError(source, f"not JSON ({err.msg} at line {err.lineno} column {err.colno})") from None
    if not isinstance(document, dict) or not isinstance(document.get("pools"), dict):
        raise ParseError(source, 'not `zpool status -j` output (no "pools" object)')
    command = (document.get("output_version") or {}).get("command") if isinstance(document, dict) else None
    if command not in (None, "zpool status"):
        raise ParseError(source, f"this is `{command}` output, not `zpool status -j`")
    pools = []
    for key, data in document["pools"].items():
        if not isinstance(data, dict):
            raise ParseError(source, f"pool {key!r} is not an object")
        pools.append(_pool(data, _str(data.get("name")) or str(key), now))
    return PoolStatus(pools=tuple(pools), source=PoolSource.JSON)


def _pool(data: dict[str, Any], name: str, now: float | None) -> Pool:
    scan = _scan(data.get("scan_stats"), now)
    vdevs = _dict(data.get("vdevs"))
    flat = any(isinstance(entry, dict) and "parent" in entry for entry in vdevs.values())
    root = _flat_tree(vdevs, name, data, scan) if flat else _nested_tree(vdevs, name, data, scan)
    error_count = _int(data.get("error_count"))
    errlist = data.get("errlist")
    files = tuple(str(item) for item in errlist) if isinstance(errlist, list) else ()
    status, action = _str(data.get("status")), _str(data.get("action"))
    return Pool(
        name=name,
        state=_str(data.get("state")) or "",
        guid=_guid(data.get("pool_guid")),
        status=fold(status) if status is not None else None,
        action=fold(action) if action is not None else None,
        msgid=_str(data.get("msgid")),
        see_url=_str(data.get("moreinfo")),
        scan=scan,
        root=root,
        error_count=error_count,
        errors_text=_errors_text(error_count, files),
        error_files=files,
    )


def _errors_text(count: int | None, files: tuple[str, ...]) -> str | None:
    # What the text prints on its errors: line for the same facts (status_callback).
    if count is None:
        return None
    if count == 0:
        return "No known data errors"
    if files:
        return "Permanent errors have been detected in the following files:"
    return f"{count} data errors, use '-v' for a list"


def _nested_tree(vdevs: dict[str, Any], name: str, data: dict[str, Any], scan: Scan) -> Vdev | None:
    root_data = vdevs.get(name)
    if not isinstance(root_data, dict):
        root_data = next((v for v in vdevs.values() if isinstance(v, dict)), None)
    if root_data is None:
        return None
    root = _vdev(root_data, scan, is_root=True, pool_state=_str(data.get("state")) or "")
    groups = []
    for key, group_name, group_type, _class in _GROUPS:
        members = data.get(key)
        if isinstance(members, dict) and members:
            children = tuple(_vdev(member, scan) for member in members.values() if isinstance(member, dict))
            groups.append(Vdev(name=group_name, type=group_type, state="", children=children))
    return _with_children(root, root.children + tuple(groups))


def _flat_tree(vdevs: dict[str, Any], name: str, data: dict[str, Any], scan: Scan) -> Vdev | None:
    """In flat mode every vdev sits in one map with a `parent` name, and the
    nested `vdevs` of interior ones repeat descendants; so collect every entry
    once by (name, parent) and rebuild the tree from the parent links. An
    in-use spare appears twice (under spare-N and in the spares class): the
    parent tells them apart."""
    entries: dict[tuple[str, str | None], dict[str, Any]] = {}

    def collect(mapping: dict[str, Any]) -> None:
        for key, entry in mapping.items():
            if isinstance(entry, dict):
                entries.setdefault((_str(entry.get("name")) or str(key), _str(entry.get("parent"))), entry)
                if isinstance(entry.get("vdevs"), dict):
                    collect(entry["vdevs"])

    collect(vdevs)
    children_of: dict[str | None, list[dict[str, Any]]] = {}
    for (_entry_name, parent), entry in entries.items():
        children_of.setdefault(parent, []).append(entry)

    def build(entry: dict[str, Any], *, is_root: bool = False) -> Vdev:
        kids = tuple(build(child) for child in children_of.get(_str(entry.get("name")) or "", ()))
        vdev = _vdev(entry, scan, is_root=is_root, pool_state=_str(data.get("state")) or "", nested=False)
        return _with_children(vdev, kids, has_children=bool(kids))

    tops = children_of.get(None, [])
    root_entry = next((e for e in tops if e.get("name") == name or e.get("vdev_type") == "root"), None)
    if root_entry is None:
        return None
    root = build(root_entry, is_root=True)
    groups = []
    for _key, group_name, group_type, class_name in _GROUPS:
        members = tuple(build(e) for e in tops if e is not root_entry and e.get("class") == class_name)
        if members:
            groups.append(Vdev(name=group_name, type=group_type, state="", children=members))
    return _with_children(root, root.children + tuple(groups))


def _with_children(vdev: Vdev, children: tuple[Vdev, ...], *, has_children: bool | None = None) -> Vdev:
    from dataclasses import replace

    if has_children is not None and vdev.type is VdevType.DISK and has_children:
        vdev = replace(vdev, type=type_from_json(None, vdev.name, has_children=True))
    return replace(vdev, children=children)


def _vdev(
    data: dict[str, Any], scan: Scan, *, is_root: bool = False, pool_state: str = "", nested: bool = True
) -> Vdev:
    name = _str(data.get("name")) or ""
    if name.startswith("/"):  # `zpool status -j -P` names vdevs by path: keep the one convention
        name = short_name(name)
    child_data = _dict(data.get("vdevs")) if nested else {}
    children = tuple(_vdev(child, scan) for child in child_data.values() if isinstance(child, dict))
    raw_state = _str(data.get("state"))
    state = text_state(raw_state, _str(data.get("aux"))) if raw_state is not None else None
    if state is None:
        state = pool_state if is_root else "UNKNOWN"
    if is_root:
        vdev_type = VdevType.ROOT
    else:
        vdev_type = type_from_json(_str(data.get("vdev_type")), name, has_children=bool(children))
    not_present = bool(_int(data.get("not_present")))
    counters = [_int(data.get(key)) or 0 for key in ("read_errors", "write_errors", "checksum_errors")]
    return Vdev(
        name=name,
        type=vdev_type,
        state=state,
        guid=_guid(data.get("guid")) if not is_root else None,
        path=_str(data.get("path")),
        devid=_str(data.get("devid")),
        phys_path=_str(data.get("phys_path")),
        was_path=_str(data.get("was")) if not_present else None,
        not_present=not_present,
        read_errors=counters[0],
        write_errors=counters[1],
        checksum_errors=counters[2],
        note=_note(data, state, scan, is_leaf=not children and "vdevs" not in data),
        children=children,
    )


def _note(data: dict[str, Any], state: str, scan: Scan, *, is_leaf: bool) -> str:
    """Given a JSON vdev, return the note `zpool status` prints after its counters."""
    parts = []
    if _int(data.get("not_present")):
        parts.append(f"was {_str(data.get('was')) or _str(data.get('path'))}")
    elif _str(data.get("aux")) and data.get("aux") != "NONE":
        aux = str(data["aux"])
        note = AUX_NOTES.get(aux, AUX_DEFAULT_NOTE)
        if aux == "SPARED" and _str(data.get("used_by")):
            note = f"in use by pool '{data['used_by']}'"
        elif aux == "ERR_EXCEEDED" and is_leaf and _no_errors(data) and (_int(data.get("slow_ios")) or 0) > 0:
            note = "too many slow I/Os"
        parts.append(note)
    else:
        configured, physical = _int(data.get("configured_ashift")), _int(data.get("physical_ashift"))
        if configured is not None and physical is not None and configured < physical:
            parts.append(f"block size: {1 << configured}B configured, {1 << physical}B native")
    if _int(data.get("removing")):
        parts.append("(removing)")
    elif _int(data.get("noalloc")):
        parts.append("(non-allocating)")
    if scan.state is ScanState.IN_PROGRESS and is_leaf and state == ONLINE:
        if _int(data.get("scan_processed")):
            parts.append("(resilvering)" if scan.function is ScanFunction.RESILVER else "(repairing)")
        elif _int(data.get("resilver_deferred")):
            parts.append("(awaiting resilver)")
    return " ".join(parts)


def _no_errors(data: dict[str, Any]) -> bool:
    return not any(_int(data.get(key)) for key in ("read_errors", "write_errors", "checksum_errors"))


def _scan(stats: Any, now: float | None) -> Scan:
    if not isinstance(stats, dict):
        return Scan()
    function = _SCAN_FUNCTIONS.get(str(stats.get("function")), ScanFunction.NONE)
    state = _SCAN_STATES.get(str(stats.get("state")), ScanState.NONE)
    if function is ScanFunction.NONE:
        return Scan()
    paused = bool(_int(stats.get("scrub_pause"))) or _time(stats.get("scrub_pause")) is not None
    if state is ScanState.IN_PROGRESS and paused:
        state = ScanState.PAUSED
    start, end = _time(stats.get("start_time")), _time(stats.get("end_time"))
    processed = _int(stats.get("processed"))
    errors = _int(stats.get("errors"))
    if state is ScanState.FINISHED:
        duration = None
        start_seconds, end_seconds = _int(stats.get("start_time")), _int(stats.get("end_time"))
        if start_seconds is not None and end_seconds is not None:
            duration = end_seconds - start_seconds
        elif start is not None and end is not None:
            duration = int((end - start).total_seconds())
        return Scan(
            function=function,
            state=state,
            start_time=start,
            end_time=end,
            repaired_bytes=processed,
            errors=errors,
            duration_seconds=duration,
        )
    if state is ScanState.CANCELED:
        return Scan(function=function, state=state, start_time=start, end_time=end)
    to_examine, skipped = _int(stats.get("to_examine")), _int(stats.get("skipped")) or 0
    issued = _int(stats.get("issued"))
    total_issue = (to_examine - skipped) if to_examine is not None else None
    percent = round(100 * issued / total_issue, 2) if issued is not None and total_issue else None
    rate = eta = None
    pass_start, pass_issued = _int(stats.get("pass_start")), _int(stats.get("issued_bytes_per_scan"))
    if now is not None and pass_start and pass_issued is not None and state is ScanState.IN_PROGRESS:
        elapsed = max(1, int(now) - pass_start - (_int(stats.get("scrub_spent_paused")) or 0))
        rate = pass_issued // elapsed
        if rate > 0 and total_issue is not None and issued is not None and total_issue >= issued:
            eta = (total_issue - issued) // rate
    return Scan(
        function=function,
        state=state,
        start_time=start,
        percent_done=percent,
        rate_bytes_per_second=rate,
        eta_seconds=eta,
        scanned_bytes=_int(stats.get("examined")),
        issued_bytes=issued,
        total_bytes=to_examine,
        repaired_bytes=processed,
        errors=errors,
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    """Given a JSON value, return it if it is a string (ZFS never sends other types there)."""
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    """Given a JSON number or its string form ("0", "2.04K", "12,8K"), return an int."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return parse_size(value)
    return None


def _guid(value: Any) -> Guid | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return Guid(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():  # not '²': int() refuses it
        return Guid(int(value))
    return None


def _time(value: Any) -> datetime | None:
    """Given a JSON time (epoch seconds with --json-int, else the locale date
    string, `-` or 0 for none), return the node's wall time, naive."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            return None
        # The text prints ctime(): the local time of the machine running zpool.
        return datetime.fromtimestamp(value, UTC).astimezone().replace(tzinfo=None)
    if isinstance(value, str):
        if value.isdigit():
            return _time(int(value))
        return parse_time(value)
    return None
