"""`--smartctl FILE` on `nodewatch disks` and `nodewatch diagnose`: saved smartctl outputs (real ones,
tests/fixtures/smartctl-json|text and the lab's recordings) judged, joined to the disks by serial/WWN."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nodewatch import cli
from nodewatch.diagnose import diagnose
from nodewatch.diagnose.smart import SmartHealth, judge
from nodewatch.model import Disk, Inventory, Severity, SmartInfo, Snapshot, Transport
from nodewatch.parse.smartctl import parse_smartctl
from nodewatch.parse.smartctl_join import join_readings

FIXTURES = Path(__file__).parents[2] / "fixtures"
TEXT = FIXTURES / "smartctl-text"
JSON = FIXTURES / "smartctl-json"
ZOO = FIXTURES / "lab" / "disks-zoo" / "zfs23"
FAILING = TEXT / "qiita-yamori813-pending-offline-crc-failed-selftests.txt"


def test_diagnose_judges_a_pasted_text_output_and_exits_warning(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["diagnose", "--json", "--smartctl", str(FAILING)])
    report = json.loads(capsys.readouterr().out)
    codes = {finding["code"]: finding["severity"] for finding in report["findings"]}
    assert status == 1
    assert codes == {"smart-bad-sectors": 1, "smart-self-test-failed": 1, "smart-crc-errors": 0}


def test_diagnose_reads_json_and_text_together_each_its_own_disk(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(
        [
            "diagnose",
            "--smartctl",
            str(FAILING),
            "--smartctl",
            str(JSON / "Hitachi-HDS721050DLE630-usbjmicron-failing.json"),
            "--smartctl",
            str(TEXT / "smartmontools-275-unknown-bridge-152d-b581.txt"),
        ]
    )
    out = capsys.readouterr().out
    assert status == 2  # the Hitachi says FAILED itself
    assert "[smart-failing]" in out and "[smart-self-test-failed]" in out
    # the bridge without SMART: which bridge, and drivedb's -d type for it
    assert "152d:b581" in out and "smartctl -x -d sntjmicron" in out


def test_disks_joins_a_reading_to_its_disk_by_serial(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(
        [
            "disks",
            "--json",
            "--udev-db",
            str(ZOO / "01-boot-udevadm-export-db.txt"),
            "--smartctl",
            str(ZOO / "01-boot-smartctl-sdb.json"),
        ]
    )
    data = json.loads(capsys.readouterr().out)
    disks = {disk["devnode"]: disk for disk in data["disks"]}
    assert status == 0
    assert len(disks) == 9  # joined, not added
    assert disks["/dev/sdb"]["smart"]["serial"] == "WD-WX62D229KY5H"
    assert disks["/dev/sdb"]["smart"]["passed"] is True
    assert disks["/dev/sdc"]["smart"] is None


def test_disks_shows_the_verdict_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["disks", "--smartctl", str(JSON / "ST3500418AS-reallocated-304.json")]) == 0
    out = capsys.readouterr().out
    assert "SMART: replace soon (304 reallocated sectors (attribute 5)) · PASSED" in out


def test_a_file_that_is_not_smartctl_output_is_exit_3_never_all_clear(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status_file = FIXTURES / "zpool-status-text"
    some = next(status_file.glob("*.txt"))
    assert cli.main(["diagnose", "--smartctl", str(some)]) == 3
    assert "not smartctl output" in capsys.readouterr().err
    garbage = tmp_path / "x.json"
    garbage.write_text("{not json")
    assert cli.main(["disks", "--smartctl", str(garbage)]) == 3


def test_stdin_once(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(FAILING.read_text()))
    assert cli.main(["diagnose", "--smartctl", "-"]) == 1
    capsys.readouterr()
    assert cli.main(["diagnose", "--smartctl", "-", "--smartctl", "-"]) == 3
    assert "stdin" in capsys.readouterr().err


def test_two_readings_of_one_drive_are_two_moments_and_worsening_is_its_own_finding() -> None:
    """The lab drive read at boot and after a hotplug, and the same reading with counters grown.
    SYNTHETIC growth: made up on top of the real reading, to reach every counter at once; the real pair
    with a grown counter is test_two_real_readings_of_one_drive_whose_error_log_grew_are_worsening."""
    boot = parse_smartctl(_body(ZOO / "01-boot-smartctl-sdb.json"), 0)
    later = parse_smartctl(_body(ZOO / "03-hotplugged-smartctl-sdb.json"), 0)
    joined = join_readings(None, [("boot", boot), ("later", later)])
    assert len(joined.inventory.disks) == 1 and joined.previous is not None
    assert joined.previous.disks[0].smart == boot and joined.inventory.disks[0].smart == later
    grown = dataclasses.replace(later, reallocated_sectors=3, error_log_count=2)
    joined = join_readings(None, [("boot", boot), ("grown", grown)])
    assert joined.previous is not None
    from nodewatch.model import Snapshot

    def snap(inventory: Inventory) -> Snapshot:
        from datetime import UTC, datetime

        return Snapshot(hostname="t", collected_at=datetime(2026, 12, 4, tzinfo=UTC), inventory=inventory)

    report = diagnose(snap(joined.inventory), previous=snap(joined.previous))
    worse = [f for f in report.findings if f.code == "smart-worsening"]
    assert len(worse) == 1
    assert "reallocated sectors 0 → 3, ATA error log entries 0 → 2" in worse[0].summary


def test_a_reading_without_identity_joins_only_the_inventory_disk_it_was_asked_about() -> None:
    hidden = parse_smartctl((TEXT / "smartmontools-275-unknown-bridge-152d-b581.txt").read_text())
    failing = parse_smartctl(FAILING.read_text())
    inventory = Inventory(disks=(Disk("/dev/sda", Transport.USB, model="Some disk"),))
    joined = join_readings(inventory, [("a", hidden), ("b", failing)])
    assert joined.inventory.disks[0].smart == failing  # the later reading of /dev/sda
    alone = join_readings(None, [("a", hidden), ("b", failing)])
    assert [disk.devnode for disk in alone.inventory.disks] == ["/dev/sda", "/dev/sda (b)"]


def _body(path: Path) -> str:
    return path.read_text()


@pytest.mark.parametrize(
    ("earlier", "later", "serial"),
    [
        # Seagate ST1000LM035, two days apart: raw read/seek error rates and LBA counters grew (they
        # always do on Seagates), reallocated/pending/uncorrectable did not.
        (
            "duresa7-homelab-ata-ST1000LM035-2026-07-22",
            "duresa7-homelab-ata-ST1000LM035-2026-07-24",
            "****SRHK",
        ),
        # Toshiba NVMe read on Windows, then on Linux the next day: power cycles and unsafe shutdowns grew.
        (
            "duresa7-homelab-nvme-THNSF5256GPUK-2026-07-24-windows",
            "duresa7-homelab-nvme-THNSF5256GPUK-2026-07-25",
            "****TALT",
        ),
    ],
)
def test_two_real_readings_of_one_drive_where_nothing_predictive_grew_are_not_worsening(
    earlier: str, later: str, serial: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two real dated readings of one drive (one serial): joined as two moments, and no
    smart-worsening, because only counters that grow on every healthy drive grew."""
    first, second = (TEXT / f"{earlier}.txt", TEXT / f"{later}.txt")
    before, now = parse_smartctl(first.read_text()), parse_smartctl(second.read_text())
    assert before.serial == now.serial == serial and before != now
    joined = join_readings(None, [("a", before), ("b", now)])
    assert len(joined.inventory.disks) == 1 and joined.previous is not None
    status = cli.main(["diagnose", "--json", "--smartctl", str(first), "--smartctl", str(second)])
    report = json.loads(capsys.readouterr().out)
    assert status == 0 and report["findings"] == []


def test_a_pasted_text_names_no_device_so_its_command_names_none_either(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Plain text never says which device it was read from: the advice must not put the file's
    name into smartctl, but a placeholder and how to fill it (found on a real whole -x output)."""
    paste = TEXT / "duresa7-homelab-ata-HTS723232A7A364-read-failure-pending-2.txt"
    assert cli.main(["diagnose", "--json", "--smartctl", str(paste)]) == 1
    report = json.loads(capsys.readouterr().out)
    actions = [action for finding in report["findings"] for action in finding["actions"]]
    assert actions and all(str(paste) not in action["command"] for action in actions)
    test = next(action for action in actions if " -t long " in action["command"])
    assert test["command"] == "smartctl -t long /dev/THE-DRIVE"
    assert "serial ****G91N" in test["check_first"]


def test_two_real_readings_of_one_drive_whose_error_log_grew_are_worsening() -> None:
    """linuxhw/SMART keeps each probe of a drive as a version of that drive's file: two real readings,
    eight months apart, of one Apple HTS541010A9E632. Its ATA error log grew 9 → 14 (new IDNF read
    errors), CRC errors stayed 9: worsening is a warning of its own, not the cable's."""
    before, now = _linuxhw("D190552AD538-2023-12-05"), _linuxhw("D190552AD538-2024-08-25")
    assert (before.power_on_hours, now.power_on_hours) == (1927, 3088)
    assert (before.error_log_count, now.error_log_count) == (9, 14)
    assert before.udma_crc_errors == now.udma_crc_errors == 9
    assert (now.self_test_failures, now.last_self_test_passed) == (0, True)  # "Aborted by host" is no failure
    report = diagnose(_one_disk(now), previous=_one_disk(before))
    worse = [f for f in report.findings if f.code == "smart-worsening"]
    assert len(worse) == 1 and worse[0].severity is Severity.WARNING
    assert worse[0].summary.endswith("since the last reading: ATA error log entries 9 → 14")
    assert worse[0].actions[0].command == "smartctl -t long /dev/sda"
    alone = diagnose(_one_disk(now))  # one reading: the same counts are only watched
    assert "smart-worsening" not in {f.code for f in alone.findings}
    assert max(f.severity for f in alone.findings) is Severity.INFO


def test_two_real_readings_of_one_drive_whose_reallocated_sectors_grew_are_worsening() -> None:
    """The same database, another Apple HTS541010A9E632 read 2.4 years apart (18,975 h and 32,811 h,
    the same four old UNC errors in both logs): reallocated sectors grew 14 → 31. Each reading alone
    is judged by its count (14: watch, 31: replace soon); the pair says it is still growing."""
    before, now = _linuxhw("0757FF5562FB-2022-02-09"), _linuxhw("0757FF5562FB-2024-06-23")
    assert (before.reallocated_sectors, now.reallocated_sectors) == (14, 31)
    assert (before.error_log_count, now.error_log_count) == (21, 21)
    assert {c.code: c.health for c in judge(before).concerns}["smart-bad-sectors"] is SmartHealth.WATCH
    assert {c.code: c.health for c in judge(now).concerns}["smart-bad-sectors"] is SmartHealth.REPLACE_SOON
    report = diagnose(_one_disk(now), previous=_one_disk(before))
    worse = [f for f in report.findings if f.code == "smart-worsening"]
    assert len(worse) == 1 and worse[0].severity is Severity.WARNING
    assert worse[0].summary.endswith("since the last reading: reallocated sectors 14 → 31")


def _linuxhw(name: str) -> SmartInfo:
    return parse_smartctl((TEXT / f"linuxhw-ata-HTS541010A9E632-{name}.txt").read_text())


def _one_disk(smart: SmartInfo) -> Snapshot:
    """A node with this one drive at /dev/sda (hw-probe hid the serial: the devnode is its identity)."""
    disk = Disk("/dev/sda", Transport.SATA, model=smart.model, smart=smart)
    when = datetime(2024, 8, 25, tzinfo=UTC)
    return Snapshot(hostname="t", collected_at=when, inventory=Inventory((disk,)))


def test_readings_whose_serials_are_placeholders_are_never_joined_as_one_drive(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """hw-probe publishes every serial as "--": two linuxhw readings of two different Apple drives
    (0757FF5562FB with 31 reallocated sectors, D190552AD538 with none) must not be joined, or 0 → 31
    would be a false smart-worsening. The output says why they stay apart."""
    other = TEXT / "linuxhw-ata-HTS541010A9E632-D190552AD538-2023-12-05.txt"
    grown = TEXT / "linuxhw-ata-HTS541010A9E632-0757FF5562FB-2024-06-23.txt"
    first, second = parse_smartctl(other.read_text()), parse_smartctl(grown.read_text())
    assert first.serial == second.serial == "--" and first.wwn is None and second.wwn is None
    joined = join_readings(None, [(str(other), first), (str(grown), second)])
    assert len(joined.inventory.disks) == 2 and joined.previous is None
    assert [p.split(":")[0] for p in joined.inventory.problems] == [
        f"smartctl reading {other}",
        f"smartctl reading {grown}",
    ]
    assert all("serial -- has no letter or digit" in p for p in joined.inventory.problems)
    status = cli.main(["diagnose", "--smartctl", str(other), "--smartctl", str(grown)])
    out = " ".join(capsys.readouterr().out.split())  # the text is wrapped
    assert status == 1 and "[smart-worsening]" not in out
    assert "no worsening is judged across it" in out
    # its advice does not name the drive by the placeholder
    assert (
        "drive with serial --" not in out and "drive with model APPLE HDD HTS541010A9E632 in place of" in out
    )
    assert cli.main(["disks", "--smartctl", str(other), "--smartctl", str(grown)]) in (0, 1)
    assert capsys.readouterr().out.count("note: smartctl reading") == 2


def test_a_placeholder_serial_joins_by_wwn_alone() -> None:
    """nasty-project's real Toshiba behind a SAS HBA: serial masked to "XXXXXXXX", WWN (logical unit
    id) kept. Two readings of it are one drive by the WWN, and the note says the serial played no part."""
    smart = parse_smartctl((JSON / "TOSHIBA-MG08ACP16TE-sas-hba-padded-inquiry.json").read_text())
    assert (smart.serial, smart.wwn) == ("XXXXXXXX", "0x500605ba0069a1b0")
    joined = join_readings(None, [("a", smart), ("b", smart)])
    assert len(joined.inventory.disks) == 1 and joined.previous is not None
    assert joined.inventory.problems[0].endswith("; joined by its WWN only")
    alone = dataclasses.replace(smart, wwn=None)
    assert join_readings(None, [("a", alone), ("b", alone)]).previous is None


def test_placeholder_serials_are_one_decision_for_bridges_and_readings() -> None:
    from nodewatch.known_hardware import bogus_serial_reason

    for placeholder in ("--", "****", "0000000000", "To Be Filled By O.E.M.", "0123456789ABCDEF", "XXXXXXXX"):
        assert bogus_serial_reason(placeholder), placeholder
    for serial in ("****SRHK", "ZC1B7Y64", "WD-WX62D229KY5H", ""):
        assert bogus_serial_reason(serial) is None, serial
