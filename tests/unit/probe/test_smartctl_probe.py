"""probe/smartctl.py: the -d type per transport, and failures turned into reasons (fake runner)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nodewatch import known_hardware
from nodewatch.model import ProbeErrorKind, ProbeOutcome, Transport
from nodewatch.parse.inventory import SmartTarget
from nodewatch.probe import smartctl as module
from nodewatch.probe.run import CommandError, CommandResult

FIXTURES = Path(__file__).parents[2] / "fixtures" / "smartctl-json"


def _replay(name: str):  # type: ignore[no-untyped-def]
    """A runner that answers with a recorded smartctl output, and remembers the argv."""
    text = (FIXTURES / f"{name}.json").read_text(encoding="utf-8")
    calls: list[list[str]] = []

    def runner(argv: list[str], timeout: float) -> CommandResult:
        calls.append(argv)
        return CommandResult(tuple(argv), json.loads(text)["smartctl"]["exit_status"], text, "", 0.1)

    return runner, calls


def _failing(kind: ProbeErrorKind, message: str):  # type: ignore[no-untyped-def]
    def runner(argv: list[str], timeout: float) -> CommandResult:
        raise CommandError(kind, message)

    return runner


def test_device_type_follows_the_transport() -> None:
    assert module.device_type(SmartTarget("/dev/sda", Transport.USB)) == "sat"
    assert module.device_type(SmartTarget("/dev/sdb", Transport.USB, "152d:0583")) == "sntjmicron"
    assert module.device_type(SmartTarget("/dev/nvme0n1", Transport.NVME)) == "nvme"
    assert module.device_type(SmartTarget("/dev/sdc", Transport.SATA)) == "auto"
    assert module.device_type(SmartTarget("/dev/mmcblk0", Transport.MMC)) is None
    assert module.device_type(SmartTarget("/dev/vdb", Transport.VIRTIO)) is None


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        # USB to NVMe bridges: their own types, as drivedb.h lists them.
        ("152d:0583", "sntjmicron"),  # JMicron JMS583
        ("152D:0583", "sntjmicron"),  # the ids in any case
        ("174c:2362", "sntasmedia"),  # ASMedia ASM2362
        ("0bda:9210", "sntrealtek"),  # Realtek RTL9210
        ("0dd8:9210", "sntrealtek"),  # the RTL9210 under another vendor id (drivedb's pattern)
        ("04e8:4001", "sntasmedia"),  # Samsung Portable SSD T7
        ("0bc2:aa1a", "sntasmedia"),  # Seagate FireCuda Gaming SSD, before Seagate's catch-all
        # Old USB to ATA bridges with their own pass-through.
        ("152d:2329", "usbjmicron"),
        ("04b4:6830", "usbcypress"),
        ("067b:2571", "usbprolific"),
        ("2109:0700", "sat,12"),
        # Listed as passing no SMART, or not listed: the standard SAT, which only reads.
        ("0402:5621", "sat"),
        ("46f4:0001", "sat"),  # QEMU's USB storage (the lab)
        ("dead:beef", "sat"),
        (None, "sat"),
    ],
)
def test_a_usb_disk_is_asked_with_the_type_drivedb_lists_for_its_bridge(
    ids: str | None, expected: str
) -> None:
    assert module.device_type(SmartTarget("/dev/sdb", Transport.USB, ids)) == expected


@given(st.data())
def test_the_probe_and_the_bridge_finding_read_one_table(data: st.DataObject) -> None:
    """Any bridge smartmontools lists with a type is asked with that type (sat otherwise), so the
    finding about a bridge that hides SMART knows what was tried (known_hardware.USB_BRIDGE_SMART)."""
    entry = data.draw(st.sampled_from(known_hardware.USB_BRIDGE_SMART))
    ids = data.draw(st.from_regex(entry.pattern, fullmatch=True))
    first = known_hardware.bridge_smart(ids)  # an earlier, more specific entry may win, as in drivedb
    assert first is not None
    asked = module.device_type(SmartTarget("/dev/sdb", Transport.USB, ids))
    assert asked == (first.device_type if first.device_type else "sat")


def test_the_probe_keeps_no_table_of_its_own() -> None:
    tables = [
        name for name, value in vars(module).items() if isinstance(value, dict) and "152d:0583" in value
    ]
    assert tables == []


def test_read_smart_asks_without_waking_the_disk() -> None:
    runner, calls = _replay("Hitachi-HDS721050DLE630-usbjmicron-failing")
    smart, raw, error = module.read_smart(SmartTarget("/dev/sdc", Transport.USB), runner=runner, timeout=5)
    assert calls == [["smartctl", "-x", "-j", "-n", "standby", "-d", "sat", "/dev/sdc"]]
    assert smart.available and smart.passed is False
    assert raw is not None and raw.returncode == 216 and raw.probe == "smartctl"
    assert error is None


def test_read_smart_skips_disks_without_smart() -> None:
    runner, calls = _replay("WDC-WD20EFRX-68EUZN0")
    smart, raw, _error = module.read_smart(SmartTarget("/dev/mmcblk0", Transport.MMC), runner=runner)
    assert calls == []
    assert raw is None
    assert smart.reason == "SD cards and eMMC have no SMART"


def test_read_smart_turns_a_timeout_into_a_reason() -> None:
    message = "`smartctl -x -j -n standby -d sat /dev/sda` did not finish within 30 s (killed)"
    failing = _failing(ProbeErrorKind.TIMED_OUT, message)
    smart, _raw, error = module.read_smart(SmartTarget("/dev/sda", Transport.USB), runner=failing)
    assert not smart.available
    assert smart.reason == message
    assert error is not None and error.kind is ProbeErrorKind.TIMED_OUT


def test_read_smart_adds_the_permission_hint() -> None:
    runner, _calls = _replay("this-machine-virtio-vda-sat-open-failed")
    smart, _raw, _error = module.read_smart(SmartTarget("/dev/vda", Transport.USB), runner=runner)
    assert not smart.available
    assert "CAP_SYS_RAWIO" in (smart.reason or "")


def test_read_all_reports_a_missing_smartctl_once() -> None:
    disks = [SmartTarget("/dev/sda", Transport.SATA), SmartTarget("/dev/sdb", Transport.SATA)]
    reading = module.read_all(disks, runner=_failing(ProbeErrorKind.NOT_INSTALLED, "smartctl: not found"))
    assert reading.value == {}
    assert reading.raw == ()
    assert (reading.result.outcome, reading.result.error_kind) == (
        ProbeOutcome.NO_DATA,
        ProbeErrorKind.NOT_INSTALLED,
    )
    assert reading.result.reason == "smartctl not found (install smartmontools)"


def test_read_all_without_smartctl_on_path_asks_no_disk(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    reading = module.read_all([SmartTarget("/dev/sda", Transport.SATA)])
    assert (reading.value, reading.result.error_kind) == ({}, ProbeErrorKind.NOT_INSTALLED)


def test_read_all_marks_timeouts_as_errors() -> None:
    message = "`smartctl …` did not finish within 30 s (killed)"
    failing = _failing(ProbeErrorKind.TIMED_OUT, message)
    reading = module.read_all([SmartTarget("/dev/sda", Transport.SATA)], runner=failing)
    assert (reading.result.outcome, reading.result.error_kind) == (
        ProbeOutcome.FAILED,
        ProbeErrorKind.TIMED_OUT,
    )
    assert reading.value is not None and not reading.value["/dev/sda"].available


def test_read_all_on_this_machine_never_raises() -> None:
    disks = [
        SmartTarget("/dev/vda", Transport.VIRTIO),
        SmartTarget("/dev/nonexistent-nodewatch", Transport.SATA),
    ]
    reading = module.read_all(disks, timeout=20)
    if shutil.which("smartctl") is None:
        assert (reading.result.outcome, reading.result.error_kind) == (
            ProbeOutcome.NO_DATA,
            ProbeErrorKind.NOT_INSTALLED,
        )
        assert reading.result.reason == "smartctl not found (install smartmontools)"
    else:
        # A disk that is not there is a disk without SMART, not a failed probe.
        assert reading.result.outcome is ProbeOutcome.OK, reading.result.reason
        assert reading.value is not None and not reading.value["/dev/nonexistent-nodewatch"].available
