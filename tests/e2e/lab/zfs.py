"""Guest-side ZFS helpers for the scenarios: a small, independent reading of
``zpool status`` (the harness must not trust the parser it is testing), data
with a checksum, and the states a scenario snapshots."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from .agent import Result
from .record import Recorder
from .vm import Machine

COUNT = r"\d[\d.]*[KMGT]?"  # an error counter: 0, 12, 1.2K
UNITS = {"B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def size_bytes(text: str) -> int:
    m = re.fullmatch(r"([\d.]+)([BKMGT]?)", text)
    if not m:
        raise ValueError(text)
    return int(float(m.group(1)) * UNITS[m.group(2) or "B"])


@dataclass
class Row:
    name: str
    state: str
    read: str = ""
    write: str = ""
    cksum: str = ""
    note: str = ""  # e.g. "was /dev/disk/by-id/...", "too many errors", "(resilvering)"
    guid: str = ""
    depth: int = 0


@dataclass
class Status:
    text: str
    fields: dict[str, str] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)

    @property
    def state(self) -> str:
        return self.fields.get("state", "")

    @property
    def msgid(self) -> str:
        m = re.search(r"ZFS-\d{4}-\w+", self.fields.get("see", ""))
        return m.group(0) if m else ""

    def row(self, needle: str) -> Row:
        """The config row whose name, guid or note contains ``needle``."""
        hits = [r for r in self.rows if needle in r.name or needle == r.guid or needle in r.note]
        assert hits, f"no vdev matching {needle!r} in:\n{self.text}"
        return hits[0]

    def resilvered(self) -> int | None:
        m = re.search(r"resilvered (\S+)", self.fields.get("scan", ""))
        return size_bytes(m.group(1)) if m else None


def parse_status(text: str) -> Status:
    st = Status(text)
    key = ""
    in_config = False
    for line in text.splitlines():
        m = re.match(r"^\s*(pool|state|status|action|see|scan|config|errors|remove):\s?(.*)$", line)
        if m and not (in_config and line.startswith("\t")):
            key = m.group(1)
            st.fields[key] = m.group(2).strip()
            in_config = key == "config"
            continue
        if in_config:
            r = re.match(rf"^\t( *)(\S+)\s+(\S+)(?:\s+({COUNT})\s+({COUNT})\s+({COUNT}))?\s*(.*)$", line)
            if r and r.group(2) != "NAME":
                st.rows.append(
                    Row(
                        r.group(2),
                        r.group(3),
                        r.group(4) or "",
                        r.group(5) or "",
                        r.group(6) or "",
                        r.group(7).strip(),
                        depth=len(r.group(1)) // 2,
                    )
                )
        elif key in ("status", "action", "scan") and line.startswith("\t"):
            st.fields[key] += " " + line.strip()
    return st


def status(m: Machine, pool: str) -> Status:
    """`zpool status -P -v` plus guids (`-g`), matched row by row."""
    st = parse_status(m.run(f"zpool status -P -v {pool}", timeout=60).out)
    by_guid = parse_status(m.run(f"zpool status -g {pool}", timeout=60).out)
    if len(by_guid.rows) == len(st.rows):
        for row, g in zip(st.rows, by_guid.rows, strict=True):
            row.guid = g.name
    return st


def write_data(m: Machine, pool: str, mb: int = 16) -> str:
    """Random data in a dataset of the pool; returns its sha256."""
    m.sh(f"zfs create -p {pool}/data && head -c {mb}M /dev/urandom > /{pool}/data/blob && sync")
    return m.sh(f"sha256sum /{pool}/data/blob").split()[0]


def data_sha(m: Machine, pool: str) -> str:
    return m.sh(f"sha256sum /{pool}/data/blob", timeout=300).split()[0]


def wait_scan_done(m: Machine, pool: str, timeout: float = 600) -> Status:
    m.run(f"zpool wait -t resilver,scrub {pool}", timeout=timeout)
    return status(m, pool)


def scrub(m: Machine, pool: str, timeout: float = 600) -> Status:
    """`zpool scrub -w`, once no resilver runs. Onlining two members one after the other defers
    the second resilver (feature resilver_defer): it starts a txg after the first ends, so a
    scrub issued in between is refused with "currently resilvering" (seen once in CI)."""
    deadline = time.monotonic() + timeout
    while True:
        wait_scan_done(m, pool, timeout)
        res = m.run(f"zpool scrub -w {pool}", timeout=timeout)
        if res.ok:
            return status(m, pool)
        if "resilvering" not in res.err or time.monotonic() > deadline:
            res.check()
        time.sleep(3)


def snapshot(m: Machine, rec: Recorder, step: str, udev: bool = True, smart: bool = True) -> None:
    """Record the state a parser sees at this step (all pools, disks, udev).
    Without record mode this does nothing but count the step. The udev
    database (~115 KB) and SMART are saved only when the set of disks differs
    from the last step that saved them, to keep the fixtures small."""
    rec.next_step()
    if not rec.enabled:
        return
    disks_now = m.run("ls -l /dev/disk/by-id | awk '{print $9, $11}'").out
    if disks_now == rec.last_disks:
        udev = smart = False
    elif udev:
        rec.last_disks = disks_now
    json_ok = m.run("zpool status -j >/dev/null 2>&1").ok
    cmds: list[tuple[str, str, bool]] = [
        ("zpool status -P -v", "zpool-status-Pv", False),
        ("zpool status -v", "zpool-status-v", False),
        ("zpool list -v -H -p -P", "zpool-list-vHpP", False),
        ("ls -l /dev/disk/by-id", "by-id", False),
    ]
    if json_ok:
        cmds += [
            ("zpool status -j --json-int -P", "zpool-status-j", True),
            ("zpool list -j --json-int -p -v", "zpool-list-j", True),
        ]
    if udev:
        cmds.append(("udevadm info --export-db", "udevadm-export-db", False))
    for cmd, what, is_json in cmds:
        res: Result = m.run(cmd, timeout=60)
        rec.save(step, what, res, json_output=is_json, note="timed out" if res.timed_out else "")
    if smart:
        devs = m.run("lsblk -d -n -o NAME,TRAN | grep -v '^vda '").out.split("\n")
        for line in filter(None, devs):
            name, *tran = line.split()
            res = m.run(f"smartctl -x -j /dev/{name}", timeout=60)
            rec.save(step, f"smartctl-{name}", res, json_output=True)
            if tran and tran[0] == "usb":
                res = m.run(f"smartctl -x -j -d sat /dev/{name}", timeout=60)
                rec.save(step, f"smartctl-sat-{name}", res, json_output=True)
