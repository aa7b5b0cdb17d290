"""`nodewatch --version` says, for a bug report, what nodewatch runs with.

The fake `zpool` and `smartctl` print what the lab's Debian 12 guest printed
(`zpool version` of OpenZFS 2.3.2 from bookworm-backports; the banner line of
smartctl 7.3 in shared/lab/observed/disk-ids/smartctl-lsusb-lspci.txt).
"""

import os
import stat
import subprocess
import sys

from nodewatch import __version__


def fake(directory, name, output):
    script = directory / name
    script.write_text(f"#!{sys.executable}\nprint({output!r})\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def version(path_dir):
    env = {**os.environ, "PATH": f"{path_dir}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        [sys.executable, "-m", "nodewatch", "--version"], capture_output=True, text=True, env=env, check=False
    )


def test_version_names_python_openzfs_and_smartmontools(tmp_path):
    fake(tmp_path, "zpool", "zfs-2.3.2-2~bpo12+2\nzfs-kmod-2.3.2-2~bpo12+2")
    fake(
        tmp_path,
        "smartctl",
        "smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0-56-amd64] (local build)\nCopyright",
    )
    result = version(tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"nodewatch {__version__}"
    assert f"python: CPython {sys.version.split()[0]}" in lines
    assert "zfs: zfs-2.3.2-2~bpo12+2, zfs-kmod-2.3.2-2~bpo12+2" in lines
    assert "smartmontools: smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0-56-amd64] (local build)" in lines


def test_version_says_what_is_missing(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "nodewatch", "--version"],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "zfs: not found (zpool: not found)" in result.stdout
    assert "smartmontools: not found (smartctl: not found)" in result.stdout
