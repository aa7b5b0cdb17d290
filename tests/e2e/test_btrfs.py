"""btrfs on the lab's virtual disks: a single SD card and a 2-device RAID1, broken the way
they break, with nodewatch's own fixes run in the guest.

One boot on zfs23 only: btrfs lives in the guest's kernel (6.1) and btrfs-progs (6.2), which
are the same in both flavours; the ZFS version plays no part.

1. made: the card with `-m single` (what older mkfs.btrfs and some images give), the pair
   RAID1. nodewatch flags the single metadata; its `-mconvert=dup,soft` balance makes it DUP.
2. corrupted: 16 KiB of a file overwritten on the card (single data: no good copy) and on
   one device of the pair (one mirror's copy); a scrub (the monthly one) finds them.
   nodewatch: uncorrectable on the card (critical, the kernel-log command names the file),
   corruption counted on the pair's device (warning).
3. fixed: nodewatch's commands: scrub, then `btrfs device stats -z`; on the card the damaged
   file is deleted first. nodewatch then says nothing about either device.
4. pulled: one device of the pair unplugged while mounted, written to, plugged back: btrfs
   keeps it MISSING while mounted. nodewatch's commands (mount again as fstab says, scrub,
   then reset the counters) bring it back; the data written meanwhile reads back intact and
   a last scrub finds nothing.
"""

from __future__ import annotations

import shlex
import time
from typing import Any

import pytest

from .lab.disks import Disk, GiB
from .lab.expect import expect
from .lab.guestpkg import nodewatch_json
from .lab.record import Recorder
from .lab.vm import Machine, log
from .test_scenarios import LabFactory

pytestmark = pytest.mark.e2e

CARD, PAIR = "/mnt/card", "/mnt/pair"


def record(m: Machine, rec: Recorder, step: str) -> None:
    """The four commands nodewatch runs, for each filesystem, as fixtures."""
    rec.next_step()
    for where, name in ((CARD, "card"), (PAIR, "pair")):
        if m.run(f"mountpoint -q {where}").rc != 0:
            continue
        for what, cmd in (
            ("show", f"btrfs filesystem show --raw {where}"),
            ("stats", f"btrfs device stats {where}"),
            ("scrub", f"btrfs scrub status {where}"),
            ("usage", f"btrfs filesystem usage -b {where}"),
        ):
            rec.save(step, f"{name}-{what}", m.run(cmd))
    rec.save(step, "dmesg-btrfs", m.run("dmesg | grep -i btrfs | tail -n 60"))


def diagnose(m: Machine) -> dict[str, list[dict[str, Any]]]:
    """nodewatch's btrfs findings, by mountpoint (one `nodewatch diagnose --json`)."""
    report = nodewatch_json(m, "diagnose") or {}
    by_fs: dict[str, list[dict[str, Any]]] = {CARD: [], PAIR: []}
    for f in report.get("findings", []):
        by_fs.setdefault(f.get("filesystem") or "", []).append(f)
    return by_fs


def findings(m: Machine, where: str) -> list[dict[str, Any]]:
    return diagnose(m)[where]


def codes(found: list[dict[str, Any]]) -> list[str]:
    return [f["code"] for f in found]


def one(found: list[dict[str, Any]], code: str) -> dict[str, Any] | None:
    return next((f for f in found if f["code"] == code), None)


def scrub_done(m: Machine, where: str, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    while True:
        out = m.run(f"btrfs scrub status {where}").out
        if "Status:           running" not in out or time.monotonic() > deadline:
            return out
        time.sleep(2)


def corrupt(m: Machine, device: str, marker: str) -> int:
    """Overwrite 16 KiB where the marked file's data starts on `device` (unmounted)."""
    offset = int(m.sh(f"grep -obUa -m1 {marker} {device} | head -n1 | cut -d: -f1").strip())
    m.sh(f"dd if=/dev/urandom of={device} bs=4096 count=4 seek={offset} oflag=seek_bytes conv=notrunc,fsync")
    return offset


def run_action(m: Machine, action: dict[str, Any], timeout: float = 300) -> str:
    log(f"running nodewatch's command: {action['command']}")
    res = m.run(action["command"], timeout=timeout)
    log(f"  rc={res.rc} {res.out.strip()[-300:]} {res.err.strip()[-300:]}")
    return res.out


@pytest.mark.parametrize("flavour", ["zfs23"])
def test_btrfs_card_and_pair(lab_factory: LabFactory, flavour: str) -> None:
    lab = lab_factory(flavour, "btrfs")
    d = lab.disks_dir
    card = Disk("card", d / "card.raw", "sd", size=2 * GiB)
    pair = [Disk(f"pair{n}", d / f"pair{n}.raw", "virtio", size=2 * GiB, serial=f"PAIR0{n}") for n in (1, 2)]
    m = lab.boot([card, *pair], install=True)
    log(m.sh("btrfs --version"))
    sd = "/dev/mmcblk0"
    p1, p2 = (m.sh(f"readlink -f /dev/disk/by-id/virtio-PAIR0{n}").strip() for n in (1, 2))

    # 1. made
    # -K: no whole-device TRIM first. QEMU's SD card erases sector by sector; under a loaded
    # CI host that alone took over 120 s (the mkfs itself takes seconds).
    m.sh(f"mkfs.btrfs -f -K -L card -m single -d single {sd}", timeout=300)
    m.sh(f"mkfs.btrfs -f -K -L pair -m raid1 -d raid1 {p1} {p2}", timeout=300)
    for device, where in ((sd, CARD), (p1, PAIR)):  # in /etc/fstab, as on a real node
        m.sh(
            f'echo "UUID=$(blkid -s UUID -o value {device}) {where} btrfs defaults,nofail 0 0" >> /etc/fstab'
        )
    m.sh(f"mkdir -p {CARD} {PAIR} && mount {CARD} && mount {PAIR}")
    for where, marker in ((CARD, "NODEWATCH-CARD-MARK"), (PAIR, "NODEWATCH-PAIR-MARK")):
        m.sh(
            f"yes {marker} | head -c 1M > {where}/marked.txt && head -c 32M /dev/urandom > {where}/photos.bin"
        )
    m.sh("sync")
    record(m, lab.rec, "made")
    # What a service without privileges reads (nobody, no capabilities).
    for what, cmd in (
        ("show", f"btrfs filesystem show --raw {CARD}"),
        ("stats", f"btrfs device stats {CARD}"),
        ("scrub", f"btrfs scrub status {CARD}"),
        ("usage", f"btrfs filesystem usage -b {CARD}"),
    ):
        res = m.run(f"setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all {cmd}")
        log(f"unprivileged `{cmd}`: rc={res.rc} {res.err.strip()[:200]}")
        lab.rec.save("made", f"card-{what}-unprivileged", res)
    seen = diagnose(m)
    card_findings = seen[CARD]
    log(f"nodewatch on the new card: {codes(card_findings)}; pair: {codes(seen[PAIR])}")
    single = one(card_findings, "btrfs-metadata-single")
    expect(single is not None, "nodewatch flags the card's single metadata", m.name)
    if single is not None:
        expect(
            single["actions"][0]["command"] == f"btrfs balance start -mconvert=dup,soft {CARD}",
            "the fix is the soft metadata conversion to DUP",
            m.name,
        )
        run_action(m, single["actions"][0])
    else:
        m.sh(f"btrfs balance start -mconvert=dup,soft {CARD}")
    assert "Metadata, DUP" in m.sh(f"btrfs filesystem df {CARD}")
    expect(
        "btrfs-metadata-single" not in codes(findings(m, CARD)),
        "after the conversion nodewatch no longer flags the card's metadata",
        m.name,
    )

    # 2. corrupted, then the monthly scrub finds it
    m.sh(f"umount {CARD} {PAIR}")
    corrupt(m, sd, "NODEWATCH-CARD-MARK")
    corrupt(m, p2, "NODEWATCH-PAIR-MARK")
    m.sh(f"echo 3 > /proc/sys/vm/drop_caches; mount {sd} {CARD} && mount {p1} {PAIR}")
    for where in (CARD, PAIR):
        res = m.run(f"btrfs scrub start -B {where}", timeout=300)
        log(f"scrub of {where}: rc={res.rc}\n{res.out}{res.err}")
    assert "Uncorrectable:  0" not in m.sh(f"btrfs scrub status {CARD}")
    assert "Corrected:" in m.sh(f"btrfs scrub status {PAIR}")
    record(m, lab.rec, "scrubbed")
    seen = diagnose(m)
    card_findings, pair_findings = seen[CARD], seen[PAIR]
    log(f"nodewatch after the scrub: card {codes(card_findings)}; pair {codes(pair_findings)}")
    lost = one(card_findings, "btrfs-scrub-uncorrectable")
    expect(lost is not None and lost["severity"] == 2, "the card's lost block is critical", m.name)
    counted = one(pair_findings, "btrfs-device-errors")
    expect(
        counted is not None and (counted.get("disk") or {}).get("devnode") == p2,
        f"nodewatch names {p2} as the pair's device with errors",
        m.name,
    )

    # 3. fixed with nodewatch's commands
    if lost is not None:
        named = run_action(m, lost["actions"][0])
        expect("marked.txt" in named, "the kernel-log command names the damaged file", m.name)
    m.sh(f"rm -f {CARD}/marked.txt && sync")
    card_errors = one(card_findings, "btrfs-device-errors")
    for where, found in ((PAIR, counted), (CARD, card_errors)):
        if found is None or len(found["actions"]) < 2:
            m.sh(f"btrfs scrub start -B {where}; btrfs device stats -z {where}", timeout=300)
            continue
        scrub, reset = found["actions"][:2]
        assert shlex.split(scrub["command"])[:3] == ["btrfs", "scrub", "start"]
        run_action(m, scrub)
        result = scrub_done(m, where)
        log(f"{where} after nodewatch's scrub:\n{result}")
        expect("no errors found" in result, f"nodewatch's scrub of {where} comes back clean", m.name)
        run_action(m, reset)
    record(m, lab.rec, "fixed")
    seen = diagnose(m)
    left = [f for where in (CARD, PAIR) for f in seen[where] if f["severity"] >= 1]
    expect(not left, f"after the fixes nodewatch has no btrfs warning left ({codes(left)})", m.name)
    assert all(int(line.split()[-1]) == 0 for line in m.sh(f"btrfs device stats {PAIR}").splitlines())

    # 4. one device of the pair pulled while mounted, written to, plugged back
    gone = m.detach("pair2")
    m.run(f"head -c 16M /dev/urandom > {PAIR}/while-pulled.bin; sync", timeout=120)
    sha = m.sh(f"sha256sum {PAIR}/while-pulled.bin").split()[0]
    record(m, lab.rec, "pulled")
    pulled = findings(m, PAIR)
    log(f"nodewatch with a pair device pulled: {codes(pulled)}")
    expect(
        bool({"btrfs-device-missing", "btrfs-device-errors"} & set(codes(pulled))),
        "nodewatch sees the pulled device (missing, or its write errors)",
        m.name,
    )
    m.attach(gone)
    record(m, lab.rec, "plugged-back")
    back = findings(m, PAIR)
    log(f"nodewatch with the device back, still mounted: {codes(back)}")
    missing = one(back, "btrfs-device-missing")
    expect(missing is not None, "btrfs still counts the device missing while mounted", m.name)
    actions = missing["actions"] if missing is not None else []
    remount = next((a for a in actions if a["command"].startswith("umount ")), None)
    expect(
        remount is not None and remount["command"] == f"umount {PAIR} && mount {PAIR}",
        "nodewatch's fix for the returned device is mounting again as fstab says",
        m.name,
    )
    if remount is not None:
        run_action(m, remount, timeout=120)
    if "MISSING" in m.sh(f"btrfs filesystem show {PAIR}"):
        m.sh(f"umount {PAIR} && btrfs device scan && mount {PAIR}", timeout=120)
    assert "MISSING" not in m.sh(f"btrfs filesystem show {PAIR}")
    scrub = next((a for a in actions if a["command"].startswith("btrfs scrub start")), None)
    if scrub is not None:
        run_action(m, scrub)
    else:
        m.sh(f"btrfs scrub start {PAIR}")
    result = scrub_done(m, PAIR)
    log(f"scrub after the device came back:\n{result}")
    assert "Uncorrectable:  0" in result or "no errors found" in result
    errors = one(findings(m, PAIR), "btrfs-device-errors")
    if errors is not None and len(errors["actions"]) >= 2:
        run_action(m, errors["actions"][1])
    record(m, lab.rec, "resynced")
    left = [f for f in findings(m, PAIR) if f["severity"] >= 1]
    expect(
        not left,
        f"after remount, scrub and reset nodewatch has no warning on the pair ({codes(left)})",
        m.name,
    )
    # Both copies of what was written while the device was out are good now (the scrub read both).
    m.sh(f"echo 3 > /proc/sys/vm/drop_caches; umount {PAIR} && mount {PAIR}")
    assert m.sh(f"sha256sum {PAIR}/while-pulled.bin").split()[0] == sha
    assert "no errors found" in m.sh(f"btrfs scrub start -B {PAIR}; btrfs scrub status {PAIR}", timeout=300)
