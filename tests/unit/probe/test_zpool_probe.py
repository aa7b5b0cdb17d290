"""The zpool probe against fake `zpool` programs: real processes, real timeouts,
real permission errors — no mocks. The fake scripts print recorded outputs."""

from pathlib import Path

import pytest

from nodewatch.config import defaults
from nodewatch.model import ProbeErrorKind, ProbeOutcome
from nodewatch.probe.zpool import detect_json_support, read_kstat_state, read_kstat_states, read_pools
from tests.support.programs import config_for, fake_zpool

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
HEALTHY_JSON = FIXTURES / "zpool-status-json" / "lab-2.3.2-raidz1-healthy.json"
MISSING_TEXT = FIXTURES / "zpool-status-text" / "lab-2.3.2-member-missing-P.txt"


def read(config, **kwargs):
    """read_pools with the [zfs] settings of `config`: (pool status, result, raw outputs)."""
    reading = read_pools(config.zfs.zpool_command, config.zfs.timeout_seconds, **kwargs)
    return reading.value.pool_status, reading.result, list(reading.raw)


def test_read_pools_uses_json_on_openzfs_2_3(tmp_path):
    zpool = fake_zpool(
        tmp_path,
        f"""
if args[0] == "version":
    print("zfs-2.3.2-2~bpo12+2\\nzfs-kmod-2.3.2-2~bpo12+2")
elif args[:2] == ["status", "-j"]:
    print("".join(l for l in open({str(HEALTHY_JSON)!r}) if not l.startswith("#")))
elif args[:2] == ["list", "-j"]:
    print('{{"pools": {{"bigdata": {{"name": "bigdata", "properties": {{"size": {{"value": 100}}, '
          '"allocated": {{"value": 40}}, "free": {{"value": 60}}, "capacity": {{"value": 40}}}}}}}}}}')
""",
    )
    pools, probe, raw = read(config_for(zpool))
    assert probe.outcome is ProbeOutcome.OK, probe.reason
    assert pools.source.value == "json"
    assert pools.pools[0].capacity.capacity_percent == 40
    assert [r.command.split()[1:3] for r in raw] == [["version"], ["status", "-j"], ["list", "-j"]]
    assert {r.probe for r in raw} == {"zpool"}


def test_read_pools_falls_back_to_P_text_on_older_zfs(tmp_path):
    zpool = fake_zpool(
        tmp_path,
        f"""
if args[0] == "version":
    sys.exit(2)  # ZoL 0.7 has no `zpool version`
elif args[0] == "status":
    assert args == ["status", "-P", "-v"], args
    print("".join(l for l in open({str(MISSING_TEXT)!r}) if not l.startswith("#")))
elif args[0] == "list":
    print("bigdata\\t5905580032\\t316727296\\t5588852736\\t0\\t5")
""",
    )
    pools, probe, _raw = read(config_for(zpool))
    assert probe.outcome is ProbeOutcome.OK, probe.reason
    pool = pools.pools[0]
    assert (pools.source.value, pool.state, pool.capacity.capacity_percent) == ("text", "DEGRADED", 5)


def test_read_pools_without_a_zpool_program_is_no_data(tmp_path):
    pools, probe, _raw = read(config_for(tmp_path / "no-such-zpool"))
    assert pools is None
    assert probe.outcome is ProbeOutcome.NO_DATA
    assert "no zpool program" in probe.reason


def test_read_pools_times_out_on_a_hung_zpool(tmp_path):
    zpool = fake_zpool(tmp_path, "time.sleep(30)")
    pools, probe, _raw = read(config_for(zpool, timeout=1.0))
    assert pools is None
    assert (probe.outcome, probe.error_kind) == (ProbeOutcome.FAILED, ProbeErrorKind.TIMED_OUT)
    assert "zpool version` did not finish within 1 s" in probe.reason
    # `zpool version` hung, so `zpool status` would too: it is not tried (one timeout, not two).
    assert probe.duration_seconds < 1.9


def test_read_pools_reports_permission_denied_for_a_program_it_cannot_run(tmp_path):
    zpool = fake_zpool(tmp_path, "print('never')", executable=False)
    pools, probe, _raw = read(config_for(zpool))
    assert pools is None
    assert (probe.outcome, probe.error_kind) == (ProbeOutcome.FAILED, ProbeErrorKind.PERMISSION_DENIED)
    assert "permission denied" in probe.reason


def test_read_pools_reports_garbage_output(tmp_path):
    zpool = fake_zpool(tmp_path, "print('Segmentation fault? no: just garbage')")
    pools, probe, _raw = read(config_for(zpool))
    assert pools is None
    assert (probe.outcome, probe.error_kind) == (ProbeOutcome.FAILED, ProbeErrorKind.BAD_OUTPUT)
    assert "no pool" in probe.reason


def test_read_pools_reports_unreadable_json(tmp_path):
    zpool = fake_zpool(
        tmp_path, "print('zfs-2.3.0') if args[0] == 'version' else print('{\"pools\": [truncated')"
    )
    pools, probe, _raw = read(config_for(zpool))
    assert pools is None
    assert "unreadable" in probe.reason and "not JSON" in probe.reason
    assert probe.error_kind is ProbeErrorKind.BAD_OUTPUT


# What zpool prints when libzfs cannot reach the kernel (libzfs_error_init in OpenZFS
# lib/libzfs/os/linux/libzfs_util_os.c; "internal error: failed to initialize ZFS library"
# is ZoL 0.6's zpool_main.c), exit 1.
NO_ZFS_MESSAGES = (
    "The ZFS modules are not loaded.\nTry running '/sbin/modprobe zfs' as root to load them.",
    "/dev/zfs and /proc/self/mounts are required.\nTry running 'udevadm trigger' and 'mount -t proc"
    " proc /proc' as root.",
    "The ZFS modules cannot be auto-loaded.\nTry running '/sbin/modprobe zfs' as root to manually load them.",
    "Failed to initialize the libzfs library.",
    "internal error: failed to initialize ZFS library",
)


@pytest.mark.parametrize("message", NO_ZFS_MESSAGES)
def test_an_installed_zpool_without_zfs_is_a_failure_not_no_data(tmp_path, message):
    zpool = fake_zpool(tmp_path, f"sys.stderr.write({message + chr(10)!r}); sys.exit(1)")
    dev_zfs = tmp_path / "zfs"
    dev_zfs.write_text("")  # the message alone tells, whether /dev/zfs is there or not
    pools, probe, _raw = read(config_for(zpool), dev_zfs=dev_zfs)
    assert pools is None
    assert (probe.outcome, probe.error_kind) == (ProbeOutcome.FAILED, ProbeErrorKind.ZFS_UNAVAILABLE)
    assert "cannot reach ZFS" in probe.reason


def test_an_installed_zpool_without_dev_zfs_is_a_failure(tmp_path):
    zpool = fake_zpool(tmp_path, "sys.stderr.write('something else\\n'); sys.exit(1)")
    pools, probe, _raw = read(config_for(zpool), dev_zfs=tmp_path / "dev-zfs-absent")
    assert pools is None
    assert (probe.outcome, probe.error_kind) == (ProbeOutcome.FAILED, ProbeErrorKind.ZFS_UNAVAILABLE)


def test_read_pools_with_no_pools_is_ok_and_empty(tmp_path):
    zpool = fake_zpool(tmp_path, "print('no pools available')")
    pools, probe, _raw = read(config_for(zpool))
    assert probe.outcome is ProbeOutcome.OK
    assert pools.pools == ()


def test_detect_json_support_reads_zpool_version(tmp_path):
    old = fake_zpool(tmp_path, "print('zfs-2.2.6-1\\nzfs-kmod-2.2.6-1')")
    assert detect_json_support(str(old)) is False
    (tmp_path / "zpool").unlink()
    new = fake_zpool(tmp_path, "print('zfs-2.4.0-1\\nzfs-kmod-2.4.0-1')")
    assert detect_json_support(str(new)) is True


def test_read_kstat_state_reads_a_fake_root(tmp_path):
    state = tmp_path / "proc/spl/kstat/zfs/bigdata/state"
    state.parent.mkdir(parents=True)
    state.write_text("SUSPENDED\n")
    (tmp_path / "proc/spl/kstat/zfs/arcstats").write_text("not a pool\n")
    assert read_kstat_state("bigdata", root=tmp_path) == "SUSPENDED"
    assert read_kstat_state("absent", root=tmp_path) is None
    assert read_kstat_state("../../etc", root=tmp_path) is None
    assert read_kstat_states(root=tmp_path) == {"bigdata": "SUSPENDED"}


def test_read_pools_reports_permission_denied_on_dev_zfs(tmp_path):
    # What ZoL < 0.7 prints to a non-root user (the device exists, access is refused), exit 1.
    dev_zfs = tmp_path / "zfs"
    dev_zfs.write_text("")
    zpool = fake_zpool(
        tmp_path, "sys.stderr.write('Unable to open /dev/zfs: Permission denied.\\n'); sys.exit(1)"
    )
    pools, probe, raw = read(config_for(zpool), dev_zfs=dev_zfs)
    assert pools is None
    assert (probe.outcome, probe.error_kind) == (ProbeOutcome.FAILED, ProbeErrorKind.PERMISSION_DENIED)
    assert probe.reason.startswith("permission denied reading pools")
    assert raw[-1].returncode == 1


def test_read_pools_retries_without_P_on_zfs_that_lacks_it(tmp_path):
    zpool = fake_zpool(
        tmp_path,
        f"""
if args[0] == "version":
    sys.exit(2)
elif args == ["status", "-P", "-v"]:
    sys.stderr.write("invalid option 'P'\\nusage:\\n"); sys.exit(2)
elif args == ["status", "-v"]:
    print("".join(l for l in open({str(MISSING_TEXT)!r}) if not l.startswith("#")))
else:
    sys.exit(1)
""",
    )
    pools, probe, raw = read(config_for(zpool))
    assert probe.outcome is ProbeOutcome.OK, probe.reason
    assert pools.pools[0].state == "DEGRADED"
    assert [r.command.split()[1:] for r in raw][:3] == [["version"], ["status", "-P", "-v"], ["status", "-v"]]


def test_read_pools_finds_zpool_on_path(tmp_path, monkeypatch):
    fake_zpool(tmp_path, "print('no pools available')")
    monkeypatch.setenv("PATH", str(tmp_path))
    config = defaults()  # zpool_command = "zpool", looked up in PATH
    pools, probe, _raw = read(config)
    assert (probe.outcome, pools.pools) == (ProbeOutcome.OK, ())


def test_read_pools_without_zpool_on_path_is_no_data(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    pools, probe, raw = read(defaults())
    assert (pools, probe.outcome, probe.error_kind, raw) == (
        None,
        ProbeOutcome.NO_DATA,
        ProbeErrorKind.NOT_INSTALLED,
        [],
    )
    assert probe.reason == "no zpool program ('zpool' not found in PATH)"


def test_no_pool_imported_on_openzfs_2_3_is_no_pools_not_bad_output(tmp_path):
    """OpenZFS 2.3 with nothing imported prints an empty `pools` object to `status -j` and
    nothing to `list -j` (recorded in the lab: tests/fixtures/lab/not-imported-usb)."""
    (recorded,) = (FIXTURES / "lab" / "not-imported-usb" / "zfs23").glob("*-after-boot-zpool-status-j.json")
    zpool = fake_zpool(
        tmp_path,
        f"""
if args[0] == "version":
    print("zfs-2.3.2-2~bpo12+2\\nzfs-kmod-2.3.2-2~bpo12+2")
elif args[:2] == ["status", "-j"]:
    print(open({str(recorded)!r}).read())
""",
    )
    pools, probe, _ = read(config_for(zpool))
    assert probe.outcome is ProbeOutcome.OK, probe.reason
    assert pools is not None and pools.pools == ()


def test_zpool_version_is_asked_once_per_program_and_kernel_module(tmp_path, monkeypatch):
    from nodewatch.probe import zpool as probe

    module = tmp_path / "module-version"
    module.write_text("2.3.2-2~bpo12+2\n")
    monkeypatch.setattr(probe, "MODULE_VERSION", module)
    monkeypatch.setattr(probe, "_VERSIONS", {})
    asked = tmp_path / "asked"
    script = f"""
if args[0] == "version":
    open({str(asked)!r}, "a").write("version\\n")
    print("zfs-2.3.2-2~bpo12+2\\nzfs-kmod-2.3.2-2~bpo12+2")
elif args[:2] == ["status", "-j"]:
    print("".join(l for l in open({str(HEALTHY_JSON)!r}) if not l.startswith("#")))
elif args[:2] == ["list", "-j"]:
    print('{{"pools": {{}}}}')
"""
    zpool = fake_zpool(tmp_path, script)
    config = config_for(zpool)
    first = read(config)
    second = read(config)
    assert asked.read_text().count("version") == 1
    assert second[0] == first[0] and second[1].outcome is ProbeOutcome.OK
    assert [r.command.split()[1] for r in second[2]] == ["version", "status", "list"]  # its output kept
    module.write_text("2.3.3-1\n")  # the module was reloaded: ask again
    read(config)
    assert asked.read_text().count("version") == 2
    fake_zpool(tmp_path, script + "\n# upgraded\n")  # the program was replaced: ask again
    read(config)
    assert asked.read_text().count("version") == 3
    module.unlink()  # no module loaded: nothing to key the answer on, so always ask
    read(config)
    read(config)
    assert asked.read_text().count("version") == 5
