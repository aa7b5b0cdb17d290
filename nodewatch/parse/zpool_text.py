"""`zpool status [-P] [-v]` text → PoolStatus, from ZoL 0.6 / Solaris to OpenZFS 2.3.

The parser is line-driven and forgiving: it never raises, and every line it
does not understand is kept verbatim in Pool.unparsed_lines (inside a pool)
or PoolStatus.unparsed_lines (outside any pool), so a format change shows up
as "N lines not understood" instead of silently lost data. It copes with
pastes: spaces instead of tabs, trailing spaces, missing blank lines, several
pools (or the same pool several times) in one output, a `config:` without a
`pool:` header, decimal commas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from nodewatch.model import Guid, Pool, PoolSource, PoolStatus, Scan, ScanState, Vdev, VdevType
from nodewatch.parse.zpool_names import CLASS_GROUPS, GUID_NAME, fold, short_name, type_from_name
from nodewatch.parse.zpool_numbers import is_count, parse_count
from nodewatch.parse.zpool_scan import parse_scan

# A header key at the start of a line, right-aligned to the colon in the original.
_KEY = re.compile(
    r"^\s{0,8}(?P<key>pool|id|state|status|action|see|scan|scrub|remove|checkpoint|expand|condense"
    r"|config|errors):(?:\s(?P<value>.*)|$)"
)
_COLUMNS = re.compile(r"^(?P<indent>\s*)NAME\s+STATE\b(?P<rest>.*)$")
_ERRORS_COUNT = re.compile(r"^(?P<count>\d+) data errors?, use '-v' for a list$")
_MSGID = re.compile(r"\b(?P<msgid>ZFS-\d{4}-[0-9A-Z]{2})\b")
_STATE_WORD = re.compile(r"^[A-Z][A-Z_]+$")
# `zpool status -x`, a host without pools, an empty `zpool import`: understood, nothing to report.
_NOTHING = re.compile(r"^(all pools are healthy|no pools available( to import)?|pool '.+' is healthy)$")
_NUMERIC_COLUMNS = frozenset({"READ", "WRITE", "CKSUM", "SLOW", "DIO"})
# A suspended pool prints `errors: List of errors unavailable: …` and then its count on a
# second `errors:` line (zol 0.8), so `errors:` may repeat; the others may not.
_ONCE = frozenset({"state", "status", "action", "see", "config"})
_UNMODELLED_KEYS = frozenset({"id", "remove", "checkpoint", "expand", "condense"})


@dataclass
class _Node:
    name: str
    state: str
    depth: int
    counters: tuple[int, int, int] = (0, 0, 0)
    note: str = ""
    group: VdevType | None = None
    children: list[_Node] = field(default_factory=list)


@dataclass
class _PoolBuilder:
    name: str | None = None
    guid: Guid | None = None  # `id:` of a `zpool import` listing
    state: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)  # status/action/see/errors → lines
    scans: list[list[str]] = field(default_factory=list)
    root: _Node | None = None
    stack: list[_Node] = field(default_factory=list)
    error_files: list[str] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)
    header_indent: int = 0
    numeric_columns: int = 3
    seen: set[str] = field(default_factory=set)


def parse_zpool_status_text(text: str, *, source: str = "<stdin>") -> PoolStatus:
    """Given the text of `zpool status` (any version, with or without -P/-v),
    return the pools it shows. Never raise: lines not understood are kept in
    the pools' or the status's `unparsed_lines`. `source` is accepted for a
    uniform parser signature; text parsing has no failure to attribute."""
    del source
    parser = _TextParser()
    for line in text.splitlines():
        parser.feed(line)
    return parser.finish()


class _TextParser:
    def __init__(self) -> None:
        self.pools: list[Pool] = []
        self.outside: list[str] = []
        self.current: _PoolBuilder | None = None
        self.section: str | None = None  # the key whose continuation lines follow

    def feed(self, raw: str) -> None:
        line = raw.rstrip()
        if not line.strip():
            if self.section in ("status", "action", "scan", "scrub") or self.section in _UNMODELLED_KEYS:
                self.section = None
            return
        match = _KEY.match(line)
        # Inside the vdev table only `errors:` and `pool:` end it: a row never looks like a key.
        in_table = self.section == "config" and self.current is not None and self.current.root is not None
        if match and not (in_table and match["key"] not in ("errors", "pool")):
            self._key(match["key"], (match["value"] or "").strip(), line)
            return
        if self.current is None:
            if _COLUMNS.match(line.expandtabs(8)):
                # A paste of just the vdev table: a pool named by its root row.
                self.current = _PoolBuilder()
                self.section = "config"
                self._config_line(self.current, line, raw)
            elif not _NOTHING.match(line.strip()):
                self.outside.append(raw)
            return
        self._continuation(line, raw)

    def _key(self, key: str, value: str, raw: str) -> None:
        if key == "pool":
            self._close()
            self.current = _PoolBuilder(name=value)
            self.section = None
            return
        if self.current is None:
            self.current = _PoolBuilder()  # a paste that starts below `pool:`
        pool = self.current
        if key in _ONCE and key in pool.seen:
            pool.unparsed.append(raw)  # a second `state:` in one pool: keep it, do not overwrite
            self.section = None
            return
        pool.seen.add(key)
        self.section = key
        if key == "state":
            pool.state = value
        elif key in ("status", "action", "see"):
            pool.fields[key] = [value]
        elif key in ("scan", "scrub"):
            pool.scans.append([value])
        elif key == "config":
            if value:  # "config: The configuration cannot be determined."
                pool.unparsed.append(raw)
        elif key == "errors":
            pool.fields.setdefault("errors", []).append(value)
        elif key == "id" and value.isdigit():  # `zpool import`: the pool's guid
            pool.guid = Guid(int(value))
        else:  # remove:, checkpoint:, expand: — known, but not in the model
            pool.unparsed.append(raw)

    def _continuation(self, line: str, raw: str) -> None:
        pool = self.current
        if pool is None:
            return
        section = self.section
        if section in ("status", "action") and line[:1].isspace():
            pool.fields[section].append(line.strip())
        elif section in ("scan", "scrub") and line[:1].isspace():
            pool.scans[-1].append(line)
        elif section in _UNMODELLED_KEYS and line[:1].isspace():
            pool.unparsed.append(raw)
        elif section == "config":
            self._config_line(pool, line, raw)
        elif section == "errors" and line[:1].isspace() and _is_error_list(pool):
            pool.error_files.append(line.strip())
        else:
            pool.unparsed.append(raw)

    def _config_line(self, pool: _PoolBuilder, line: str, raw: str) -> None:
        expanded = line.expandtabs(8)
        columns = _COLUMNS.match(expanded)
        if columns and pool.root is None:
            pool.header_indent = len(columns["indent"])
            pool.numeric_columns = sum(1 for word in columns["rest"].split() if word in _NUMERIC_COLUMNS)
            return
        depth = len(expanded) - len(expanded.lstrip()) - pool.header_indent
        words = expanded.split()
        if pool.root is not None and len(words) == 1 and words[0] in CLASS_GROUPS:
            group = _Node(name=words[0], state="", depth=pool.root.depth, group=CLASS_GROUPS[words[0]])
            pool.root.children.append(group)
            pool.stack = [pool.root, group]
            return
        node = _row(words, depth, pool.numeric_columns)
        if node is None:
            pool.unparsed.append(raw)
            return
        if pool.root is None:
            pool.root = node
            pool.stack = [node]
            if pool.name is None:
                pool.name = node.name
            return
        while len(pool.stack) > 1 and pool.stack[-1].depth >= depth:
            pool.stack.pop()
        if depth <= pool.stack[-1].depth and pool.stack[-1] is pool.root:
            pool.unparsed.append(raw)  # a second row at the root's level
            return
        pool.stack[-1].children.append(node)
        pool.stack.append(node)

    def _close(self) -> None:
        if self.current is not None:
            self.pools.append(_build_pool(self.current))
        self.current = None
        self.section = None

    def finish(self) -> PoolStatus:
        self._close()
        return PoolStatus(pools=tuple(self.pools), source=PoolSource.TEXT, unparsed_lines=tuple(self.outside))


def _is_error_list(pool: _PoolBuilder) -> bool:
    return pool.fields.get("errors", [""])[-1].startswith("Permanent errors have been detected")


def _row(words: list[str], depth: int, numeric_columns: int) -> _Node | None:
    """Given a config row split into words, return a node; None if it is no row."""
    if len(words) < 2 or not _STATE_WORD.match(words[1]):
        return None
    counters: list[int] = []
    position = 2
    while position < len(words) and len(counters) < numeric_columns and is_count(words[position]):
        counters.append(parse_count(words[position]) or 0)
        position += 1
    if counters and len(counters) < 3:
        return None  # a half row: not something zpool prints
    read, write, checksum = [*counters, 0, 0, 0][:3]
    return _Node(
        name=words[0],
        state=words[1],
        depth=depth,
        counters=(read, write, checksum),
        note=" ".join(words[position:]),
    )


def _build_pool(builder: _PoolBuilder) -> Pool:
    fields = builder.fields
    see = fold(" ".join(fields["see"])) if "see" in fields else None
    msgid_match = _MSGID.search(see or "")
    error_count, errors_text = _errors(fields.get("errors"), builder.error_files)
    return Pool(
        name=builder.name or "",
        guid=builder.guid,
        state=builder.state or (builder.root.state if builder.root else ""),
        status=fold(" ".join(fields["status"])) if "status" in fields else None,
        action=fold(" ".join(fields["action"])) if "action" in fields else None,
        msgid=msgid_match["msgid"] if msgid_match else None,
        see_url=see,
        scan=_pick_scan(builder),
        root=_freeze(builder.root, is_root=True) if builder.root else None,
        error_count=error_count,
        errors_text=errors_text,
        error_files=tuple(builder.error_files),
        unparsed_lines=tuple(builder.unparsed),
    )


def _pick_scan(builder: _PoolBuilder) -> Scan:
    """Given every scan: block of a pool (a dRAID rebuild prints a second one),
    return the one that matters most: a running scan over a finished one."""
    scans: list[Scan] = []
    for lines in builder.scans:
        scan = parse_scan(lines)
        if scan is None:
            builder.unparsed.extend(_label(lines))
        else:
            scans.append(scan)
    if not scans:
        return Scan()
    running = [scan for scan in scans if scan.state in (ScanState.IN_PROGRESS, ScanState.PAUSED)]
    chosen = running[0] if running else scans[0]
    # The other block (the last scrub, beside a rebuild) stays readable in the text.
    return replace(chosen, text="\n".join(scan.text for scan in scans))


def _label(lines: list[str]) -> list[str]:
    return [f"scan: {lines[0]}", *lines[1:]]


def _errors(lines: list[str] | None, files: list[str]) -> tuple[int | None, str | None]:
    """Given the `errors:` lines of a pool and its listed files, return the
    count (None when not said) and the text (several lines joined by `; `)."""
    if not lines:
        return None, None
    count = None
    for text in lines:
        match = _ERRORS_COUNT.match(text)
        if text == "No known data errors":
            count = 0
        elif match:
            count = int(match["count"])
    if count is None and files:
        count = len(files)
    return count, "; ".join(lines)


def _freeze(node: _Node, *, is_root: bool = False) -> Vdev:
    children = tuple(_freeze(child) for child in node.children)
    if node.group is not None:
        return Vdev(name=node.name, type=node.group, state="", children=children)
    name = node.name
    path = None
    was_path = None
    note = node.note
    if note.startswith("was "):
        was_path = note[len("was ") :].split("  ")[0].strip()
        path = was_path  # `was` prints the config path ZFS still looks for
    if name.startswith("/"):
        path = name
        name = short_name(name)
    vdev_type = VdevType.ROOT if is_root else type_from_name(name, has_children=bool(children))
    guid = Guid(int(name)) if GUID_NAME.match(name) and not is_root else None
    read, write, checksum = node.counters
    return Vdev(
        name=name,
        type=vdev_type,
        state=node.state,
        guid=guid,
        path=path,
        was_path=was_path,
        not_present=was_path is not None,
        read_errors=read,
        write_errors=write,
        checksum_errors=checksum,
        note=note,
        children=children,
    )
