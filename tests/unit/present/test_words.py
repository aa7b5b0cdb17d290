"""Sizes, durations, scans and the JSON envelope: one place each, both unit systems kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from nodewatch import cli
from nodewatch.model import (
    Finding,
    Inventory,
    ProbeOutcome,
    ProbeResult,
    Scan,
    ScanFunction,
    ScanState,
    Severity,
)
from nodewatch.present import envelope
from nodewatch.present.findings import plain
from nodewatch.present.pools import Tone, describe_scan, state_tone
from nodewatch.words.sizes import binary_size, clock_duration, decimal_size, rough_duration
from tests.support.recordings import LAB


def test_drive_sizes_are_decimal_as_sold_and_pool_sizes_binary_as_zpool_prints() -> None:
    assert decimal_size(4_000_787_030_016) == "4.00 TB"
    assert decimal_size(512) == "512 B"
    assert binary_size(3_998_614_552_576) == "3.6T"
    assert binary_size(512) == "512B"
    assert binary_size(1536) == "1.5K"


def test_durations_exact_as_zpool_or_rough_for_a_wait() -> None:
    assert clock_duration(28_729) == "07:58:49"
    assert clock_duration(93_784) == "1d 02:03:04"
    assert rough_duration(7_500) == "2 h 5 min"
    assert rough_duration(20) == "1 min"  # never "0 min" while something still runs
    assert rough_duration(93_784) == "1 d 2 h"


def test_a_scan_in_progress_says_how_far_how_fast_and_how_long_to_go() -> None:
    scan = Scan(
        function=ScanFunction.RESILVER,
        state=ScanState.IN_PROGRESS,
        percent_done=46.64,
        rate_bytes_per_second=150 * 1024**2,
        eta_seconds=28_729,
        start_time=datetime(2026, 11, 23, 8, 40),  # noqa: DTZ001 - zpool prints node-local wall time
    )
    assert describe_scan(scan) == (
        "resilver in progress, 46.64% done, at 150.0M/s, 07:58:49 to go, started 2026-11-23 08:40"
    )
    assert describe_scan(Scan()) == "never scrubbed"


def test_state_tones() -> None:
    assert [state_tone(s) for s in ("ONLINE", "INUSE", "DEGRADED", "OFFLINE", "FAULTED", "UNAVAIL", "")] == [
        Tone.GOOD,
        Tone.GOOD,
        Tone.DEGRADED,
        Tone.DEGRADED,
        Tone.BAD,
        Tone.BAD,
        Tone.NONE,
    ]


def test_plain_finding_for_an_alert_keeps_every_part() -> None:
    from nodewatch.model import Action

    finding = Finding(
        Severity.CRITICAL,
        "member-faulted",
        "tank: member sdb is FAULTED",
        detail="Too many errors.",
        evidence=("sdb FAULTED",),
        actions=(Action("zpool clear tank sdb", "Clear the errors.", check_first="SMART"),),
    )
    assert plain(finding) == (
        "CRITICAL: tank: member sdb is FAULTED [member-faulted]\n"
        "Too many errors.\n"
        "evidence: sdb FAULTED\n"
        "fix: Clear the errors.\n"
        "  check first: SMART\n"
        "  zpool clear tank sdb"
    )


COMMON = ["schema", "kind", "host", "collected_at"]


def test_every_json_output_opens_with_the_same_envelope(capsys) -> None:  # type: ignore[no-untyped-def]
    step = LAB / "seed-usb-reattach" / "zfs23"
    documents = {}
    for kind, argv in {
        "report": ["diagnose", "--json", "--zpool-status", str(step / "02-degraded-zpool-status-Pv.txt")],
        "pools": ["pools", "--json", "--zpool-status", str(step / "02-degraded-zpool-status-Pv.txt")],
        "disks": ["disks", "--json", "--udev-db", str(step / "01-healthy-udevadm-export-db.txt")],
    }.items():
        cli.main(argv)
        documents[kind] = json.loads(capsys.readouterr().out)
    for kind, document in documents.items():
        assert list(document)[:4] == COMMON, kind
        assert (document["schema"], document["kind"]) == (envelope.SCHEMA, kind)
    assert documents["report"]["host"] == "(pasted)"
    assert documents["pools"]["host"] is None and documents["disks"]["host"] is None


def test_envelope_dates_and_names_the_node() -> None:
    when = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    probe = ProbeResult("udev", ProbeOutcome.OK)
    document = envelope.disks_document(Inventory(), [probe], host="pi-node-1", collected_at=when)
    assert document["host"] == "pi-node-1"
    assert document["collected_at"] == "2026-11-23T12:00:00+00:00"
    assert document["probes"] == [
        {"name": "udev", "outcome": "ok", "reason": None, "duration_seconds": 0.0, "error_kind": None}
    ]


def test_error_counters_are_quoted_as_zpool_printed_them() -> None:
    from nodewatch.parse.zpool_numbers import parse_count
    from nodewatch.words.sizes import nicenum

    # Columns of recorded `zpool status` outputs (tests/fixtures/): read, then said again.
    for printed in ("0", "3", "317", "2.04K", "2.36K", "4.09K", "13.2K", "1.85M", "1.89M"):
        count = parse_count(printed)
        assert count is not None
        assert nicenum(count) == printed


def test_a_finding_rounds_scan_progress_for_someone_deciding_whether_to_wait() -> None:
    from nodewatch.words.scans import scan_progress

    running = Scan(function=ScanFunction.RESILVER, state=ScanState.IN_PROGRESS)
    assert scan_progress(running) == "running"
    assert scan_progress(Scan(percent_done=46.64, eta_seconds=28_729)) == "46.6% done, about 7 h 58 min to go"
    assert scan_progress(Scan(percent_done=66.46)) == "66.5% done"


def test_every_json_kind_is_documented() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    sources = "\n".join(path.read_text(encoding="utf-8") for path in (root / "nodewatch").rglob("*.py"))
    kinds = set(re.findall(r'envelope\(\s*"(\w+)"', sources))
    assert {"report", "pools", "disks"} <= kinds
    documented = (root / "docs" / "json.md").read_text(encoding="utf-8")
    missing = sorted(kind for kind in kinds if f"`{kind}`" not in documented)
    assert not missing, f"JSON kinds not described in docs/json.md: {missing}"


def test_the_article_before_a_drive_follows_the_model_it_names() -> None:
    """Real readings: linuxhw's APPLE HDD, Duresa7's SAMSUNG NVMe (an NVMe drive is what the phrase says
    it is, so it follows the model after a comma), and models read letter by letter."""
    from pathlib import Path

    from nodewatch.model import Disk, Transport
    from nodewatch.parse.smartctl import parse_smartctl
    from nodewatch.words.articles import article
    from nodewatch.words.disks import describe

    text = Path(__file__).parents[2] / "fixtures" / "smartctl-text"
    apple = parse_smartctl((text / "linuxhw-ata-HTS541010A9E632-D190552AD538-2024-08-25.txt").read_text())
    samsung = parse_smartctl((text / "duresa7-homelab-nvme-MZVLB256HAHQ-failed-segments.txt").read_text())
    assert describe(Disk("/dev/sda", Transport.SATA, model=apple.model)) == (
        "/dev/sda, an APPLE HDD HTS541010A9E632 on a SATA port"
    )
    assert describe(Disk("/dev/nvme0n1", Transport.NVME, model=samsung.model)) == (
        f"/dev/nvme0n1, a {samsung.model}, an NVMe drive"
    )
    assert describe(Disk("/dev/nvme0n1", Transport.NVME)) == "/dev/nvme0n1, an NVMe drive"
    said = {
        m: article(m) for m in ("HGST HUS726T4TALA6L4", "ST4000DM004", "WDC WD40EFZX", "MG08ACP16TE", "USB")
    }
    assert said == {
        "HGST HUS726T4TALA6L4": "an",
        "ST4000DM004": "an",
        "WDC WD40EFZX": "a",
        "MG08ACP16TE": "an",
        "USB": "a",
    }
    assert [article(m) for m in ("TOSHIBA", "INTEL SSDSC2", "Ultrastar", "")] == ["a", "an", "an", "a"]
