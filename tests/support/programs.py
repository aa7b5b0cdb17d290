"""Real programs the tests run: fake `zpool` scripts that print lab recordings, configs
that point nodewatch at them, and nodewatch itself in a child process (no mocks)."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from nodewatch.config import Config, SmartSettings, ZfsSettings
from tests.support.recordings import LAB, body

REPO = Path(__file__).resolve().parents[2]
SEED = LAB / "seed-usb-reattach" / "zfs23"


def fake_zpool(tmp_path: Path, script: str, *, executable: bool = True) -> Path:
    """Write a `zpool` Python script whose behaviour is `script` (argv in `args`)."""
    path = tmp_path / "zpool"
    path.write_text(f"#!{sys.executable}\nimport sys, time\nargs = sys.argv[1:]\n{script}\n")
    if executable:
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def seed_zpool(tmp_path: Path) -> Path:
    """A zpool that answers like the lab's degraded seed pool on OpenZFS 2.3.2."""
    status = tmp_path / "status.json"
    status.write_text(body(SEED / "02-degraded-zpool-status-j.json"))
    listing = tmp_path / "list.json"
    listing.write_text(body(SEED / "02-degraded-zpool-list-j.json"))
    return fake_zpool(
        tmp_path,
        f"""
if args[0] == "version":
    print("zfs-2.3.2-2~bpo12+2\\nzfs-kmod-2.3.2-2~bpo12+2")
elif args[:2] == ["status", "-j"]:
    print(open({str(status)!r}).read())
elif args[:2] == ["list", "-j"]:
    print(open({str(listing)!r}).read())
""",
    )


def config_for(zpool: Path, timeout: float = 5.0, *, smart: bool = True) -> Config:
    """A Config that runs this zpool with this timeout."""
    return Config(
        zfs=ZfsSettings(zpool_command=str(zpool), timeout_seconds=timeout),
        smart=SmartSettings(enabled=smart),
    )


def config_file(tmp_path: Path, zpool: Path, timeout: float = 5) -> Path:
    """A config.toml that runs this zpool with this timeout, SMART off."""
    path = tmp_path / "config.toml"
    path.write_text(
        f'[zfs]\nzpool_command = "{zpool}"\ntimeout_seconds = {timeout}\n[smart]\nenabled = false\n'
    )
    return path


def nodewatch(*args: str, config: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m nodewatch --config CONFIG ARGS…` from this checkout."""
    return subprocess.run(
        [sys.executable, "-m", "nodewatch", "--config", str(config), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=60,
    )
