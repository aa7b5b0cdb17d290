"""parse/smartctl.py on real `smartctl -j` outputs (tests/fixtures/smartctl-json/, origins beside them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nodewatch.parse import smartctl as module

FIXTURES = Path(__file__).parents[2] / "fixtures" / "smartctl-json"


def _parse(name: str):  # type: ignore[no-untyped-def]
    text = (FIXTURES / f"{name}.json").read_text(encoding="utf-8")
    return module.parse_smartctl_json(text, json.loads(text)["smartctl"]["exit_status"])


def test_every_fixture_names_its_origin() -> None:
    for path in FIXTURES.glob("*.json"):
        assert path.with_name(path.name + ".source").is_file(), path.name


@pytest.mark.parametrize(
    ("returncode", "flags"),
    [
        (0, ()),
        (2, ("device_open_failed",)),
        (4, ("smart_command_failed",)),
        (64, ("error_log_has_errors",)),
        (
            216,
            (
                "disk_failing",
                "prefail_attributes_at_threshold",
                "error_log_has_errors",
                "self_test_log_has_errors",
            ),
        ),
        (-9, ()),
    ],
)
def test_exit_flags_decodes_each_bit(returncode: int, flags: tuple[str, ...]) -> None:
    assert module.exit_flags(returncode) == flags


def test_parse_smartctl_json_reads_a_failing_disk_behind_a_jmicron_bridge() -> None:
    smart = _parse("Hitachi-HDS721050DLE630-usbjmicron-failing")
    assert smart.available
    assert smart.device_type == "usbjmicron"
    assert smart.passed is False
    assert "disk_failing" in smart.exit_flags
    # the drive's own identity, read through the bridge
    assert (smart.model, smart.serial) == ("Hitachi HDS721050DLE630", "MSK423Y20S3HBC")
    assert smart.wwn == "0x5000cca37fca81a8"
    assert (smart.reallocated_sectors, smart.pending_sectors, smart.offline_uncorrectable) == (1975, 8, 0)
    assert smart.temperature_celsius == 25  # raw value packs min/max; the printed number wins
    assert smart.power_on_hours == 65592
    assert smart.last_self_test is not None
    assert smart.last_self_test.startswith("Short offline: Completed without error (at 42 h)")


def test_parse_smartctl_json_reads_counters_of_ata_disks() -> None:
    assert _parse("ST3500418AS-reallocated-304").reallocated_sectors == 304
    hgst = _parse("HGST-HUS724020ALE640-crc-12")
    assert hgst.udma_crc_errors == 12
    assert hgst.exit_flags == ("error_log_has_errors",)
    wd = _parse("WDC-WD20EFRX-68EUZN0")
    assert (wd.model, wd.passed, wd.temperature_celsius, wd.power_on_hours) == (
        "WDC WD20EFRX-68EUZN0",
        True,
        34,
        47657,
    )
    assert wd.wwn is not None and wd.wwn.startswith("0x50014ee")  # WD's OUI, as in udev's wwn- names


def test_parse_smartctl_json_reads_the_extended_self_test_log() -> None:
    assert (
        _parse("Samsung-SSD-860-EVO-500GB").last_self_test
        == "Short offline: Completed without error (at 14417 h)"
    )


def test_parse_smartctl_json_reads_nvme_health() -> None:
    smart = _parse("Samsung-SSD-970-EVO-500GB-media-errors")
    assert smart.device_type == "nvme"
    assert (smart.nvme_critical_warning, smart.nvme_percentage_used, smart.nvme_media_errors) == (0, 3, 7)
    assert smart.reallocated_sectors is None


def test_parse_smartctl_json_leaves_a_sleeping_disk_asleep() -> None:
    smart = _parse("standby-SYNTHETIC")
    assert not smart.available
    assert smart.in_standby
    assert "asleep" in (smart.reason or "")


def test_parse_smartctl_json_says_why_smart_is_unavailable_on_this_machine() -> None:
    auto = _parse("this-machine-virtio-vda-auto")
    assert not auto.available
    assert auto.reason == "/dev/vda: Unable to detect device type"
    sat = _parse("this-machine-virtio-vda-sat-open-failed")
    assert not sat.available
    assert sat.exit_flags == ("device_open_failed",)
    assert "Operation not permitted" in (sat.reason or "")
    assert not _parse("open-failed-exit2").available


def test_parse_smartctl_json_of_text_output_is_unavailable_not_an_error() -> None:
    text = "smartctl 6.6 2016-05-31\n/dev/sdd: Unknown USB bridge [0x46f4:0x0001 (0x000)]\n"
    smart = module.parse_smartctl_json(text, 1)
    assert not smart.available
    assert smart.reason is not None and "no JSON" in smart.reason


def test_parse_smartctl_json_says_when_a_bridge_passes_nothing_through() -> None:
    """Recorded on the lab VM: `smartctl -x -j -d sat` on QEMU's usb-storage bridge (exit 2)."""
    path = FIXTURES.parent / "lab" / "disks-zoo" / "zfs23" / "01-boot-smartctl-sat-sde.json"
    text = path.read_text(encoding="utf-8")
    smart = module.parse_smartctl_json(text, 2)
    assert not smart.available
    assert smart.device_type == "sat"
    assert (
        smart.reason == "no ATA identity through -d sat: the USB bridge does not pass SMART commands through"
    )


def test_a_sas_model_is_built_from_its_inquiry_fields_without_their_padding() -> None:
    """SCSI INQUIRY's vendor (8 bytes) and product (16 bytes) are space-padded; smartctl glues them into
    model_name as they are ("MG08ACP1 6TE           SM", nasty-project's real Toshiba behind a SAS HBA).
    The model is the fields joined, each run of blanks one space; revision and logical unit id are read
    as firmware and WWN, as the text output's "Revision:" and "Logical Unit id:" are."""
    raw = json.loads((FIXTURES / "TOSHIBA-MG08ACP16TE-sas-hba-padded-inquiry.json").read_text())
    assert raw["model_name"] == "MG08ACP1 6TE           SM"
    smart = _parse("TOSHIBA-MG08ACP16TE-sas-hba-padded-inquiry")
    assert (smart.model, smart.firmware, smart.wwn) == ("MG08ACP1 6TE SM", "4321", "0x500605ba0069a1b0")
    seagate = _parse("SEAGATE-ST3400755SS-sas-megaraid-uncorrected-8")
    assert (seagate.model, seagate.firmware, seagate.wwn) == (
        "SEAGATE ST3400755SS",
        "NS25",
        "0x5000c5000ae79c6f",
    )
    assert module.scsi_model("HGST    ", "HUH721212AL4204 ") == "HGST HUH721212AL4204"
    assert module.scsi_model(None, "   ") is None
