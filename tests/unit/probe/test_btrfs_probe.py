"""The btrfs probe against a fake `btrfs` program printing recorded outputs (no mocks):
each filesystem read once, raw outputs kept, a hung or absent btrfs said plainly."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from nodewatch.model import Mount, ProbeErrorKind, ProbeOutcome
from nodewatch.probe.btrfs import mounted, read_filesystems
from nodewatch.probe.result import Deadline
from tests.support.recordings import body, header

PUBLIC = Path(__file__).resolve().parents[2] / "fixtures" / "btrfs"
MOUNTS = (
    Mount("/dev/sdb", "/", "btrfs", "0:26"),
    Mount("/dev/sdb", "/home", "btrfs", "0:27"),  # a subvolume of the same filesystem
    Mount("/dev/sda1", "/boot", "vfat", "8:1"),
)


def _fake_btrfs(tmp_path: Path, script: str) -> Path:
    path = tmp_path / "btrfs"
    log = tmp_path / "calls"
    path.write_text(
        f"#!{sys.executable}\nimport sys, time\nargs = sys.argv[1:]\n"
        f"open({str(log)!r}, 'a').write(' '.join(args) + '\\n')\n{script}\n"
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _printing(tmp_path: Path) -> Path:
    outputs = {
        "filesystem show": "filesystem-show.progs-286-three-devices.txt",
        "device stats": "device-stats.progs-6.1.3-sdb1-errors.txt",
        "scrub status": "scrub-status.progs-uncorrectable-11.txt",
        "filesystem usage": "filesystem-usage.progs-686-raid1-excerpt.txt",
    }
    for key, name in outputs.items():
        (tmp_path / key.replace(" ", "-")).write_text(body(PUBLIC / name))
    return _fake_btrfs(tmp_path, f"print(open({str(tmp_path)!r} + '/' + '-'.join(args[:2])).read())")


def test_only_btrfs_mounts_once_each():
    assert [m.target for m in mounted(MOUNTS)] == ["/"]


def test_each_filesystem_is_read_with_four_commands(tmp_path):
    reading = read_filesystems(MOUNTS, str(_printing(tmp_path)), 5)
    assert reading.ok and reading.value is not None
    [fs] = reading.value
    assert fs.mountpoint == "/" and fs.total_devices == 3
    assert fs.scrub is not None and fs.scrub.uncorrectable == 11
    assert fs.usage is not None and fs.usage.allocations[0].profile == "RAID1"
    assert (tmp_path / "calls").read_text().splitlines() == [
        "filesystem show --raw /",
        "device stats /",
        "scrub status /",
        "filesystem usage -b /",
    ]
    assert [raw.command.split()[1:3] for raw in reading.raw] == [
        ["filesystem", "show"],
        ["device", "stats"],
        ["scrub", "status"],
        ["filesystem", "usage"],
    ]
    assert all(raw.probe == "btrfs" for raw in reading.raw)


def test_no_btrfs_mounted_is_skipped_without_running_anything(tmp_path):
    reading = read_filesystems(MOUNTS[2:], str(tmp_path / "absent"), 5)
    assert reading.skipped and reading.value == ()


def test_btrfs_mounted_but_not_installed(tmp_path):
    reading = read_filesystems(MOUNTS, str(tmp_path / "absent"), 5)
    assert reading.result.outcome is ProbeOutcome.FAILED
    assert reading.result.error_kind is ProbeErrorKind.NOT_INSTALLED
    assert "install btrfs-progs" in (reading.result.reason or "")


def test_a_command_refused_leaves_that_part_unread_and_says_why(tmp_path):
    show = body(PUBLIC / "filesystem-show.progs-286-three-devices.txt")
    script = (
        f"if args[:2] == ['filesystem', 'show']: print({show!r})\n"
        "elif args[:2] == ['scrub', 'status']:\n"
        "    print('ERROR: permission denied to scrub status', file=sys.stderr); sys.exit(1)\n"
        "else: print('')\n"
    )
    reading = read_filesystems(MOUNTS, str(_fake_btrfs(tmp_path, script)), 5)
    assert reading.ok and reading.value is not None
    [fs] = reading.value
    assert fs.scrub is None and fs.usage is None
    assert "permission denied" in (reading.result.reason or "")


def test_a_hung_btrfs_is_killed_at_its_timeout(tmp_path):
    btrfs = _fake_btrfs(tmp_path, "time.sleep(30)")
    reading = read_filesystems(MOUNTS, str(btrfs), 0.5, deadline=Deadline(5))
    assert reading.result.outcome is ProbeOutcome.FAILED
    assert "did not finish" in (reading.result.reason or "")
    assert reading.result.duration_seconds < 3


LAB = Path(__file__).resolve().parents[2] / "fixtures" / "lab" / "btrfs" / "zfs23"


def test_without_root_the_probe_says_it_needs_cap_sys_admin():
    # The fake prints what btrfs-progs 6.2 printed in the lab to a user without privileges
    # (01-made-card-*-unprivileged.txt); the probe runs as that user (setpriv, nobody).
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("running the probe as another user needs root and setpriv (util-linux)")
    recorded = {
        what: (
            body(LAB / f"01-made-card-{what}-unprivileged.txt"),
            header(LAB / f"01-made-card-{what}-unprivileged.txt"),
        )
        for what in ("show", "stats", "scrub", "usage")
    }
    # pytest's tmp_path lies under a directory only root may enter: a directory of its own,
    # and a /bin/sh fake (the test's Python may lie under /root too).
    tmp_path = Path(tempfile.mkdtemp(prefix="nodewatch-btrfs-"))
    tmp_path.chmod(0o755)
    script = '#!/bin/sh\ncase "$1 $2" in\n'
    for what, argv in (
        ("show", "filesystem show"),
        ("stats", "device stats"),
        ("scrub", "scrub status"),
        ("usage", "filesystem usage"),
    ):
        out, keys = recorded[what]
        (tmp_path / f"{what}.out").write_text(out)
        (tmp_path / f"{what}.err").write_text(keys["stderr"] + "\n")
        script += (
            f'  "{argv}") cat {tmp_path}/{what}.out; cat {tmp_path}/{what}.err >&2; exit {keys["rc"]};;\n'
        )
    script += "esac\n"
    btrfs = tmp_path / "btrfs"
    btrfs.write_text(script)
    btrfs.chmod(0o755)
    for path in tmp_path.iterdir():
        path.chmod(0o755)
    code = (
        "from nodewatch.model import Mount; from nodewatch.probe.btrfs import read_filesystems\n"
        f"r = read_filesystems([Mount('/dev/mmcblk0', '/mnt/card', 'btrfs', '0:30')], {str(btrfs)!r}, 5)\n"
        "print(r.result.error_kind.value, r.result.reason, sep='|')\n"
    )
    repo = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            sys.executable,
            "-c",
            code,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd="/",
        env={"PYTHONPATH": str(repo)},
    )
    shutil.rmtree(tmp_path)
    assert done.returncode == 0, done.stderr
    kind, reason = done.stdout.strip().split("|", 1)
    assert kind == "permission_denied", reason
    assert "needs root (CAP_SYS_ADMIN)" in reason and "not a valid btrfs filesystem" in reason
