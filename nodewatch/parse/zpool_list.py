"""`zpool list` → capacity per pool: `-j` JSON (OpenZFS ≥ 2.3) or `-Hp` text (any version)."""

from __future__ import annotations

import json
from typing import Any

from nodewatch.model import Capacity
from nodewatch.parse.json_document import load_json
from nodewatch.parse.zpool_errors import ParseError
from nodewatch.parse.zpool_numbers import parse_size

# The columns nodewatch asks for in text mode, in this order.
LIST_TEXT_COLUMNS = ("name", "size", "allocated", "free", "fragmentation", "capacity")


def parse_zpool_list_json(text: str, *, source: str = "<stdin>") -> dict[str, Capacity]:
    """Given `zpool list -j [--json-int] [-p]` output, return each pool's capacity.

    Values may be integers (`--json-int -p`) or strings (`"111G"`, `"27%"`,
    `"-"`). A pool without a readable size is left out. Raise ParseError if
    the text is not a `zpool list -j` document.
    """
    try:
        document = load_json(text)
    except json.JSONDecodeError as err:
        raise ParseError(source, f"not JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(document, dict) or not isinstance(document.get("pools"), dict):
        raise ParseError(source, 'not `zpool list -j` output (no "pools" object)')
    capacities = {}
    for key, pool in document["pools"].items():
        properties = pool.get("properties") if isinstance(pool, dict) else None
        if not isinstance(properties, dict):
            continue

        def value(name: str, properties: dict[str, Any] = properties) -> Any:
            entry = properties.get(name)
            return entry.get("value") if isinstance(entry, dict) else None

        capacity = _capacity(
            value("size"), value("allocated"), value("free"), value("fragmentation"), value("capacity")
        )
        if capacity is not None:
            capacities[str(pool.get("name", key))] = capacity
    return capacities


def parse_zpool_list_text(text: str) -> dict[str, Capacity]:
    """Given `zpool list -Hp -o name,size,allocated,free,fragmentation,capacity`
    output (tab-separated), return each pool's capacity; lines that do not fit
    are skipped."""
    capacities = {}
    for line in text.splitlines():
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) != len(LIST_TEXT_COLUMNS):
            continue
        capacity = _capacity(*fields[1:])
        if capacity is not None:
            capacities[fields[0]] = capacity
    return capacities


def _capacity(size: Any, allocated: Any, free: Any, fragmentation: Any, percent: Any) -> Capacity | None:
    size_bytes, allocated_bytes, free_bytes = _number(size), _number(allocated), _number(free)
    if size_bytes is None or allocated_bytes is None or free_bytes is None:
        return None
    return Capacity(
        size_bytes=size_bytes,
        allocated_bytes=allocated_bytes,
        free_bytes=free_bytes,
        fragmentation_percent=_percent(fragmentation),
        capacity_percent=_percent(percent),
    )


def _number(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        return parse_size(value)
    return None


def _percent(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.rstrip("%").isdigit():
        return int(value.rstrip("%"))
    return None
