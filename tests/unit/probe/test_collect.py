"""collect(): the registry, one `zpool version` a pass, and partial passes (`only=`, `previous=`).

Real programs: a fake `zpool` and `smartctl` on disk that answer with the lab's recordings
of the seed story (OpenZFS 2.3.2 VM) and log each call. This machine has no udev database,
so the udev probe is given the lab's recorded ones (01-healthy, then 02-degraded where the
USB-bridged disk came back as /dev/sdc).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nodewatch.config import Config, SmartSettings, ZfsSettings
from nodewatch.model import ProbeOutcome, ProbeResult
from nodewatch.parse.udev_db import parse_udev_db
from nodewatch.probe import collect as module
from nodewatch.probe import udev
from nodewatch.probe.result import Reading
from tests.support.recordings import LAB, body

SEED = LAB / "seed-usb-reattach" / "zfs23"


def _program(path: Path, text: str) -> Path:
    path.write_text(f"#!{sys.executable}\nimport sys\nargs = sys.argv[1:]\n{text}\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Config, Path, Path]:
    """A node at the seed story's healthy step: (config, fake root, call log)."""
    calls = tmp_path / "calls.log"
    for name in ("zpool-status-j.json", "zpool-list-j.json"):
        (tmp_path / name).write_text(body(SEED / f"01-healthy-{name}"))
    zpool = _program(
        tmp_path / "zpool",
        f"""
open({str(calls)!r}, "a").write("zpool " + " ".join(args) + "\\n")
if args[0] == "version":
    print("zfs-2.3.2-2~bpo12+2\\nzfs-kmod-2.3.2-2~bpo12+2")
elif args[0] in ("status", "list"):
    print(open({str(tmp_path)!r} + f"/zpool-{{args[0]}}-j.json").read())
""",
    )
    smartctl = _program(
        tmp_path / "smartctl",
        f"""
import json
open({str(calls)!r}, "a").write("smartctl " + args[-1] + "\\n")
text = open({str(SEED)!r} + "/01-healthy-smartctl-" + args[-1].rsplit("/", 1)[-1] + ".json").read()
print(text)
sys.exit(json.loads(text)["smartctl"]["exit_status"])
""",
    )
    root = tmp_path / "root"
    kstat = root / "proc/spl/kstat/zfs/bigdata/state"
    kstat.parent.mkdir(parents=True)
    kstat.write_text("ONLINE\n")
    (root / "proc/self").mkdir(parents=True)
    (root / "proc/self/mountinfo").write_text("22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n")
    _udev_step(monkeypatch, "01-healthy")
    config = Config(
        zfs=ZfsSettings(zpool_command=str(zpool), timeout_seconds=10),
        smart=SmartSettings(smartctl_command=str(smartctl), timeout_seconds=10),
    )
    return config, root, calls


def _udev_step(monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    devices = parse_udev_db((SEED / f"{step}-udevadm-export-db.txt").read_text(), source=step).devices

    def recorded(root: Path = Path("/"), mounts: object = ()) -> Reading[object]:
        return Reading(devices, ProbeResult("udev", ProbeOutcome.OK))

    monkeypatch.setattr(udev, "read_block_devices", recorded)


def _calls(log: Path) -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    log.write_text("")
    return lines


def test_a_pass_runs_every_probe_once_and_zpool_version_once(node) -> None:
    config, root, calls = node
    snapshot = module.collect(config, root)
    # The fake root is no Pi, has no sensors, no eMMC, is not NixOS and has no /dev/kmsg:
    # those probes are skipped (nothing to say), so no result lists them.
    # btrfs is skipped the same way where no btrfs filesystem is mounted, as here.
    absent = {"power", "thermal", "flash", "nixos", "kernel_log", "btrfs"}
    assert [p.name for p in snapshot.probes] == [name for name in module.PROBES if name not in absent]
    assert all(p.outcome is ProbeOutcome.OK for p in snapshot.probes), snapshot.probes
    ran = _calls(calls)
    zpool = [c for c in ran if c.startswith("zpool")]
    assert zpool[0] == "zpool version"  # then status and list, side by side
    assert sorted(zpool[1:]) == ["zpool list -j --json-int -p", "zpool status -j --json-int -v"]
    assert sorted(c for c in ran if c.startswith("smartctl")) == [
        "smartctl /dev/sda",
        "smartctl /dev/sdb",
        "smartctl /dev/sdc",
    ]
    assert snapshot.zfs_version == "2.3.2"
    assert snapshot.kstat_states == {"bigdata": "ONLINE"}
    assert [m.target for m in snapshot.mounts] == ["/"]
    assert {d.devnode: d.smart.serial for d in snapshot.disks if d.smart and d.smart.available} == {
        "/dev/sda": "WD-WX72D122955L",
        "/dev/sdb": "WD-WX12D000FCA7",
        "/dev/sdc": "WD-WX62D229KY5H",
    }
    assert {r.probe for r in snapshot.raw} == {"zpool", "smartctl"}


def test_only_kstat_reads_kstat_and_keeps_the_rest(node) -> None:
    config, root, calls = node
    full = module.collect(config, root)
    _calls(calls)
    (root / "proc/spl/kstat/zfs/bigdata/state").write_text("SUSPENDED\n")
    quick = module.collect(config, root, only={"kstat"}, previous=full)
    assert _calls(calls) == []  # no zpool, no smartctl
    assert quick.kstat_states == {"bigdata": "SUSPENDED"}
    assert quick.pool_status is full.pool_status and quick.inventory is full.inventory
    assert quick.raw == full.raw and quick.zfs_version == full.zfs_version
    assert [p for p in quick.probes if p.name != "kstat"] == [p for p in full.probes if p.name != "kstat"]
    assert quick.collected_at > full.collected_at


def test_only_udev_after_a_udev_event_keeps_smart_of_the_same_drives(node, monkeypatch) -> None:
    config, root, calls = node
    full = module.collect(config, root)
    _calls(calls)
    # The disks renumbered: WX62D229KY5H (was sdc) is sda now, WX72D122955L (was sda) sdb, and
    # sdc is the drive that came back behind a USB bridge, under by-id names not seen before.
    _udev_step(monkeypatch, "02-degraded")
    after_event = module.collect(config, root, only={"udev"}, previous=full)
    assert _calls(calls) == []  # SMART is not read again for a udev event
    before = {d.devnode: d.smart for d in full.disks}
    disks = {d.devnode: d for d in after_event.disks}
    assert disks["/dev/sdc"].bridge is not None  # the new inventory
    assert disks["/dev/sdc"].smart is None
    assert disks["/dev/sda"].smart == before["/dev/sdc"]
    assert disks["/dev/sdb"].smart == before["/dev/sda"]
    assert after_event.pool_status is full.pool_status


def test_only_smartctl_reads_udev_again_since_a_snapshot_keeps_no_udev_records(node) -> None:
    config, root, calls = node
    full = module.collect(config, root)
    _calls(calls)
    again = module.collect(config, root, only={"smartctl"}, previous=full)
    assert sorted(_calls(calls)) == ["smartctl /dev/sda", "smartctl /dev/sdb", "smartctl /dev/sdc"]
    assert again.pool_status is full.pool_status


def test_only_needs_a_previous_snapshot_and_known_names(node) -> None:
    config, root, _calls_log = node
    with pytest.raises(ValueError, match="previous"):
        module.collect(config, root, only={"kstat"})
    with pytest.raises(ValueError, match="unknown probe"):
        module.collect(config, root, only={"zfs"}, previous=module.collect(config, root))


def test_a_failed_pass_says_which_probe_and_why_without_raising(node, tmp_path) -> None:
    _config, root, _calls_log = node
    broken = Config(
        zfs=ZfsSettings(zpool_command=str(tmp_path / "absent-zpool")),
        smart=SmartSettings(smartctl_command=str(tmp_path / "absent-smartctl")),
    )
    snapshot = module.collect(broken, root)
    results = {p.name: (p.outcome, p.error_kind and p.error_kind.value) for p in snapshot.probes}
    assert results["zpool"] == (ProbeOutcome.NO_DATA, "not_installed")
    assert results["smartctl"] == (ProbeOutcome.NO_DATA, "not_installed")
    assert snapshot.pool_status is None and snapshot.inventory is not None


def test_smart_turned_off_or_without_disks_adds_no_result_of_its_own(node, monkeypatch) -> None:
    config, root, calls = node
    off = Config(zfs=config.zfs, smart=SmartSettings(enabled=False))
    assert "smartctl" not in [p.name for p in module.collect(off, root).probes]
    assert not [c for c in _calls(calls) if c.startswith("smartctl")]

    def no_udev(root: Path = Path("/"), mounts: object = ()) -> Reading[object]:
        return Reading((), ProbeResult("udev", ProbeOutcome.NO_DATA, "no udev database at /run/udev"))

    monkeypatch.setattr(udev, "read_block_devices", no_udev)
    names = [p.name for p in module.collect(config, root).probes]
    assert "udev" in names and "smartctl" not in names  # udev's result says why, once
