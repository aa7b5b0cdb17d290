"""Vdev names, types and states shared by the text and the JSON parser.

Both parsers must give the same Vdev for the same device (see model.Vdev), so
the conventions live here once:

- `Vdev.name` is what plain `zpool status` prints: the short device name
  (`wwn-0x5000…`, `sdc`, `ada0p3`), the guid of a missing member, the
  type-id of an interior vdev (`raidz1-0`), the pool name for the root.
- `Vdev.path` is the full device path when the output says it (`-P` text,
  JSON `path`, the `was …` note of a missing member).

From a `-P` path the short name is derived the way libzfs does it
(zpool_vdev_name): drop a default search directory and, for a whole disk,
the partition suffix. Text cannot say whether a disk is whole, so a
`-part1`/`sdX1`/`nvme0n1p1` partition 1 is taken as a whole disk: that is
what `zpool create` on a disk makes; a pool built on a hand-made partition 1
gets the disk's name here (its path stays exact).
"""

from __future__ import annotations

import re

from nodewatch.model import CLASS_GROUPS as MODEL_CLASS_GROUPS
from nodewatch.model import FAULTED, OFFLINE, UNAVAIL, VdevType

# libzutil zpool_default_search_paths() on Linux, longest first; FreeBSD and
# illumos print device names without /dev/ unless -P, and /dev/ is the last entry.
SEARCH_DIRECTORIES = (
    "/dev/disk/by-vdev",
    "/dev/mapper",
    "/dev/disk/by-partlabel",
    "/dev/disk/by-partuuid",
    "/dev/disk/by-label",
    "/dev/disk/by-uuid",
    "/dev/disk/by-id",
    "/dev/disk/by-path",
    "/dev/dsk",  # illumos
    "/dev",
)

# Whole-disk partition 1, per zfs_strip_partition() (lib/libzutil/os/linux).
_WHOLE_DISK_PARTITION = re.compile(
    r"^(?P<disk>.+-part)1$|^(?P<disk2>(?:[hsv]|xv)d[a-z]+)1$|^(?P<disk3>.*\dp)1$"
)

# Interior vdev names: type, optional parity/geometry, then -<id> (absent on old Solaris).
_INTERIOR = re.compile(
    r"^(?P<type>mirror|raidz[123]?|draid[123]?(?::[0-9a-z:]+)?|spare|replacing|indirect|root|hole|missing)"
    r"(?:-\d+)?$"
)
_DRAID_SPARE = re.compile(r"^draid\d-\d+-\d+$")  # distributed spare, a leaf
GUID_NAME = re.compile(r"^\d{5,20}$")  # a vdev printed by guid (missing member, or -g)

CLASS_GROUPS = {group.value: group for group in MODEL_CLASS_GROUPS}  # as `zpool status` prints them


def short_name(path: str) -> str:
    """Given a device path as `zpool status -P` prints it, return the name
    plain `zpool status` would print (see the module docstring)."""
    if not path.startswith("/dev/"):
        return path  # a file vdev keeps its full path
    name = path
    for directory in SEARCH_DIRECTORIES:
        if path.startswith(directory + "/"):
            name = path[len(directory) + 1 :]
            break
    match = _WHOLE_DISK_PARTITION.match(name)
    if match and "/" not in name:
        if match["disk"]:
            return match["disk"][: -len("-part")]
        if match["disk2"]:
            return match["disk2"]
        return match["disk3"][:-1]
    return name


def type_from_name(name: str, *, has_children: bool) -> VdevType:
    """Given a vdev name as printed and whether it has children, return its type.

    A guid name (`-g`, or a missing interior vdev) says nothing: a leaf is
    taken as a disk, an interior vdev is UNKNOWN.
    """
    match = _INTERIOR.match(name)
    if match:
        kind = match["type"]
        if kind.startswith("raidz"):
            return {"raidz": VdevType.RAIDZ1, "raidz1": VdevType.RAIDZ1}.get(kind) or VdevType(kind)
        if kind.startswith("draid"):
            return VdevType.DRAID
        return VdevType(kind)
    if has_children:
        return VdevType.UNKNOWN
    if name.startswith("/") and not name.startswith("/dev/"):
        return VdevType.FILE
    return VdevType.DISK


def type_from_json(vdev_type: str | None, name: str, *, has_children: bool) -> VdevType:
    """Given JSON `vdev_type` (possibly absent: openzfs/zfs#18431 for dRAID, and
    by-partuuid disks in 2.3.2) and the name, return the type."""
    if vdev_type is None:
        return type_from_name(name, has_children=has_children)
    if vdev_type == "raidz":
        # The parity level is only in the name (raidz2-0).
        named = type_from_name(name, has_children=True)
        return named if named in (VdevType.RAIDZ1, VdevType.RAIDZ2, VdevType.RAIDZ3) else VdevType.RAIDZ1
    if vdev_type == "dspare":  # a dRAID distributed spare is a leaf
        return VdevType.DISK
    try:
        return VdevType(vdev_type)
    except ValueError:
        return VdevType.UNKNOWN


# zpool_state_to_name(): the text prints these where JSON gives vdev_state_str[].
_AUX_FAULTED = frozenset({"CORRUPT_DATA", "BAD_LOG"})


def text_state(json_state: str, aux: str | None = None) -> str:
    """Given a JSON vdev state (and its `aux` reason), return the state the text prints."""
    if json_state == "CANT_OPEN":
        if aux in _AUX_FAULTED:
            return FAULTED
        if aux == "SPLIT_POOL":
            return "SPLIT"
        return UNAVAIL
    if json_state == "CLOSED":
        return OFFLINE
    return json_state


# print_status_config(): the note printed for each vdev_aux_t.
AUX_NOTES = {
    "OPEN_FAILED": "cannot open",
    "BAD_GUID_SUM": "missing device",
    "NO_REPLICAS": "insufficient replicas",
    "VERSION_NEWER": "newer version",
    "UNSUP_FEAT": "unsupported feature(s)",
    "ASHIFT_TOO_BIG": "unsupported minimum blocksize",
    "SPARED": "currently in use",
    "ERR_EXCEEDED": "too many errors",
    "IO_FAILURE": "experienced I/O failures",
    "BAD_LOG": "bad intent log",
    "EXTERNAL": "external device fault",
    "SPLIT_POOL": "split into new pool",
    "ACTIVE": "currently in use",
    "CHILDREN_OFFLINE": "all children offline",
    "BAD_LABEL": "invalid label",
}
AUX_DEFAULT_NOTE = "corrupted data"


def fold(text: str) -> str:
    """Given prose wrapped over lines, return it on one line with single spaces."""
    return " ".join(text.split())
