"""Power and heat, boot media and the node's filesystems, NixOS booted vs current, and a live
kernel log's last hour: the findings, on readings of public outputs (tests/fixtures/node-health)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nodewatch import replay
from nodewatch.config import DiagnoseSettings
from nodewatch.diagnose import diagnose
from nodewatch.model import (
    FilesystemSpace,
    Finding,
    KernelEventKind,
    KernelLog,
    SensorKind,
    Severity,
    Snapshot,
    Temperature,
    Throttling,
)
from nodewatch.parse.kernel_log import parse_kernel_log
from nodewatch.parse.node_health import parse_throttled
from nodewatch.probe import node_health
from tests.support.recordings import body
from tests.support.sysfs_tree import build

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
HEALTH = FIXTURES / "node-health"
SEED = FIXTURES / "lab" / "seed-usb-reattach" / "zfs23"
NOW = datetime(2026, 12, 5, 0, 30, tzinfo=UTC)


def _node(**fields: object) -> Snapshot:
    return Snapshot(hostname="pi", collected_at=NOW, local_time=NOW.replace(tzinfo=None), **fields)  # type: ignore[arg-type]


def _findings(snapshot: Snapshot, *codes: str) -> list[Finding]:
    return [f for f in diagnose(snapshot, DiagnoseSettings()).findings if not codes or f.code in codes]


def _vcgencmd(name: str) -> Throttling:
    value = parse_throttled(body(HEALTH / name))
    assert value is not None
    return Throttling(value, "vcgencmd get_throttled")


def test_under_voltage_now_and_throttled_now_say_so_with_the_fix():
    findings = _findings(_node(throttling=_vcgencmd("vcgencmd-0x50005-libreelec-forum.txt")))
    assert [(f.code, f.severity) for f in findings] == [
        ("under-voltage", Severity.WARNING),
        ("throttled", Severity.WARNING),
    ]
    power, slowed = findings
    assert power.summary == "under-voltage now: USB disks on this Pi will drop out under load"
    assert "5.1 V/3 A" in power.detail and "powered USB hub" in power.detail
    assert power.evidence == ("vcgencmd get_throttled: 0x50005",)
    assert slowed.summary == "the Pi is slowed down now: throttled"
    assert "under-voltage" in slowed.detail and "5.1 V/3 A" in slowed.detail


def test_since_boot_only_is_a_warning_for_power_and_information_for_the_clocks():
    findings = _findings(_node(throttling=_vcgencmd("vcgencmd-0x50000-raspberrypi-docs.txt")))
    assert [(f.code, f.severity) for f in findings] == [
        ("under-voltage", Severity.WARNING),
        ("throttled", Severity.INFO),
    ]
    assert findings[0].summary.startswith("under-voltage since boot: USB disks on this Pi will drop out")
    assert findings[1].summary == "the Pi was slowed down since boot: throttled"


def test_the_soft_temperature_limit_is_heat_with_a_cooling_fix():
    [finding] = _findings(_node(throttling=_vcgencmd("vcgencmd-0x80008-lrp-status.txt")))
    assert (finding.code, finding.severity) == ("throttled", Severity.WARNING)
    assert finding.summary == "the Pi is slowed down now: soft temperature limit reached"
    assert "heatsink" in finding.detail and "5.1 V" not in finding.detail
    assert _findings(_node(throttling=_vcgencmd("vcgencmd-0x0-raspberrypi-docs.txt"))) == []


def test_the_flags_and_the_kernel_log_say_under_voltage_once_naming_the_usb_disks():
    seed = replay.snapshot_from_outputs(
        (SEED / "02-degraded-zpool-status-Pv.txt").read_text(),
        udev_db=(SEED / "02-degraded-udevadm-export-db.txt").read_text(),
        kernel_log=(FIXTURES / "kernel-log" / "dietpi-3225-firmware-under-voltage.txt").read_text(),
    )
    snapshot = dataclasses.replace(seed, throttling=_vcgencmd("vcgencmd-0xd0000-gist-dasl.txt"))
    under = _findings(snapshot, "under-voltage")
    assert len(under) == 1
    assert under[0].summary == (
        "under-voltage since boot (the kernel logged it 3 times):"
        " the USB disks on this Pi (sdc) will drop out under load"
    )


def test_a_hot_soc_and_a_hot_drive_without_smart():
    soc = Temperature(
        "cpu-thermal", SensorKind.SOC, 82.5, "/sys/class/thermal/thermal_zone0/temp", critical=110.0
    )
    drive = Temperature(
        "drivetemp", SensorKind.DRIVE, 61.0, "/sys/class/hwmon/hwmon2/temp1_input", high=60.0, device="sda"
    )
    findings = _findings(_node(temperatures=(soc, drive)))
    assert [(f.code, f.severity, f.summary) for f in findings] == [
        ("soc-temperature-high", Severity.WARNING, "the SoC is at 82 °C (cpu-thermal); critical at 110 °C"),
        ("drive-temperature-high", Severity.WARNING, "sda is at 61 °C; throttles or warns at 60 °C"),
    ]
    assert findings[1].disk is not None and findings[1].disk.devnode == "/dev/sda"


def test_the_kernel_documentations_zone_at_37_degrees_is_fine(tmp_path):
    reading = node_health.read_temperatures(build(HEALTH / "kernel-doc-thermal-acpitz.tree", tmp_path))
    cool = tuple(dataclasses.replace(t, kind=SensorKind.SOC) for t in reading.value or ())
    assert _findings(_node(temperatures=cool)) == []
    hot = tuple(dataclasses.replace(t, celsius=85.0) for t in cool)
    [finding] = _findings(_node(temperatures=hot))
    assert (
        finding.severity is Severity.WARNING and "throttles or warns at 80 °C" in finding.summary
    )  # its passive trip


def test_emmc_wear(tmp_path):
    worn = node_health.read_flash_wear(
        build(HEALTH / "SYNTHETIC-emmc-worn-mmcblk0.tree", tmp_path / "a")
    ).value
    [finding] = _findings(_node(flash_wear=worn))
    assert (finding.code, finding.severity) == ("emmc-worn", Severity.CRITICAL)
    assert finding.summary == (
        "the eMMC mmcblk0 (8GTF4R) reports past its rated life"
        " and 80 % of its spare blocks used (pre-EOL warning)"
    )
    healthy = node_health.read_flash_wear(build(HEALTH / "emmc-healthy-mmcblk2.tree", tmp_path / "b")).value
    assert _findings(_node(flash_wear=healthy)) == []


def _space(mountpoint: str, percent: int, **more: object) -> FilesystemSpace:
    size = 30 * 2**30
    used = size * percent // 100
    return FilesystemSpace(mountpoint, size, size - used, used, **more)  # type: ignore[arg-type]


def test_a_full_boot_on_nixos_gets_garbage_collection_and_new_boot_entries():
    systems = _nixos_systems()
    snapshot = _node(
        filesystems=(_space("/boot", 97, source="/dev/mmcblk0p1", fstype="vfat"),), nixos=systems
    )
    [finding] = _findings(snapshot, "filesystem-full")
    assert finding.severity is Severity.CRITICAL
    assert finding.summary.startswith("/boot is 97% full")
    assert [a.command for a in finding.actions] == [
        "du -xh -d 1 /boot",
        "nix-collect-garbage --delete-older-than 30d",
        "/run/current-system/bin/switch-to-configuration boot",
    ]
    root = _findings(_node(filesystems=(_space("/", 86, source="/dev/mmcblk0p2"),)), "filesystem-full")
    assert [(f.severity, [a.command for a in f.actions]) for f in root] == [
        (Severity.WARNING, ["du -xh -d 1 /", "journalctl --vacuum-size=200M"])
    ]
    assert _findings(_node(filesystems=(_space("/", 50),))) == []


def test_a_root_hovering_at_the_line_tells_once():
    """Hysteresis as for pool capacity: raised at 85 %, held while within the 5-point margin."""
    at_86 = _node(filesystems=(_space("/", 86, source="/dev/mmcblk0p2"),))
    [raised] = diagnose(at_86, DiagnoseSettings()).findings
    at_82 = _node(filesystems=(_space("/", 82, source="/dev/mmcblk0p2"),))
    [held] = diagnose(at_82, DiagnoseSettings(), standing=[raised]).findings
    assert (held.code, held.severity, held.key) == ("filesystem-full", Severity.WARNING, raised.key)
    assert "stays until it is below 80%" in held.detail
    assert diagnose(at_82, DiagnoseSettings()).findings == ()  # a one-shot diagnosis judges the value alone
    at_79 = _node(filesystems=(_space("/", 79, source="/dev/mmcblk0p2"),))
    assert diagnose(at_79, DiagnoseSettings(), standing=[raised]).findings == ()


def _nixos_systems():
    import tempfile

    with tempfile.TemporaryDirectory() as where:
        systems = node_health.read_nixos(
            build(HEALTH / "SYNTHETIC-nixos-switched-new-kernel.tree", Path(where))
        ).value
    assert systems is not None
    return systems


def test_nixos_updated_but_not_rebooted():
    [finding] = _findings(_node(nixos=_nixos_systems()))
    assert (finding.code, finding.severity) == ("nixos-reboot-pending", Severity.WARNING)
    assert finding.summary.startswith("NixOS was updated but not rebooted")
    assert "kernel linux-6.6.31/Image → linux-6.6.32/Image" in finding.evidence
    assert "kernel modules linux-6.6.31-modules → linux-6.6.32-modules" in finding.evidence
    assert [a.command for a in finding.actions] == ["systemctl reboot"]
    same = dataclasses.replace(_nixos_systems(), current_kernel=_nixos_systems().booted_kernel)
    same = dataclasses.replace(same, current_modules=same.booted_modules)
    assert _findings(_node(nixos=same)) == []  # a new system on the same kernel: no reboot needed


def test_sd_card_errors_and_a_read_only_remount():
    text = (
        "[  912.120000] mmcblk0: error -110 sending status command, retrying\n"
        "[  912.130000] blk_update_request: I/O error, dev mmcblk0, sector 1234567 op 0x1:(WRITE) flags 0x0\n"
        "[  912.140000] EXT4-fs (mmcblk0p2): Remounting filesystem read-only\n"
    )
    log = parse_kernel_log(text)
    assert [e.kind for e in log.events] == [
        KernelEventKind.MMC_ERROR,
        KernelEventKind.IO_ERROR,
        KernelEventKind.READ_ONLY_REMOUNT,
    ]
    snapshot = _node(
        kernel_log=log,
        filesystems=(_space("/", 40, source="/dev/mmcblk0p2", read_only=True),),
    )
    findings = _findings(snapshot)
    assert [(f.code, f.severity) for f in findings] == [
        ("filesystem-read-only", Severity.CRITICAL),
        ("boot-media-errors", Severity.CRITICAL),
    ]
    remount, errors = findings
    assert remount.summary == "/dev/mmcblk0p2 (/) was remounted read-only by the kernel after errors"
    assert errors.summary == "mmcblk0 (the card holding /) logged 2 I/O errors"
    assert "SD card reports no wear" in errors.detail
    assert not any(f.code.startswith("kernel-") for f in findings)  # said once, by the boot media rule


def _live(log: KernelLog, minutes_ago: list[int]) -> KernelLog:
    """The events of a pasted log as the live probe keeps them: journal times, minutes before NOW."""
    events = tuple(
        dataclasses.replace(
            event, time=NOW - timedelta(minutes=ago), when=(NOW - timedelta(minutes=ago)).isoformat()
        )
        for event, ago in zip(log.events, minutes_ago, strict=True)
    )
    return KernelLog(events=events, lines=log.lines, source="journal", cursor="s=1")


def test_a_live_log_counts_the_last_hour():
    seed = replay.snapshot_from_outputs(
        (SEED / "02-degraded-zpool-status-Pv.txt").read_text(),
        udev_db=(SEED / "02-degraded-udevadm-export-db.txt").read_text(),
        kernel_log=(
            FIXTURES / "kernel-log" / "SYNTHETIC-lab-seed-usb-sdc-uas-resets-under-voltage.txt"
        ).read_text(),
    )
    assert seed.kernel_log is not None
    count = len(seed.kernel_log.events)
    recent = dataclasses.replace(
        seed, collected_at=NOW, local_time=None, kernel_log=_live(seed.kernel_log, [5] * count)
    )
    [finding] = [f for f in _findings(recent) if f.code == "kernel-link-resets"]
    assert "in the last hour" in finding.summary and "since boot" not in finding.summary
    assert finding.summary.startswith("sdc (")
    assert finding.summary.endswith("in the last hour and under-voltage was reported 2 times")
    # the two under-voltage lines come first, then the link's: the last two of those are recent
    mixed = dataclasses.replace(recent, kernel_log=_live(seed.kernel_log, [300] * (count - 2) + [5] * 2))
    [finding] = [f for f in _findings(mixed) if f.code == "kernel-link-resets"]
    assert "(UAS) since boot (2 of these in the last hour) and under-voltage" in finding.summary
    old = dataclasses.replace(recent, kernel_log=_live(seed.kernel_log, [300] * count))
    [finding] = [f for f in _findings(old) if f.code == "kernel-link-resets"]
    assert "since boot (none in the last hour)" in finding.summary
    assert finding.severity is Severity.CRITICAL  # still: the member it is about is UNAVAIL


def test_a_live_log_with_nothing_in_the_last_hour_is_information_unless_the_member_errs():
    no_pool = replay.snapshot_from_outputs(
        None,
        udev_db=(SEED / "02-degraded-udevadm-export-db.txt").read_text(),
        kernel_log=(
            FIXTURES / "kernel-log" / "SYNTHETIC-lab-seed-usb-sdc-uas-resets-under-voltage.txt"
        ).read_text(),
    )
    assert no_pool.kernel_log is not None
    count = len(no_pool.kernel_log.events)
    for minutes, severity in ((5, Severity.WARNING), (300, Severity.INFO)):
        live = dataclasses.replace(
            no_pool, collected_at=NOW, kernel_log=_live(no_pool.kernel_log, [minutes] * count)
        )
        [finding] = [f for f in _findings(live) if f.code == "kernel-link-resets"]
        assert finding.severity is severity, (minutes, finding.summary)
    pasted = dataclasses.replace(no_pool, collected_at=NOW)  # a paste: no window, as before
    [finding] = [f for f in _findings(pasted) if f.code == "kernel-link-resets"]
    assert finding.severity is Severity.WARNING and "last hour" not in finding.summary


def test_a_read_only_mount_without_a_remount_in_a_live_log_is_on_purpose():
    mounted_ro = (_space("/boot", 20, source="/dev/mmcblk0p1", read_only=True),)
    [unknown] = _findings(_node(filesystems=mounted_ro))  # no kernel log read: it may be a remount
    assert (unknown.code, unknown.severity) == ("filesystem-read-only", Severity.WARNING)
    assert unknown.summary == "/dev/mmcblk0p1 (/boot) is mounted read-only"
    live = KernelLog(events=(), lines=812, source="journal", cursor="s=1")
    [chosen] = _findings(_node(filesystems=mounted_ro, kernel_log=live))
    assert (chosen.code, chosen.severity) == ("filesystem-read-only", Severity.INFO)
    assert "no remount after errors" in chosen.detail
