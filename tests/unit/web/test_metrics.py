"""/metrics, read back with prometheus-client's own parser."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from werkzeug.test import Client

from nodewatch import model
from nodewatch.web.app import create_app
from nodewatch.web.source import ReplaySource, Status
from tests.unit.web import reports
from tests.unit.web.test_app import FixedSource


def _scrape(source: object) -> dict[str, list[Sample]]:
    response = Client(create_app(source)).get("/metrics")  # type: ignore[arg-type]
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    out: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            out.setdefault(sample.name, []).append(sample)
    return out


def _value(samples: list[Sample], **labels: str) -> float:
    matches = [s.value for s in samples if all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(matches) == 1, (labels, samples)
    return matches[0]


def test_demo_pool_is_degraded_one_hot_and_its_missing_member_unavail():
    metrics = _scrape(ReplaySource(reports.demo(), "demo"))
    states = metrics["nodewatch_pool_state"]
    assert {s.labels["state"] for s in states if s.value == 1} == {"degraded"}
    assert len(states) == 7
    member = _value(
        metrics["nodewatch_vdev_state"], pool="bigdata", guid="4497337729894654865", state="unavail"
    )
    assert member == 1
    node = _value(metrics["nodewatch_node_info"], hostname="lab-vm", replayed="demo", zfs_version="2.3.2")
    assert node == 1
    assert _value(metrics["nodewatch_findings"], severity="critical") == 1
    first = next(s for s in metrics["nodewatch_finding_rank"] if s.value == 1)
    assert first.labels["code"] == "member-present-elsewhere"
    assert first.labels["first_command"].startswith(
        "zpool set path=/dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0-part1 bigdata"
    )
    assert _value(metrics["nodewatch_disk_info"], device="/dev/sdc")
    sdc = next(s for s in metrics["nodewatch_disk_info"] if s.labels["device"] == "/dev/sdc")
    assert (sdc.labels["transport"], sdc.labels["bridge_driver"], sdc.labels["pools"]) == (
        "usb",
        "usb-storage",
        "bigdata",
    )
    assert _value(metrics["nodewatch_collection_stale"]) == 0
    assert (
        _value(metrics["nodewatch_last_collection_timestamp_seconds"])
        == datetime(2026, 11, 23, 12, tzinfo=UTC).timestamp()
    )


def test_zoo_exports_counters_scans_capacity_and_smart():
    report = reports.zoo()
    metrics = _scrape(FixedSource(Status(report, False, 5.0, report.snapshot.probes)))
    errors = metrics["nodewatch_vdev_errors_total"]
    assert {s.labels["kind"] for s in errors} == {"read", "write", "checksum"}
    assert _value(errors, pool="volumes", vdev="vdd", kind="checksum") == 4188
    assert _value(metrics["nodewatch_pool_scan_progress_ratio"], pool="vz", function="resilver") == (
        pytest.approx(0.6646)
    )
    assert _value(metrics["nodewatch_pool_scan_remaining_seconds"], pool="vz") == 5078
    volumes = next(p for p in report.snapshot.pools if p.name == "volumes")
    assert volumes.scan.end_time is not None
    assert _value(metrics["nodewatch_pool_last_scrub_end_timestamp_seconds"], pool="volumes") == (
        volumes.scan.end_time.replace(tzinfo=UTC).timestamp()  # the zoo's node clock is UTC
    )
    assert _value(metrics["nodewatch_pool_data_errors"], pool="volumes") > 0
    assert _value(metrics["nodewatch_disk_smart_passed"], device="/dev/sdb") == 0
    # The verdict, one-hot: the failing drive, a fine one, and an NVMe that passes its own check
    # with 7 media errors (replace soon); drives that were not judged have no series.
    verdicts = metrics["nodewatch_disk_smart_verdict"]
    current = {s.labels["device"]: s.labels["verdict"] for s in verdicts if s.value == 1}
    assert current == {"/dev/sdb": "failing", "/dev/sdc": "ok", "/dev/nvme0n1": "replace_soon"}
    assert _value(metrics["nodewatch_disk_smart_passed"], device="/dev/nvme0n1") == 1
    for device in current:
        assert sorted(s.labels["verdict"] for s in verdicts if s.labels["device"] == device) == sorted(
            ["ok", "watch", "check", "replace_soon", "failing"]
        )
    assert _value(metrics["nodewatch_disk_reallocated_sectors"], device="/dev/sdb") == 1975
    assert _value(metrics["nodewatch_disk_pending_sectors"], device="/dev/sdb") == 8
    assert _value(metrics["nodewatch_disk_nvme_media_errors"], device="/dev/nvme0n1") == 7
    nvme = next(d for d in report.snapshot.disks if d.devnode == "/dev/nvme0n1")
    assert nvme.smart and nvme.smart.nvme_percentage_used is not None
    assert _value(metrics["nodewatch_disk_nvme_used_ratio"], device="/dev/nvme0n1") == (
        nvme.smart.nvme_percentage_used / 100
    )
    assert "/dev/sdd" not in {s.labels["device"] for s in metrics["nodewatch_disk_smart_passed"]}
    assert _value(metrics["nodewatch_probe_success"], probe="smartctl") == 0
    assert _value(metrics["nodewatch_probe_duration_seconds"], probe="smartctl") == 30.0
    counts = {s.labels["severity"]: s.value for s in metrics["nodewatch_findings"]}
    assert counts == {
        severity.name.lower(): sum(1 for f in report.findings if f.severity is severity)
        for severity in model.Severity
    }
    ranks = sorted(metrics["nodewatch_finding_rank"], key=lambda s: s.value)
    assert [s.labels["code"] for s in ranks] == [f.code for f in report.findings]


@pytest.mark.parametrize("build", [reports.demo, reports.zoo], ids=["demo", "zoo"])
def test_hostile_label_values_are_escaped_and_read_back_intact(build):
    report = reports.hostile(build())
    metrics = _scrape(FixedSource(Status(report, False, 1.0, report.snapshot.probes)))
    models = {s.labels["model"] for s in metrics["nodewatch_disk_info"]}
    assert {d.model for d in report.snapshot.disks if d.model} <= models
    pools = {s.labels["pool"] for s in metrics["nodewatch_pool_state"]}
    assert pools == {p.name for p in report.snapshot.pools}
    # An unknown state (here a hostile one) still gets its own series, one-hot.
    assert all(s.value == 0 for s in metrics["nodewatch_pool_state"] if s.labels["state"] == "online")


def test_no_report_yet_is_stale_with_only_the_service_metrics():
    metrics = _scrape(FixedSource(Status(None, True, None)))
    assert _value(metrics["nodewatch_collection_stale"]) == 1
    assert "nodewatch_pool_state" not in metrics


def test_the_pis_throttling_flags_temperatures_and_filesystems():
    import dataclasses

    from nodewatch.diagnose import diagnose

    report = reports.demo()
    snapshot = dataclasses.replace(
        report.snapshot,
        throttling=model.Throttling(0x50005, "vcgencmd get_throttled"),  # the libreelec forum's value
        temperatures=(
            model.Temperature(
                "cpu-thermal", model.SensorKind.SOC, 48.7, "/sys/class/thermal/thermal_zone0/temp"
            ),
            model.Temperature(
                "drivetemp", model.SensorKind.DRIVE, 38.0, "/sys/class/hwmon/hwmon2/temp1_input", device="sda"
            ),
        ),
        filesystems=(model.FilesystemSpace("/", 32 * 2**30, 3 * 2**30, 29 * 2**30, read_only=True),),
    )
    metrics = _scrape(ReplaySource(diagnose(snapshot), "demo"))
    flags = metrics["nodewatch_pi_throttling_flag"]
    assert {(s.labels["flag"], s.labels["period"]) for s in flags if s.value == 1} == {
        ("under_voltage", "now"),
        ("throttled", "now"),
        ("under_voltage", "since_boot"),
        ("throttled", "since_boot"),
    }
    assert len(flags) == 8
    assert _value(metrics["nodewatch_sensor_temperature_celsius"], kind="soc") == 48.7
    assert _value(metrics["nodewatch_sensor_temperature_celsius"], kind="drive", device="sda") == 38.0
    assert _value(metrics["nodewatch_filesystem_available_bytes"], mountpoint="/") == 3 * 2**30
    assert _value(metrics["nodewatch_filesystem_read_only"], mountpoint="/") == 1
    hwmon_only = dataclasses.replace(
        snapshot,
        throttling=model.Throttling(1, "/sys/class/hwmon/hwmon1/in0_lcrit_alarm", under_voltage_only=True),
    )
    flags = _scrape(ReplaySource(diagnose(hwmon_only), "demo"))["nodewatch_pi_throttling_flag"]
    assert [(s.labels["flag"], s.labels["period"], s.value) for s in flags] == [("under_voltage", "now", 1.0)]
    assert "nodewatch_pi_throttling_flag" not in _scrape(ReplaySource(report, "demo"))  # not a Pi: no series
