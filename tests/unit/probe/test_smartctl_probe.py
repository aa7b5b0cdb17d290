"""probe/smartctl.py: the -d type per transport, and failures turned into reasons (fake runner)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

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
