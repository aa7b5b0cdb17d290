"""Which operating system a `zpool status` came from, so the advice names commands that exist there.

A live collection is Linux (nodewatch's probes read udev). A paste says it by
its device names: `c1t0d0s0` and `/dev/dsk/` are illumos/Solaris; `gpt/`,
`gptid/`, `diskid/`, GEOM's `hast/` and `mirror/`, `ada0p3`, `da0p3`, `mfid0` are FreeBSD; `/dev/disk/by-id`,
`sdX`, `ata-…`, `wwn-…`, `nvme0n1` are Linux.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from nodewatch.model import Snapshot


class Platform(enum.StrEnum):
    LINUX = "linux"
    FREEBSD = "freebsd"
    ILLUMOS = "illumos"
    UNKNOWN = "unknown"


_ILLUMOS = re.compile(r"^(/dev/r?dsk/)?c\d+(t[0-9A-Fa-f]+)?d\d+(s\d+|p\d+)?$")
_FREEBSD = re.compile(
    r"^(/dev/)?(gpt/|gptid/|diskid/|label/|ufsid/|hast/|mirror/)|^(/dev/)?(ada|da|mfid|mfisyspd|nvd|nda|vtbd|ad|aacd|twed)\d+"
    r"(p\d+|s\d+[a-h]?)?(\.eli|\.nop)?$"
)
_LINUX = re.compile(
    r"^/dev/disk/by-|^(/dev/)?(sd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme\d+n\d+(p\d+)?|mmcblk\d+(p\d+)?)\d*$"
    r"|^(ata|wwn|scsi|nvme|usb|virtio|dm-uuid|dm-name)-"
)


@dataclass(frozen=True, slots=True)
class Commands:
    """What the platform calls the things advice mentions."""

    import_dir: str | None  # where `zpool import -d` should search; None: the default search works
    kernel_log: str  # where to look for what fell off the bus
    linux: bool


_COMMANDS = {
    Platform.LINUX: Commands("/dev/disk/by-id", "`dmesg` or `journalctl -k`", True),
    Platform.FREEBSD: Commands(None, "`dmesg` and /var/log/messages", False),
    Platform.ILLUMOS: Commands(None, "/var/adm/messages and `fmdump -eV`", False),
    Platform.UNKNOWN: Commands("/dev/disk/by-id", "the kernel log (`dmesg`)", True),
}


def platform_of(snapshot: Snapshot) -> Platform:
    """Given a snapshot, return the platform its pools were read on."""
    if snapshot.probes:
        return Platform.LINUX  # collected by nodewatch itself
    votes = {Platform.LINUX: 0, Platform.FREEBSD: 0, Platform.ILLUMOS: 0}
    listed = snapshot.importable.pools if snapshot.importable else ()
    for pool in (*snapshot.pools, *listed):
        for leaf in pool.leaves():
            for name in (leaf.path, leaf.was_path, leaf.name):
                if not name:
                    continue
                if _ILLUMOS.match(name):
                    votes[Platform.ILLUMOS] += 1
                elif _FREEBSD.search(name):
                    votes[Platform.FREEBSD] += 1
                elif _LINUX.search(name):
                    votes[Platform.LINUX] += 1
                break
        # illumos.org message URLs were printed by FreeBSD's ZFS too: only ZoL's says where it ran.
        if "zfsonlinux.org" in (pool.see_url or ""):
            votes[Platform.LINUX] += 1
    best = max(votes.items(), key=lambda item: item[1])
    return best[0] if best[1] else Platform.UNKNOWN


def commands_for(platform: Platform) -> Commands:
    return _COMMANDS[platform]
