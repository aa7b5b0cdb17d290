"""Saved `udevadm info --export-db` text to UdevDevice records.

The dump is blank-line separated records of prefixed lines (udevadm(8)):
P: devpath, N: node name, S: symlink, E: property, L: link priority, and on
newer systemd M:, R:, U:, T:, D:, I:, Q:, V:, J:, G:, W:. A pasted
`udevadm info --query=property` (bare KEY=VALUE lines) is read the same way.
Lines starting with `#` are comments (fixture provenance). Nothing here
raises: a line that fits no form is kept in problems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nodewatch.parse.udev_record import DEVLINKS, DEVNAME, DEVPATH, DEVTYPE, SUBSYSTEM, UdevDevice

# Prefixes udevadm prints that carry nothing the inventory needs but are valid.
_KNOWN_IGNORED = frozenset("LMRUTDIQVJGWB")
_PROPERTY = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*)=(.*)$")


@dataclass(frozen=True, slots=True)
class UdevDump:
    """The devices of one dump, and the lines that were not understood."""

    devices: tuple[UdevDevice, ...] = ()
    problems: tuple[str, ...] = ()
    source: str = "<stdin>"


def parse_udev_db(text: str, *, source: str = "<stdin>") -> UdevDump:
    """Given `udevadm info --export-db` (or `--query=property`) text, return its devices.

    Lines that fit no known form are reported in problems with their line number.
    """
    devices: list[UdevDevice] = []
    problems: list[str] = []
    block: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.rstrip("\r")
        if not stripped.strip():
            if block:
                devices.append(_record(block, source, problems))
                block = []
            continue
        if stripped.lstrip().startswith("#"):
            continue
        block.append((number, stripped))
    if block:
        devices.append(_record(block, source, problems))
    return UdevDump(
        devices=tuple(d for d in devices if d.devpath or d.devnode), problems=tuple(problems), source=source
    )


def _record(block: list[tuple[int, str]], source: str, problems: list[str]) -> UdevDevice:
    properties: dict[str, str] = {}
    devpath = node = None
    links: list[str] = []
    for number, line in block:
        prefix, separator, rest = line.partition(": ")
        if separator and len(prefix) == 1 and prefix.isupper():
            if prefix == "P":
                devpath = rest.strip()
            elif prefix == "N":
                node = "/dev/" + rest.strip()
            elif prefix == "S":
                links.append("/dev/" + rest.strip())
            elif prefix == "E":
                _property(rest, properties, f"{source}:{number}", problems)
            elif prefix not in _KNOWN_IGNORED:
                problems.append(f"{source}:{number}: unknown udev line {line!r}")
            continue
        if line.strip() in ("P:", "N:", "S:", "E:", "L:"):
            continue  # a field with an empty value
        if not _property(line, properties, f"{source}:{number}", problems):
            continue
    devlinks = tuple(links) or tuple(
        link for link in properties.get(DEVLINKS, "").split() if link.startswith("/dev/")
    )
    return UdevDevice(
        devpath=devpath or properties.get(DEVPATH),
        devnode=properties.get(DEVNAME) or node,
        subsystem=properties.get(SUBSYSTEM),
        devtype=properties.get(DEVTYPE),
        properties=properties,
        devlinks=devlinks,
    )


def _property(text: str, properties: dict[str, str], where: str, problems: list[str]) -> bool:
    match = _PROPERTY.match(text.strip())
    if not match:
        problems.append(f"{where}: not a udev property {text!r}")
        return False
    properties[match[1]] = match[2]
    return True
