"""The imports probe against fake `zpool`, `zdb` and `journalctl` programs that print what
the lab recorded (tests/fixtures/lab/not-imported-usb: a raidz1 whose two USB members came
up after the boot import): real processes, no mocks."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from nodewatch.config import ZfsSettings
from nodewatch.model import ExpectedFrom, PoolSource, PoolStatus, ProbeOutcome
from nodewatch.parse.zpool_cache import parse_zpool_cache
from nodewatch.parse.zpool_status import parse_zpool_status, strip_preamble
from nodewatch.probe.imports import read_imports

LAB = Path(__file__).resolve().parents[2] / "fixtures" / "lab" / "not-imported-usb" / "zfs23"


def recorded(what: str) -> Path:
    (path,) = sorted(LAB.glob(f"*-after-boot-{what}.txt"))
    return path


def fake(directory: Path, name: str, body: str) -> Path:
    script = directory / name
    script.write_text(f"#!{sys.executable}\nimport sys\nargs = sys.argv[1:]\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def print_file(path: Path) -> str:
    return f"sys.stdout.write(''.join(l for l in open({str(path)!r}) if not l.startswith('# ')))"


@pytest.fixture
def node(tmp_path, monkeypatch):
    """A fake root with the cache file, and zpool/zdb/journalctl printing the lab's outputs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "etc" / "zfs").mkdir(parents=True)
    (tmp_path / "run" / "systemd" / "system").mkdir(parents=True)  # a node booted by systemd
    (tmp_path / "etc" / "zfs" / "zpool.cache").write_bytes(b"\0nvlist")
    calls = tmp_path / "calls"
    log = f"open({str(calls)!r}, 'a').write(' '.join(args) + '\\n')"
    listing = print_file(recorded("zpool-import-d-by-id"))
    zpool = fake(bin_dir, "zpool", f"{log}\nif args == ['import', '-d', '/dev/disk/by-id']:\n    {listing}")
    fake(bin_dir, "zdb", f"{log}\n{print_file(recorded('zdb-C-U-cachefile'))}")
    fake(bin_dir, "journalctl", f"{log}\n{print_file(recorded('boot-journal'))}")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return tmp_path, ZfsSettings(zpool_command=str(zpool)), calls


def nothing_imported() -> PoolStatus:
    return PoolStatus(pools=(), source=PoolSource.TEXT)


def test_a_pool_in_the_cache_file_and_the_boot_journal_is_expected_and_listed(node):
    root, settings, calls = node
    reading = read_imports(settings, nothing_imported(), root=root)
    assert reading.result.outcome is ProbeOutcome.OK, reading.result.reason
    (expected,) = reading.value.expected
    assert expected.name == "bigdata"
    assert set(expected.sources) == {ExpectedFrom.CACHE_FILE, ExpectedFrom.BOOT_IMPORT}
    assert "no such pool" in (expected.boot_error or "") or expected.boot_error
    assert any(path.startswith("/dev/disk/by-id/wwn-") for path in expected.member_paths)
    listed = reading.value.importable
    assert listed is not None and [pool.name for pool in listed.pools] == ["bigdata"]
    assert {raw.probe for raw in reading.raw} == {"imports"}
    # The by-id listing found it: plain `zpool import` was not needed.
    assert "import\n" not in calls.read_text()


def test_no_listing_when_every_expected_pool_is_imported(node):
    root, settings, calls = node
    status = parse_zpool_status(
        strip_preamble(recorded("zpool-import-d-by-id").read_text()).replace("   pool:", "  pool:"),
        source="test",
    )
    assert [pool.name for pool in status.pools] == ["bigdata"]
    reading = read_imports(settings, status, root=root)
    assert reading.value.importable is None
    assert "import" not in calls.read_text().split()


def test_no_listing_when_zpool_could_not_say_what_is_imported(node):
    root, settings, calls = node
    reading = read_imports(settings, None, root=root)
    assert reading.value.expected and reading.value.importable is None
    assert "import" not in calls.read_text().split()


def test_a_config_pool_is_expected_without_a_cache_file(node):
    root, settings, _ = node
    (root / "etc" / "zfs" / "zpool.cache").unlink()
    settings = ZfsSettings(zpool_command=settings.zpool_command, expected_pools=("tank",))
    reading = read_imports(settings, nothing_imported(), root=root)
    names = {pool.name: pool.sources for pool in reading.value.expected}
    assert names["tank"] == (ExpectedFrom.CONFIG,)
    assert ExpectedFrom.CACHE_FILE not in names.get("bigdata", ())


def test_without_zpool_the_probe_has_no_data(tmp_path):
    reading = read_imports(ZfsSettings(zpool_command=str(tmp_path / "zpool")), None, root=tmp_path)
    assert reading.result.outcome is ProbeOutcome.NO_DATA


def test_the_recorded_cache_file_dump_names_the_pool_and_its_member_paths():
    (pool,) = parse_zpool_cache(recorded("zdb-C-U-cachefile").read_text())
    assert pool.name == "bigdata" and pool.guid
    assert len(pool.paths) == 3
