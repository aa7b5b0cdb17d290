"""probe/smartctl.py: the -d type per transport, and failures turned into reasons (fake runner)."""

from __future__ import annotations

import json
from pathlib import Path

from nodewatch.model import Disk, ProbeOutcome, Transport, UsbBridge
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


def _failing(message: str):  # type: ignore[no-untyped-def]
    def runner(argv: list[str], timeout: float) -> CommandResult:
        raise CommandError(message)

    return runner


def test_device_type_follows_the_transport() -> None:
    jms583 = UsbBridge(driver="uas", vendor_id="152d", product_id="0583")
    assert module.device_type(Disk("/dev/sda", Transport.USB, bridge=UsbBridge(driver="uas"))) == "sat"
    assert module.device_type(Disk("/dev/sdb", Transport.USB, bridge=jms583)) == "sntjmicron"
    assert module.device_type(Disk("/dev/nvme0n1", Transport.NVME)) == "nvme"
    assert module.device_type(Disk("/dev/sdc", Transport.SATA)) == "auto"
    assert module.device_type(Disk("/dev/mmcblk0", Transport.MMC)) is None
    assert module.device_type(Disk("/dev/vdb", Transport.VIRTIO)) is None


def test_read_smart_asks_without_waking_the_disk() -> None:
    runner, calls = _replay("Hitachi-HDS721050DLE630-usbjmicron-failing")
    smart, raw = module.read_smart(Disk("/dev/sdc", Transport.USB), runner=runner, timeout=5)
    assert calls == [["smartctl", "-x", "-j", "-n", "standby", "-d", "sat", "/dev/sdc"]]
    assert smart.available and smart.passed is False
    assert raw is not None and raw.returncode == 216


def test_read_smart_skips_disks_without_smart() -> None:
    runner, calls = _replay("WDC-WD20EFRX-68EUZN0")
    smart, raw = module.read_smart(Disk("/dev/mmcblk0", Transport.MMC), runner=runner)
    assert calls == []
    assert raw is None
    assert smart.reason == "SD cards and eMMC have no SMART"


def test_read_smart_turns_a_timeout_into_a_reason() -> None:
    message = "`smartctl -x -j -n standby -d sat /dev/sda` did not finish within 30 s (killed)"
    smart, _raw = module.read_smart(Disk("/dev/sda", Transport.USB), runner=_failing(message))
    assert not smart.available
    assert smart.reason == message


def test_read_smart_adds_the_permission_hint() -> None:
    runner, _calls = _replay("this-machine-virtio-vda-sat-open-failed")
    smart, _raw = module.read_smart(Disk("/dev/vda", Transport.USB), runner=runner)
    assert not smart.available
    assert "CAP_SYS_RAWIO" in (smart.reason or "")


def test_read_all_reports_a_missing_smartctl_once() -> None:
    disks = [Disk("/dev/sda", Transport.SATA), Disk("/dev/sdb", Transport.SATA)]
    smart, raws, result = module.read_all(disks, runner=_failing("smartctl: not found"))
    assert smart == {}
    assert raws == ()
    assert result.outcome is ProbeOutcome.NO_DATA
    assert result.reason == "smartctl not found (install smartmontools)"


def test_read_all_marks_timeouts_as_errors() -> None:
    message = "`smartctl …` did not finish within 30 s (killed)"
    smart, _raws, result = module.read_all([Disk("/dev/sda", Transport.SATA)], runner=_failing(message))
    assert result.outcome is ProbeOutcome.ERROR
    assert not smart["/dev/sda"].available


def test_read_all_on_this_machine_never_raises() -> None:
    disks = [Disk("/dev/vda", Transport.VIRTIO), Disk("/dev/nonexistent-nodewatch", Transport.SATA)]
    smart, _raws, result = module.read_all(disks, timeout=20)
    assert result.outcome in (ProbeOutcome.OK, ProbeOutcome.NO_DATA)
    if result.outcome is ProbeOutcome.OK:
        assert not smart["/dev/nonexistent-nodewatch"].available
