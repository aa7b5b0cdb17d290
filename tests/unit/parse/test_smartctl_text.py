"""parse/smartctl_text.py on real plain smartctl outputs (tests/fixtures/smartctl-text/, origins in
*.txt.source), and a property test that no text makes it raise."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nodewatch.diagnose.smart import SmartHealth, judge
from nodewatch.model import SmartInfo
from nodewatch.parse.smartctl import parse_smartctl
from nodewatch.parse.smartctl_text import is_smartctl_output, parse_smartctl_text, split_runs

FIXTURES = Path(__file__).parents[2] / "fixtures" / "smartctl-text"


def _parse(name: str) -> SmartInfo:
    return parse_smartctl_text((FIXTURES / f"{name}.txt").read_text(encoding="utf-8"))


def test_every_fixture_names_its_origin() -> None:
    names = list(FIXTURES.glob("*.txt"))
    assert len(names) >= 12
    for path in names:
        assert path.with_name(path.name + ".source").is_file(), path.name


def test_ata_attribute_table_identity_and_running_self_test() -> None:
    smart = _parse("pysmart-ata-OOS12000G-selftest-running")
    assert (smart.available, smart.protocol, smart.source, smart.passed) == (True, "ATA", "text", True)
    assert (smart.model, smart.serial, smart.wwn) == ("OOS12000G", "00008AXB", "0x5000c500a4847915")
    assert (smart.reallocated_sectors, smart.pending_sectors, smart.udma_crc_errors) == (0, 0, 0)
    assert smart.temperature_celsius == 38  # "38 (0 16 0 0 0)": the printed first number
    assert smart.power_on_hours == 252
    assert len(smart.attributes) == 22
    row = next(row for row in smart.attributes if row.id == 5)
    assert (row.value, row.worst, row.threshold, row.prefailure, row.when_failed) == (100, 100, 10, True, "")
    # the newest test is still running: the older passed ones say the drive passed
    assert smart.last_self_test == "Extended offline: Self-test routine in progress (at 252 h)"
    assert smart.last_self_test_passed is True and smart.self_test_failures == 0
    assert judge(smart).health is SmartHealth.OK


def test_failing_sectors_and_failed_self_tests_in_a_paste_that_lost_its_spaces() -> None:
    smart = _parse("qiita-yamori813-pending-offline-crc-failed-selftests")
    assert smart.device == "/dev/sda"
    assert (smart.pending_sectors, smart.offline_uncorrectable, smart.udma_crc_errors) == (1, 1, 4)
    assert smart.last_self_test == "Short offline: Completed: read failure (at 2126 h)"
    assert (smart.last_self_test_passed, smart.self_test_failures) == (False, 4)
    concerns = {c.code: c.health for c in judge(smart).concerns}
    assert concerns == {
        "smart-bad-sectors": SmartHealth.REPLACE_SOON,  # 1 pending: 34 %/year in Backblaze's fleet
        "smart-self-test-failed": SmartHealth.REPLACE_SOON,
        "smart-crc-errors": SmartHealth.WATCH,  # the cable, not the disk
    }


def test_sat_through_a_usb_bridge_and_a_threshold_printed_as_dashes() -> None:
    sat = _parse("pysmart-sat-ST2000NM000A")
    assert sat.available and sat.serial == "WS10SM2A" and sat.last_self_test_passed is True
    usb = _parse("pysmart-usb-ssd-LITEONIT")
    assert usb.command_timeouts == 1
    assert next(row for row in usb.attributes if row.id == 5).threshold is None  # "---"
    assert judge(usb).health is SmartHealth.WATCH


def test_nvme_health_log_through_a_usb_nvme_bridge() -> None:
    smart = _parse("pysmart-nvme-usb-asmedia-T7")
    assert (smart.protocol, smart.model, smart.serial) == (
        "NVMe",
        "Samsung Portable SSD T7",
        "S7MNNS0Y828393V",
    )
    assert (smart.nvme_critical_warning, smart.nvme_percentage_used, smart.nvme_media_errors) == (0, 0, 0)
    assert (smart.nvme_available_spare, smart.nvme_available_spare_threshold) == (100, 10)
    assert (
        smart.temperature_celsius,
        smart.temperature_limit_celsius,
        smart.temperature_critical_celsius,
    ) == (
        29,
        52,
        54,
    )
    assert smart.power_on_hours == 9 and smart.nvme_error_log_entries == 0
    assert judge(smart).health is SmartHealth.OK


def test_samsung_reliability_bit_at_100_percent_used_is_replace_soon_not_failing() -> None:
    smart = _parse("smartmontools-537-nvme-critical-0x04-worn")
    assert (smart.nvme_critical_warning, smart.nvme_percentage_used) == (4, 100)
    verdict = judge(smart)
    assert verdict.health is SmartHealth.REPLACE_SOON


def test_nvme_whole_output_with_a_failed_self_test_and_its_own_failed_verdict() -> None:
    """A real whole `smartctl -a` of a worn-out Samsung NVMe: FAILED, 0x04, 169 % used, and the
    newest self-test "Completed: failed segments" in smartctl's NVMe self-test table."""
    smart = _parse("duresa7-homelab-nvme-MZVLB256HAHQ-failed-segments")
    assert (smart.available, smart.protocol, smart.passed) == (True, "NVMe", False)
    assert (smart.model, smart.serial) == ("SAMSUNG MZVLB256HAHQ-000L7", "****5659")
    assert (smart.nvme_critical_warning, smart.nvme_percentage_used, smart.nvme_media_errors) == (4, 169, 0)
    assert (smart.nvme_available_spare, smart.nvme_available_spare_threshold) == (100, 10)
    assert smart.nvme_error_log_entries == 2462 and smart.power_on_hours == 49373
    assert (smart.self_test_failures, smart.last_self_test_passed) == (1, False)
    assert smart.last_self_test == "Short: Completed: failed segments (at 49373 h)"
    assert (smart.temperature_limit_celsius, smart.temperature_critical_celsius) == (81, 82)
    verdict = judge(smart)
    assert verdict.health is SmartHealth.FAILING
    assert [(c.code, c.health) for c in verdict.concerns] == [
        ("smart-failing", SmartHealth.FAILING),
        ("smart-nvme-critical-warning", SmartHealth.REPLACE_SOON),
        ("smart-nvme-worn", SmartHealth.REPLACE_SOON),
        ("smart-self-test-failed", SmartHealth.REPLACE_SOON),
    ]


def test_ata_x_output_a_failed_extended_test_under_a_passed_self_assessment() -> None:
    """A real whole `smartctl -x` (the FLAGS/FAIL attribute table): PASSED, yet 2 pending sectors
    and the extended self-test stopped with a read failure: replace soon, never all clear."""
    smart = _parse("duresa7-homelab-ata-HTS723232A7A364-read-failure-pending-2")
    assert (smart.protocol, smart.passed, smart.serial, smart.wwn) == ("ATA", True, "****G91N", None)
    assert (smart.reallocated_sectors, smart.pending_sectors, smart.offline_uncorrectable) == (0, 2, 0)
    assert (smart.udma_crc_errors, smart.error_log_count) == (0, 0)
    assert (smart.self_test_failures, smart.last_self_test_passed) == (1, False)
    assert smart.last_self_test == "Extended offline: Completed: read failure (at 43950 h)"
    verdict = judge(smart)
    assert verdict.health is SmartHealth.REPLACE_SOON
    assert {c.code for c in verdict.concerns} == {"smart-bad-sectors", "smart-self-test-failed"}


@pytest.mark.parametrize(
    "name",
    [
        "duresa7-homelab-ata-ST1000LM035-2026-07-22",
        "duresa7-homelab-ata-ST1000LM035-2026-07-24",
        "duresa7-homelab-nvme-THNSF5256GPUK-2026-07-24-windows",
        "duresa7-homelab-nvme-THNSF5256GPUK-2026-07-25",
    ],
)
def test_healthy_whole_outputs_with_redacted_identity_are_ok(name: str) -> None:
    smart = _parse(name)
    assert smart.available and smart.passed is True and smart.wwn is None  # "[redacted]" is no WWN
    assert smart.serial is not None and smart.serial.startswith("****")
    # an empty ATA error log ("No Errors Logged", no count line) is 0 entries, not unknown
    assert smart.error_log_count == (0 if smart.protocol == "ATA" else None)
    assert judge(smart).health is SmartHealth.OK


def test_sas_error_counters_grown_defects_and_a_locale_with_spaces() -> None:
    smart = _parse("pysmart-sas-HUH721212-locale-spaces")
    assert (smart.protocol, smart.model, smart.passed) == ("SCSI", "HGST HUH721212AL4204", True)
    assert (smart.scsi_grown_defects, smart.scsi_uncorrected_errors) == (0, 0)
    assert (smart.temperature_celsius, smart.temperature_limit_celsius) == (32, 85)
    assert smart.wwn == "0x5000cca253066624"
    grown = _parse("scrutiny-119-sas-grown-defects-7")
    assert grown.device == "/dev/sdi" and grown.scsi_grown_defects == 7
    assert judge(grown).health is SmartHealth.WATCH
    x = _parse("pysmart-sas-ssd-MZILT7T6-x")
    assert x.temperature_celsius == 25  # "Current temperature = 25"
    assert x.last_self_test == "Background short: Completed (at 134 h)" and x.last_self_test_passed is True


@pytest.mark.parametrize(
    ("name", "ids", "reason"),
    [
        ("smartmontools-270-unknown-bridge-then-sat-de-locale", "0bda:9201", "Unknown USB bridge"),
        ("smartmontools-275-unknown-bridge-152d-b581", "152d:b581", "Unknown USB bridge"),
        ("omv-1844-read-device-identity-failed", None, "Read Device Identity failed"),
        ("pysmart-raid-volume-no-smart", None, "lacks SMART capability"),
    ],
)
def test_bridges_and_devices_that_hide_smart_are_unavailable_never_ok(
    name: str, ids: str | None, reason: str
) -> None:
    smart = _parse(name)
    assert not smart.available
    assert smart.bridge_ids == ids
    assert reason in (smart.reason or "")
    assert judge(smart).health is SmartHealth.UNKNOWN


def test_identity_alone_is_no_all_clear_even_in_a_dotted_locale() -> None:
    smart = _parse("smartmontools-270-sat-de-locale-identity")
    assert not smart.available and "no SMART data" in (smart.reason or "")
    assert (smart.serial, smart.device, smart.device_type) == ("DH20231006907385", "/dev/sdb", "sat")
    assert smart.wwn is None  # the bridge passed "0 000000 000000000"


def test_a_paste_of_two_runs_keeps_the_one_that_read_smart() -> None:
    failing = (FIXTURES / "smartmontools-275-unknown-bridge-152d-b581.txt").read_text()
    working = (FIXTURES / "pysmart-sat-ST2000NM000A.txt").read_text()
    assert len(split_runs(failing + "\n$ sudo smartctl -d sat -a /dev/sda\n" + working)) == 2
    smart = parse_smartctl_text(failing + "\n$ sudo smartctl -d sat -a /dev/sda\n" + working)
    assert smart.available and smart.serial == "WS10SM2A" and smart.device_type == "sat"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Power On Hours:                     1,234", 1234),
        ("Power On Hours:                     1.234", 1234),
        ("Power On Hours:                     1 234", 1234),
        ("Power On Hours:                     1\u00a0234", 1234),
        ("Power On Hours:                     1\u202f234", 1234),
        ("Power On Hours:                     1'234", 1234),
    ],
)
def test_numbers_in_every_locale_grouping(text: str, value: int) -> None:
    head = "smartctl 7.3 2022-02-28 r5338\n=== START OF SMART DATA SECTION ===\n"
    body = "SMART overall-health self-assessment test result: PASSED\nCritical Warning: 0x00\n"
    assert parse_smartctl_text(head + body + text).power_on_hours == value


def test_parse_smartctl_tells_json_from_text() -> None:
    json_fixture = (
        Path(__file__).parents[2] / "fixtures" / "smartctl-json" / "ST3500418AS-reallocated-304.json"
    )
    assert parse_smartctl(json_fixture.read_text()).source == "json"
    assert parse_smartctl(json_fixture.read_text()).reallocated_sectors == 304
    assert parse_smartctl((FIXTURES / "pysmart-sat-ST2000NM000A.txt").read_text()).source == "text"


def test_what_is_not_smartctl_output_says_so() -> None:
    assert not is_smartctl_output("pool: tank\n state: ONLINE\n")
    assert not is_smartctl_output("")
    assert is_smartctl_output((FIXTURES / "omv-1844-read-device-identity-failed.txt").read_text())
    smart = parse_smartctl_text("hello: world\n")
    assert not smart.available and smart.reason == "not smartctl output"


_LINES = st.sampled_from(
    [
        line
        for path in sorted(FIXTURES.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_LINES, st.text(max_size=80)), max_size=40))
def test_the_text_parser_never_raises(lines: list[str]) -> None:
    smart = parse_smartctl_text("\n".join(lines))
    assert isinstance(smart, SmartInfo)
    judge(smart)  # the verdict takes whatever the parser gives


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_parses_without_raising(text: str) -> None:
    assert isinstance(parse_smartctl(text), SmartInfo)
