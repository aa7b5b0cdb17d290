"""`nodewatch snapshot` and `nodewatch diagnose` end to end, against fake `zpool`
programs that print the lab's real recordings (real processes and timeouts, no mocks)."""

import json

import pytest

from nodewatch.diagnose import diagnose
from nodewatch.probe.collect import collect
from tests.support.programs import config_file, config_for, fake_zpool, nodewatch, seed_zpool
from tests.support.recordings import LAB

SEED = LAB / "seed-usb-reattach" / "zfs23"


def test_snapshot_then_diagnose_from_it_gives_the_same_report(tmp_path):
    config = config_file(tmp_path, seed_zpool(tmp_path))
    snapshot_file = tmp_path / "node.json"
    made = nodewatch("snapshot", "-o", str(snapshot_file), config=config)
    assert made.returncode == 0, made.stderr

    live = nodewatch("diagnose", "--json", config=config)
    replayed = nodewatch("diagnose", "--json", "--from", str(snapshot_file), config=config)
    assert live.returncode == replayed.returncode == 2  # a raidz1 member is missing: critical
    live_findings = json.loads(live.stdout)["findings"]
    assert live_findings == json.loads(replayed.stdout)["findings"]
    # With no udev on the machine the disk cannot be found, but the member is named and the
    # kept raw output lets the snapshot be re-read elsewhere.
    assert live_findings[0]["code"] == "member-missing"
    commands = [raw["command"] for raw in json.loads(snapshot_file.read_text())["raw"]]
    assert any(command.startswith(f"{tmp_path}/zpool status -j") for command in commands), commands


def test_a_hung_zpool_is_reported_as_unknown_within_the_timeout(tmp_path):
    hung = fake_zpool(tmp_path, "time.sleep(60)")
    result = nodewatch("diagnose", config=config_file(tmp_path, hung, timeout=1))
    assert result.returncode == 3
    assert "pools unavailable" in result.stdout and "did not finish within 1 s" in result.stdout


def test_a_hung_zpool_with_a_suspended_pool_in_kstat_is_critical(tmp_path):
    # What a pulled USB stick does to a single-disk pool (lab scenario 7): zpool hangs,
    # the kernel's kstat still answers.
    root = tmp_path / "root"
    (root / "proc/spl/kstat/zfs/stick").mkdir(parents=True)
    (root / "proc/spl/kstat/zfs/stick/state").write_text("SUSPENDED\n")
    config = config_for(fake_zpool(tmp_path, "time.sleep(60)"), timeout=1, smart=False)
    report = diagnose(collect(config, root=root))
    codes = [finding.code for finding in report.findings]
    assert codes[:2] == ["pool-suspended", "pools-unavailable"]
    assert report.exit_status == 2
    assert report.findings[0].actions[0].command == "zpool clear stick"


def test_a_malformed_snapshot_is_a_clear_error_naming_the_field(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"schema": 1, "hostname": "pi", "collected_at": "yesterday"}))
    empty_config = tmp_path / "config.toml"
    empty_config.write_text("")
    result = nodewatch("diagnose", "--from", str(broken), config=empty_config)
    assert result.returncode == 3
    assert "collected_at: not an ISO 8601 time" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe", "not UTF-8 text"),
        (b"[zfs]\ntimeout_seconds = nan\n", "zfs.timeout_seconds must be a finite number, got nan"),
    ],
)
def test_a_bad_config_file_is_named_with_its_key_and_exits_3(tmp_path, content, problem):
    config = tmp_path / "config.toml"
    config.write_bytes(content)
    result = nodewatch("diagnose", config=config)
    assert result.returncode == 3
    assert f"nodewatch diagnose: bad config:\n{config}: {problem}" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
