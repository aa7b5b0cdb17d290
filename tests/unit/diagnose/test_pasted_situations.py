"""The situations people paste, judged as an OpenZFS expert would (issue #8).

Every input is a real public `zpool status` (the fixture header names the
thread or document it was copied from); no inventory unless a test gives one.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nodewatch import model
from nodewatch.diagnose import diagnose
from nodewatch.diagnose.risk import is_auxiliary, redundancy_words, severity_for
from nodewatch.diagnose.topology import placements
from nodewatch.replay import snapshot_from_outputs
from tests.support import recordings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TEXT = FIXTURES / "zpool-status-text"


def report_of(name: str, **inputs: str) -> model.Report:
    return diagnose(snapshot_from_outputs((TEXT / name).read_text(encoding="utf-8"), **inputs))


def commands(report: model.Report) -> list[str]:
    return [action.command for finding in report.findings for action in finding.actions]


def words(finding: model.Finding) -> str:
    return " ".join((finding.summary, finding.detail, *(a.why for a in finding.actions)))


def codes(report: model.Report, at_least: model.Severity = model.Severity.WARNING) -> list[str]:
    return [
        f.code for f in report.findings if f.severity >= at_least and f.severity != model.Severity.UNKNOWN
    ]


# ─── pool UNAVAIL, "insufficient replicas" ─────────────────────────────────

UNAVAILABLE = [
    "zol-0.6.0-raidz2-sdX-renumbered-corrupted-data-5E.txt",
    "zol-0.6.3-mirror-sdX-faulted-corrupted-data-5E-x.txt",
    "openzfs-2.3.1-removed-members-unavail-L-excerpt.txt",
    "freebsd-geli-diskid-mirror-both-unavail-3C-redacted-excerpt.txt",
    "solaris-illumos-msg-3C-stripe-cannot-open-faulted.txt",
]


@pytest.mark.parametrize("name", UNAVAILABLE)
def test_an_unavailable_pool_is_down_never_replaced_and_has_no_redundancy_words(name):
    report = report_of(name)
    assert codes(report) == ["pool-unavailable"]
    finding = report.findings[0]
    assert finding.severity is model.Severity.CRITICAL
    assert "is down" in finding.summary
    assert not any(c.startswith("zpool replace") for c in commands(report))
    text = words(finding)
    for redundancy in ("redundancy left", "can still lose", "one more failure"):
        assert redundancy not in text


@pytest.mark.parametrize("name", UNAVAILABLE[:2])
def test_corrupted_data_under_sdx_names_is_read_as_renumbered_disks_and_reimported_first(name):
    report = report_of(name)
    finding = report.findings[0]
    pool = finding.pool
    assert finding.actions[0].command == f"zpool export {pool} && zpool import -d /dev/disk/by-id {pool}"
    assert "renumbered at boot" in finding.detail
    assert "premature" in finding.detail  # ZFS-8000-5E says "Destroy and re-create the pool"


def test_an_unavailable_pool_with_removed_members_says_reconnect_then_clear_first():
    report = report_of("openzfs-2.3.1-removed-members-unavail-L-excerpt.txt")
    finding = report.findings[0]
    assert finding.actions[0].command == "zpool clear Regression-Pool"
    assert "reconnecting" in finding.actions[0].why
    assert "wwn-0x50000394f803873c REMOVED" in finding.evidence


# ─── I/O suspended ─────────────────────────────────────────────────────────

SUSPENDED = [
    "zol-0.7-unavail-suspended-insufficient-replicas-list-unavailable.txt",  # HC, UNAVAIL, stripe
    "zol-0.8.1-single-disk-unavail-two-errors-lines.txt",  # JQ, single disk, 5 data errors
    "openzfs-2.x-suspended-raidz3-faulted-was-excerpt.txt",  # SUSPENDED, raidz3
    "freebsd-file-vdevs-jq-metadata-errors-excerpt.txt",  # JQ on an ONLINE pool, FreeBSD
]


@pytest.mark.parametrize("name", SUSPENDED)
def test_a_suspended_pool_says_reconnect_then_zpool_clear_and_never_replace(name):
    report = report_of(name)
    first = report.findings[0]
    assert first.code == "pool-suspended" and first.severity is model.Severity.CRITICAL
    assert first.actions[0].command == f"zpool clear {first.pool}"
    assert "Reconnect" in first.detail
    assert not any(c.startswith(("zpool replace", "zpool detach")) for c in commands(report))
    assert not any(f.code.startswith("member-") for f in report.findings)


def test_a_suspended_stripe_says_the_device_itself_has_to_come_back():
    for name in SUSPENDED[:2]:
        first = report_of(name).findings[0]
        assert "no redundancy where it failed" in first.detail
        assert "`dmesg` or `journalctl -k`" in first.detail


def test_file_vdevs_say_nothing_of_the_platform_so_the_kernel_log_is_named_plainly():
    # FreeBSD's ZFS printed illumos.org message URLs too: the URL is no evidence of illumos.
    first = report_of("freebsd-file-vdevs-jq-metadata-errors-excerpt.txt").findings[0]
    assert "the kernel log (`dmesg`)" in first.detail


# ─── data errors ───────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("zol-0.6.5-permanent-errors-2.04K-counters.txt", "2 permanent data errors"),
        ("zol-0.8.1-single-disk-unavail-two-errors-lines.txt", "5 permanent data errors"),
        ("freebsd-file-vdevs-jq-metadata-errors-excerpt.txt", "8 permanent data errors"),
        ("openzfs-2.3-resilver-expand-paths-was-old-elided.txt", "1 permanent data error"),
        ("openzfs-2.1.4-two-pools-8A-partuuid-excerpt.txt", "permanent data errors"),
    ],
)
def test_data_errors_are_critical_counted_and_lead_to_status_v_restore_clear_scrub(name, count):
    report = report_of(name)
    found = [f for f in report.findings if f.code == "pool-data-errors"]
    assert len(found) == 1
    finding = found[0]
    assert finding.severity is model.Severity.CRITICAL
    assert count in finding.summary
    pool = finding.pool
    assert [a.command for a in finding.actions] == [
        f"zpool status -v {pool}",
        f"zpool clear {pool} && zpool scrub {pool}",
    ]
    assert "restore" in finding.detail.lower()
    assert "ZFS repaired what it could" not in " ".join(words(f) for f in report.findings)


def test_metadata_errors_are_said_to_be_pool_metadata_not_files():
    report = report_of("freebsd-file-vdevs-jq-metadata-errors-excerpt.txt")
    finding = next(f for f in report.findings if f.code == "pool-data-errors")
    assert "8 of the entries are <metadata>" in finding.detail
    assert "<metadata>:<0x0>" in finding.evidence


def test_counters_are_shown_as_zpool_printed_them():
    report = report_of("zol-0.6.5-permanent-errors-2.04K-counters.txt")
    erring = [f for f in report.findings if f.code == "member-errors"]
    assert erring and all("4.09K checksum" in f.summary for f in erring)
    assert all("4188" not in f.summary + " ".join(f.evidence) for f in erring)


# ─── work in progress: replaces, spares, dRAID ─────────────────────────────


def test_a_replace_under_way_says_progress_and_wait_and_suggests_nothing_to_run():
    report = report_of("zol-0.7-resilver-old-progress-replacing-excerpt.txt")
    assert codes(report) == ["replace-in-progress"]
    finding = report.findings[0]
    assert finding.severity is model.Severity.WARNING
    assert finding.summary == "storage: sde1 is replacing sde: resilver 0.1% done, about 22 d 19 h to go"
    assert "wait" in finding.detail and "Do not detach replacing-4" in finding.detail
    assert finding.actions == ()
    assert not any(c.startswith(("zpool replace", "zpool detach")) for c in commands(report))


def test_a_replace_under_way_beside_a_failing_mirror_side_is_not_critical_catch_all():
    report = report_of("zol-0.7-resilver-issued-format-offline-too-many-errors-excerpt.txt")
    assert "pool-unhealthy" not in codes(report)
    finding = next(f for f in report.findings if f.code == "replace-in-progress")
    assert "66.5% done" in finding.summary and "1 h 24 min" in finding.summary


def test_a_disk_still_being_resilvered_onto_is_not_counted_as_redundancy():
    """openzfs/zfs#7537: replacing-0's old side is OFFLINE and sdh still resilvering, so the
    DEGRADED other side of mirror-0 holds the only whole copy: no redundancy left, not "1 more"."""
    report = report_of("zol-0.7-resilver-issued-format-offline-too-many-errors-excerpt.txt")
    for finding in report.findings:
        assert "can still lose" not in finding.detail
        assert "mirror-0 has no redundancy left: one more failure there loses the pool." in finding.detail
    # A raidz2 whose member is replaced from an UNAVAIL disk has one member's parity left.
    [finding] = report_of("zol-0.7-resilver-old-progress-replacing-excerpt.txt").findings
    assert finding.detail.endswith("Until then: raidz2-0 can still lose 1 more device.")
    # A hot spare still resilvering in is no copy yet either (the same paste as spare-0).
    text = (TEXT / "zol-0.7-resilver-issued-format-offline-too-many-errors-excerpt.txt").read_text(
        encoding="utf-8"
    )
    as_spare = snapshot_from_outputs(text.replace("replacing-0 ", "spare-0     "))
    leaf = next(p for p in placements(as_spare.pools[0]) if p.leaf.name == "sdh")
    assert leaf.parent.type is model.VdevType.SPARE
    assert redundancy_words(leaf) == "mirror-0 has no redundancy left: one more failure there loses the pool."
    # Once the new disk is whole (no "(resilvering)"), either side of replacing-0 serves.
    done = snapshot_from_outputs(text.replace("  (resilvering)", ""))
    leaf = next(p for p in placements(done.pools[0]) if p.leaf.name == "sdh")
    assert redundancy_words(leaf) == "mirror-0 can still lose 1 more device."


def test_a_member_degraded_with_its_counters_reset_is_named_and_not_replaced_during_the_resilver():
    """openzfs/zfs#7537: WCC13HETXXKA is DEGRADED "too many errors" with 0 0 0, the mirror's other
    side is being replaced (66 %): the resilver reads from it. It holds the mirror's only whole
    copy, so it is critical."""
    report = report_of("zol-0.7-resilver-issued-format-offline-too-many-errors-excerpt.txt")
    assert codes(report) == ["member-degraded", "replace-in-progress"]
    finding = report.findings[0]
    assert finding.severity is model.Severity.CRITICAL
    assert finding.summary == (
        "vz: ata-WDC_WD3001FFSX-68JNUN0_WD-WCC13HETXXKA is DEGRADED (too many errors)"
        " though its error counters read 0"
    )
    assert "counters read 0 because they were reset" in finding.detail
    assert "zpool events -v" in finding.detail and "Let it finish" in finding.detail
    assert [a.command for a in finding.actions] == [
        "zpool clear vz ata-WDC_WD3001FFSX-68JNUN0_WD-WCC13HETXXKA",
        "zpool scrub vz",
    ]
    assert "resilver has finished" in (finding.actions[0].check_first or "")
    assert not any(c.startswith("zpool replace") for c in commands(report))


def test_a_degraded_member_with_no_resilver_running_may_be_cleared_or_replaced():
    text = (TEXT / "zol-0.7-resilver-issued-format-offline-too-many-errors-excerpt.txt").read_text(
        encoding="utf-8"
    )
    # The same paste with the replace finished: only the DEGRADED member is left.
    text = text.replace("  scan: resilver in progress since Sat May 12 19:45:12 2018\n", "")
    text = text.replace("\t6.18T scanned at 644M/s, 4.26T issued at 444M/s, 6.42T total\n", "")
    text = text.replace("\t123G resilvered, 66.46% done, 0 days 01:24:38 to go\n", "")
    report = diagnose(snapshot_from_outputs(text))
    finding = next(f for f in report.findings if f.code == "member-degraded")
    assert "Let it finish" not in finding.detail
    assert [a.command.split()[1] for a in finding.actions] == ["clear", "scrub", "replace"]


def test_draid_distributed_spares_standing_in_during_a_replace_are_never_replaced_or_detached():
    report = report_of("openzfs-2.2.4-draid-nested-spares-table-only.txt")
    assert codes(report) == ["replace-in-progress"]
    finding = report.findings[0]
    assert finding.summary.startswith("tank20: L6 is replacing L6/old")
    assert "distributed spares draid2-0-0, draid2-0-1 stand in" in finding.detail
    for command in commands(report):
        assert "draid2-0-" not in command and "replacing-" not in command and "spare-" not in command


def test_a_rebuild_of_a_draid_that_is_degraded_is_a_warning_to_wait_not_a_critical_catch_all():
    report = report_of("openzfs-2.1-draid3-two-scan-lines-excerpt.txt")
    assert codes(report) == ["rebuild-in-progress"]
    finding = report.findings[0]
    assert finding.severity is model.Severity.WARNING and "wait" in finding.detail
    assert "93.0% done" in finding.summary


def test_a_replace_whose_new_disk_vanished_is_cancelled_by_detaching_that_leaf():
    report = report_of("zol-0.6.5-raidz2-replacing-missing-was-excerpt.txt")
    assert codes(report) == ["replace-stalled"]
    assert commands(report) == ["zpool detach ZFS01 127286639182292558"]


def test_a_replace_left_after_its_resilver_detaches_the_old_leaf_never_the_interior_vdev():
    report = report_of("lab-2.3.2-replacing-after-labelclear.txt")
    assert codes(report) == ["replace-not-finished"]
    assert commands(report) == ["zpool detach bigdata 4296869500517908464"]


def test_a_spare_still_attached_beside_a_healthy_original_can_be_returned_to_the_spares():
    report = report_of("truenas-config-only-special-logs-cache-spares-inuse.txt")
    finding = next(f for f in report.findings if f.code == "spare-still-attached")
    assert finding.severity is model.Severity.INFO
    assert finding.actions[0].command == "zpool detach testspare f7c8e925-6ede-4331-8fd3-ee70570772e0"


# ─── log and cache devices; platforms ──────────────────────────────────────


def test_an_offline_log_device_on_illumos_is_a_warning_that_loses_no_data():
    report = report_of("smartos-illumos-slices-offline-log.txt")
    assert codes(report) == ["member-offline"]
    finding = report.findings[0]
    assert finding.severity is model.Severity.WARNING
    assert "separate intent log" in finding.detail and "no data is at risk" in finding.detail
    assert commands(report) == ["zpool online zones c1t2d0s4"]


def test_freebsd_gpt_labels_get_no_linux_only_advice():
    report = report_of("freebsd-gpt-labels-table-only.txt")
    text = " ".join(words(f) + " ".join(a.check_first or "" for a in f.actions) for f in report.findings)
    assert "nodewatch disks" not in text and "journalctl" not in text and "/dev/disk/by-id" not in text
    assert "`smartctl -a`" in text and "/var/log/messages" in text


def test_an_unavailable_cache_device_is_a_warning_removed_and_added_again_never_replaced():
    # openzfs/zfs#14871 (the cut cache row completed with its two counters: see the header).
    report = report_of("openzfs-2.1.11-cache-device-unavail-4J-row-completed-SYNTHETIC.txt")
    assert codes(report) == ["cache-device-unavailable"]
    finding = report.findings[0]
    assert finding.severity is model.Severity.WARNING
    device = "f7a3305b-ce48-11ea-bdee-77fbe5732e17"
    assert commands(report) == [
        f"zpool online storage {device}",
        f"zpool remove storage {device}",
        "zpool add storage cache /dev/disk/by-id/NEW-SSD",
    ]


# ─── lab scenario 8: a raidz on /dev/sdX whose disks came back on other ports ───


@pytest.mark.parametrize("flavour", ["zfs23", "zfs21"])
def test_a_raidz_on_sdx_that_openzfs_reimported_by_itself_is_said_to_be_fine_with_by_id_advice(flavour):
    # Recorded on both flavours: at boot the pool imported ONLINE from the new names by itself.
    from tests.support.recordings import lab_snapshot

    snapshot = lab_snapshot("sdx-renumbered", flavour, "02-renumbered")
    pool = snapshot.pools[0]
    assert pool.state == "ONLINE" and all(leaf.state == "ONLINE" for leaf in pool.leaves())
    report = diagnose(snapshot)
    assert report.exit_status == 1
    assert codes(report) == ["unstable-device-path"]
    assert (
        report.findings[0].actions[0].command == "zpool export tank && zpool import -d /dev/disk/by-id tank"
    )


# ─── not a zpool status; hostile input ─────────────────────────────────────


def nodewatch(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """The CLI of this checkout, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "nodewatch", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
    )


@pytest.mark.parametrize(
    "paste",
    [
        b"",
        b"cannot open 'tank': no such pool\n",
        b"ssh: connect to host nas port 22: Connection refused\n",
        b"$ zpool status\n-bash: zpool: command not found\n",
        bytes(range(256)) * 40,
    ],
    ids=["empty", "zpool-error", "ssh-failed", "shell-transcript", "binary"],
)
def test_a_paste_that_is_not_a_zpool_status_exits_3_no_pool_found(paste):
    done = nodewatch("diagnose", "--zpool-status", "-", stdin=paste)
    assert done.returncode == 3
    assert b"no pool found in the input" in done.stderr
    assert b"Nothing needs attention" not in done.stdout


@pytest.mark.parametrize("paste", [b"no pools available\n", b'{"output_version": {}, "pools": {}}\n'])
def test_a_pasted_no_pools_available_is_not_all_clear_but_could_not_tell(paste):
    """A paste does not say which pool should be there: unknown (exit 3), with the listing to
    paste next. docs/findings.md, no-pools."""
    done = nodewatch("diagnose", "--zpool-status", "-", stdin=paste)
    assert done.returncode == 3, done.stderr
    assert b"[no-pools]" in done.stdout and b"cannot tell which pool was meant" in done.stdout
    assert b"zpool import -d /dev/disk/by-id" in done.stdout
    assert b"Nothing needs attention" not in done.stdout


def test_no_pools_on_the_node_itself_with_none_expected_is_said_plainly_and_exits_0():
    zpool = model.ProbeResult("zpool", model.ProbeOutcome.OK)
    report = diagnose(snapshot_from_outputs("no pools available\n", hostname="pi", probes=(zpool,)))
    assert [(f.code, f.severity) for f in report.findings] == [("no-pools", model.Severity.INFO)]
    assert report.findings[0].summary == "this node has no ZFS pools imported, and none should be"
    assert report.exit_status == 0


def test_a_paste_with_its_zpool_import_listing_is_judged_not_left_unknown():
    listing = (FIXTURES / "zpool-import").glob("*.txt")
    importable = next(path for path in sorted(listing) if "ONLINE" in path.read_text(encoding="utf-8"))
    report = diagnose(
        snapshot_from_outputs("no pools available\n", zpool_import=importable.read_text(encoding="utf-8"))
    )
    assert "no-pools" not in [f.code for f in report.findings]
    assert report.exit_status == 2


def test_a_paste_whose_listing_is_empty_too_says_so():
    report = diagnose(
        snapshot_from_outputs("no pools available\n", zpool_import="no pools available to import\n")
    )
    (finding,) = report.findings
    assert finding.code == "no-pools" and "finds no pool on the disks either" in finding.detail
    assert report.exit_status == 3


def _nested_vdevs_json(depth: int) -> bytes:
    vdev: dict[str, object] = {"name": "sda", "vdev_type": "disk", "state": "ONLINE", "guid": "1"}
    for level in range(depth):
        vdev = {"name": f"mirror-{level}", "vdev_type": "mirror", "state": "ONLINE", "vdevs": {"x": vdev}}
    root = {"name": "tank", "vdev_type": "root", "state": "ONLINE", "vdevs": {"m": vdev}}
    pools = {"tank": {"name": "tank", "state": "ONLINE", "vdevs": {"tank": root}}}
    return json.dumps({"output_version": {"command": "zpool status"}, "pools": pools}).encode()


def _nested_vdevs_text(depth: int) -> bytes:
    lines = [
        "  pool: tank",
        " state: ONLINE",
        "config:",
        "",
        "\tNAME STATE READ WRITE CKSUM",
        "\ttank ONLINE 0 0 0",
    ]
    lines += ["\t" + "  " * (level + 1) + f"mirror-{level} ONLINE 0 0 0" for level in range(depth)]
    return ("\n".join(lines) + "\n\nerrors: No known data errors\n").encode()


# SYNTHETIC, built here: crafted input no zpool prints, as a hostile or broken paste can be.
_DEEP = {
    "100,000 [": b"[" * 100_000 + b"]" * 100_000,
    "pools: 100,000 [": b'{"pools": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "JSON vdevs 450 deep": _nested_vdevs_json(450),
    "JSON vdevs 12 deep": _nested_vdevs_json(12),
    "text vdevs 3,000 deep": _nested_vdevs_text(3000),
    "text vdevs 12 deep": _nested_vdevs_text(12),
}


@pytest.mark.parametrize("paste", list(_DEEP.values()), ids=list(_DEEP))
@pytest.mark.parametrize(
    "command", [("diagnose", "--zpool-status"), ("pools", "--zpool-status"), ("diagnose", "--from")]
)
def test_deeply_nested_input_exits_3_with_a_message_not_a_traceback(tmp_path, paste, command):
    path = tmp_path / "pasted"
    path.write_bytes(paste)
    done = nodewatch(*command, str(path))
    assert done.returncode == 3, done.stderr
    assert b"Traceback" not in done.stderr and b"RecursionError" not in done.stderr
    assert done.stderr.startswith(f"nodewatch {command[0]}: ".encode()), done.stderr[-300:]


def test_a_real_pools_depth_is_well_within_the_limit():
    """The deepest tree of every fixture (6 levels: a dRAID's spare inside a spare,
    openzfs-2.2.4-draid-nested-spares-table-only.txt) is well within MAX_VDEV_DEPTH."""
    from nodewatch.parse.zpool_errors import MAX_VDEV_DEPTH
    from nodewatch.parse.zpool_status import parse_zpool_status

    def depth(vdev: model.Vdev) -> int:
        return 1 + max((depth(child) for child in vdev.children), default=0)

    paths = [*TEXT.glob("*.txt"), *(FIXTURES / "zpool-status-json").glob("*.json")]
    paths = [path for path in paths if not path.name.endswith(".jq.json")]  # jq extracts, not outputs
    deepest = max(
        depth(pool.root)
        for path in paths
        for pool in parse_zpool_status(path.read_text(encoding="utf-8")).pools
        if pool.root
    )
    assert 5 <= deepest <= MAX_VDEV_DEPTH - 4


def test_the_refusal_quotes_the_input_with_control_characters_escaped():
    done = nodewatch("diagnose", "--zpool-status", "-", stdin=b"\x1b[2Jboom\x07\n")
    assert done.returncode == 3
    assert b"\x1b" not in done.stderr and b"\x07" not in done.stderr
    assert b"\\x1b[2Jboom\\x07" in done.stderr


def test_stdin_can_be_given_for_one_input_only():
    done = nodewatch("diagnose", "--zpool-status", "-", "--by-id", "-", stdin=b"no pools available\n")
    assert done.returncode == 3
    assert b"one input only" in done.stderr


def test_a_usage_error_exits_3_not_2_which_monitoring_reads_as_critical():
    done = nodewatch("diagnose", "--no-such-option")
    assert done.returncode == 3
    assert b"usage:" in done.stderr


def test_a_huge_line_among_pool_lines_is_clipped_in_the_evidence(tmp_path):
    text = (TEXT / "zol-0.6-four-space-indent-scan-none.txt").read_text(encoding="utf-8")
    pasted = text + "x" * 1_000_000 + "\n"
    report = diagnose(snapshot_from_outputs(pasted))
    lines = [line for f in report.findings for line in f.evidence]
    assert lines and max(len(line) for line in lines) < 300
    assert any("(1000000 characters)" in line for line in lines)


def test_snapshot_dash_o_dash_writes_to_stdout_not_to_a_file_named_dash(tmp_path):
    done = nodewatch("snapshot", "-o", "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["schema"] == 1
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize(
    "message",
    [
        "The ZFS modules are not loaded.\nTry running '/sbin/modprobe zfs' as root to load them.\n",
        "internal error: failed to initialize ZFS library\n",
        "Permission denied the ZFS utilities must be run as root.\n",
    ],
    ids=["modules-not-loaded", "zfs-library", "permission-denied"],
)
def test_an_installed_zpool_that_fails_is_unknown_with_its_reason_and_no_demo(tmp_path, message):
    from tests.support.programs import config_file, fake_zpool
    from tests.support.programs import nodewatch as run_nodewatch

    zpool = fake_zpool(tmp_path, f"sys.stderr.write({message!r}); sys.exit(1)")
    done = run_nodewatch("diagnose", config=config_file(tmp_path, zpool))
    assert done.returncode == 3, done.stdout
    assert message.splitlines()[0][:30] in done.stdout
    assert "DEMO" not in done.stdout and "Nothing needs attention" not in done.stdout


# ─── replacement candidates on a real listing: an optical drive and an open LUKS mapping ───


def test_an_optical_drive_and_an_open_luks_mapping_are_never_offered_as_a_replacement():
    """openvstorage/framework#1647: a VMware CD-ROM (sr0), a LUKS1 mapping (dm-0) with LVM on it
    (dm-1, dm-2), beside a raidz1 missing a member (the lab's 4J paste)."""
    from nodewatch.config import DiagnoseSettings
    from nodewatch.diagnose.context import Context
    from nodewatch.diagnose.replacement import unfit_reason, unused_disks

    listing = (FIXTURES / "by-id" / "openvstorage-1647-cdrom-luks1-lvm-excerpt.txt").read_text(
        encoding="utf-8"
    )
    status = (TEXT / "lab-2.3.2-raidz1-member-missing-4J.txt").read_text(encoding="utf-8")
    snapshot = snapshot_from_outputs(status, by_id=listing)
    disks = {disk.devnode: disk for disk in snapshot.disks}
    assert set(disks) == {"/dev/sr0", "/dev/dm-0", "/dev/dm-1", "/dev/dm-2"}
    assert disks["/dev/sr0"].transport is model.Transport.OPTICAL
    assert {disks[f"/dev/dm-{n}"].transport for n in range(3)} == {model.Transport.DEVICE_MAPPER}
    assert "optical" in (unfit_reason(disks["/dev/sr0"]) or "")
    luks = disks["/dev/dm-0"]
    assert any(link.name.startswith("dm-uuid-CRYPT-LUKS1-") for link in luks.by_id)
    assert "device-mapper" in (unfit_reason(luks) or "")
    assert unused_disks(Context.build(snapshot, DiagnoseSettings())) == []
    report = diagnose(snapshot)
    assert codes(report) == ["member-missing"]
    offered = " ".join(commands(report))
    assert "sr0" not in offered and "dm-" not in offered and "CDROM" not in offered and "CRYPT" not in offered
    # Bringing the missing disk back comes first; a replace only onto a disk named by the user.
    assert commands(report)[0] == "zpool online bigdata 4296869500517908464"
    assert commands(report)[1].endswith("/dev/disk/by-id/NEW-DISK")


def test_errors_on_a_special_vdev_member_say_the_special_vdev_is_as_vital_as_the_data():
    """Checkmk/checkmk#475: 5 WRITE errors on a member of a special (metadata) mirror, 9P."""
    report = report_of("openzfs-2.x-special-mirror-write-errors-9P-excerpt.txt")
    assert codes(report) == ["member-errors"]
    finding = report.findings[0]
    assert finding.summary == (
        "storage: ata-Samsung_SSD_860_QVO_1TB_S4CZNF0N459001M-part3 had 0 read, 5 write, 0 checksum errors"
    )
    assert "mirror-2 is a special (metadata) vdev, as vital to the pool as its data vdevs" in finding.detail
    assert "Read and write errors are failed I/O" in finding.detail
    assert "Checksum errors alone" not in finding.detail
    assert [a.command for a in finding.actions] == [
        "zpool clear storage ata-Samsung_SSD_860_QVO_1TB_S4CZNF0N459001M-part3",
        "zpool scrub storage",
    ]


# ─── non-redundant pools, dedup vdevs, FreeBSD/illumos pools that are down ─


def told(finding: model.Finding) -> str:
    """Everything the finding says, the checks before each command included."""
    return words(finding) + " " + " ".join(a.check_first or "" for a in finding.actions)


NO_REDUNDANCY_WORDS = (
    "redundancy left",
    "can still lose",
    "one more failure",
    "resilver",
    "parity",
    "other side",
)


def test_a_single_disk_pool_with_a_lost_file_says_restore_from_backup_never_rebuild():
    """pastebin vP6EMfka: rpool on one NVMe partition, 7 WRITE errors, one permanent error in a file."""
    report = report_of("openzfs-2.x-single-disk-write-errors-8A-file-pastebin.txt")
    assert codes(report) == ["pool-data-errors", "member-errors"]
    assert {f.pool for f in report.findings} == {"rpool"}  # bpool, on the same disk, is fine
    lost, member = report.findings
    assert lost.severity is model.Severity.CRITICAL
    assert lost.summary == "rpool: 1 permanent data error: data was lost"
    assert "Restore them from a backup" in lost.detail
    assert any("Cache_Data" in line for line in lost.evidence)  # the file zpool named
    assert [a.command for a in lost.actions] == [
        "zpool status -v rpool",
        "zpool clear rpool && zpool scrub rpool",
    ]
    # The only disk: nothing to rebuild from, so no replace and no redundancy words.
    assert member.severity is model.Severity.WARNING
    assert "has no redundancy" in member.detail
    assert not any(c.startswith(("zpool replace", "zpool detach", "zpool attach")) for c in commands(report))
    for finding in report.findings:
        for redundancy in NO_REDUNDANCY_WORDS:
            assert redundancy not in told(finding), (finding.code, redundancy)


def test_a_suspended_single_vdev_pool_on_freebsd_needs_its_device_back_not_a_replace():
    """pastebin M6xEVGJS: a FreeBSD pool on one HAST provider, REMOVED, ZFS-8000-HC, 346 data errors."""
    report = report_of("freebsd-hast-single-vdev-unavail-removed-HC-346-data-errors.txt")
    assert codes(report) == ["pool-suspended", "pool-data-errors"]
    suspended, lost = report.findings
    assert "/dev/hast/mirror1" in suspended.detail  # the member, by the name the admin knows
    assert "nothing can be rebuilt from other disks" in suspended.detail
    assert "replacing it would not bring its data back" in suspended.detail
    assert suspended.actions[0].command == "zpool clear zhast01"
    assert lost.summary == "zhast01: 346 permanent data errors: data was lost"
    assert "bring its devices back and `zpool clear` it first" in lost.detail
    assert not any(c.startswith("zpool replace") for c in commands(report))
    text = " ".join(told(f) for f in report.findings)
    for linux_only in ("/dev/disk/by-id", "journalctl", "ZED"):
        assert linux_only not in text
    # Read as FreeBSD (HAST is FreeBSD's): its logs, and the Linux-only step said to be one.
    assert "`dmesg` and /var/log/messages" in (suspended.actions[0].check_first or "")
    assert "`nodewatch disks` reads udev and works on Linux only" in suspended.detail


def test_a_freebsd_mirror_with_both_geli_members_gone_says_attach_them_then_clear_or_reimport():
    """gist rubenerd/b7a58395: tank0 UNAVAIL, both mirror members 'was /dev/diskid/DISK-….eli', 3C."""
    report = report_of("freebsd-geli-diskid-mirror-both-unavail-3C-redacted-excerpt.txt")
    finding = report.findings[0]
    assert finding.summary.startswith("tank0 is UNAVAIL: the pool is down (")
    was = "(/dev/diskid/DISK-XXXXXXXXXXXXXX.eli) UNAVAIL was /dev/diskid/DISK-XXXXXXXXXXXXXX.eli"
    assert finding.evidence == (f"XXXXXXXXXXXXXXXXXX {was}", f"XXXXXXXXXXXXXXXXXXXX {was}")
    assert "`geli attach`" in finding.detail
    assert [a.command for a in finding.actions] == [
        "zpool clear tank0",
        "zpool export tank0 && zpool import tank0",
    ]
    assert "reconnecting" in finding.actions[0].why
    text = told(finding)
    for linux_only in ("/dev/disk/by-id", "journalctl", "nodewatch disks"):
        assert linux_only not in text
    assert "/var/log/messages" in (finding.actions[0].check_first or "")


def test_a_solaris_stripe_with_a_disk_that_cannot_open_is_down_in_its_own_words():
    """OpenZFS msg ZFS-8000-3C (Sun's article): a two-disk stripe, c0t0d1 FAULTED 'cannot open'."""
    report = report_of("solaris-illumos-msg-3C-stripe-cannot-open-faulted.txt")
    finding = report.findings[0]
    # The state as zpool printed it (old Solaris said FAULTED where OpenZFS says UNAVAIL).
    assert finding.summary == "test is FAULTED: the pool is down (c0t0d1 cannot be used)"
    assert finding.evidence == ("c0t0d1 FAULTED cannot open",)
    assert finding.actions[0].command == "zpool clear test"
    check = finding.actions[0].check_first or ""
    assert "/var/adm/messages" in check and "fmdump" in check  # illumos' kernel log and fault log
    text = told(finding)
    for linux_only in ("/dev/disk/by-id", "dmesg", "journalctl", "nodewatch disks"):
        assert linux_only not in text
    for redundancy in ("redundancy left", "can still lose", "one more failure"):
        assert redundancy not in text


def test_a_dedup_class_is_read_as_a_vdev_as_vital_as_the_data():
    """openzfs/zfs#8821 (behlendorf): raidz1 data plus a `dedup` class of two single file vdevs.

    No real paste with errors on a dedup vdev was found; this one shows the class as
    zpool prints it (with a tab after `dedup`). The words a failing member gets come
    from the same place as the special-vdev case above (real errors there).
    """
    report = report_of("zol-0.8-raidz1-dedup-class-single-file-vdevs-excerpt.txt")
    # All ONLINE, no errors; but each single dedup vdev is a way to lose the raidz1 pool.
    assert codes(report) == ["class-vdev-less-redundant"] * 2
    dedup = [p for p in placements(report.snapshot.pools[0]) if p.group is model.VdevType.DEDUP]
    assert [p.leaf.name for p in dedup] == ["/var/tmp/vdev4", "/var/tmp/vdev5"]
    for placement in dedup:
        assert not is_auxiliary(placement)  # unlike a log or cache device
        assert severity_for(placement) is model.Severity.CRITICAL
        said = redundancy_words(placement)
        vital = "is a dedup-table vdev, as vital to the pool as its data vdevs."
        assert said.startswith(f"{placement.leaf.name} {vital}")
        assert "single device without redundancy" in said and "can still lose" not in said


def test_a_single_special_or_dedup_vdev_under_redundant_data_is_a_warning():
    """TrueNAS's test pool (mirrors, one special device) and openzfs/zfs#8821 (raidz1, two
    single dedup vdevs): ZFS warns of the mismatched replication level only at `zpool add`."""
    for name, pool, vdevs in (
        (
            "truenas-config-only-special-logs-cache-spares-inuse.txt",
            "testspare",
            ["58d6865e-664f-456c-a6bb-391e53e014d8"],
        ),
        (
            "zol-0.8-raidz1-dedup-class-single-file-vdevs-excerpt.txt",
            "dozer",
            ["/var/tmp/vdev4", "/var/tmp/vdev5"],
        ),
    ):
        report = report_of(name)
        found = [f for f in report.findings if f.code == "class-vdev-less-redundant"]
        assert [f.severity for f in found] == [model.Severity.WARNING] * len(vdevs)
        for finding, vdev in zip(found, vdevs, strict=True):
            assert finding.pool == pool and vdev in finding.summary
            assert (
                "survives no failure, its data vdevs 1 failure: losing it loses the pool" in finding.summary
            )
            assert f"zpool attach {pool} {vdev} <new device>" in finding.detail
            assert not finding.actions  # the new device is the owner's to choose


def test_a_special_mirror_under_mirrors_is_as_redundant_as_the_data():
    """Checkmk/checkmk#475: a mirror special vdev beside a mirror: nothing to say about it."""
    report = report_of("openzfs-2.x-special-mirror-write-errors-9P-excerpt.txt")
    assert "class-vdev-less-redundant" not in codes(report, model.Severity.INFO)


# ─── more pastes from the wild (helper wild, 2026-12-05) ──────────────────


def test_a_raidz1_still_online_with_one_member_unavail_by_guid_is_critical_and_reopens_it_first():
    """openzfs/zfs#3998: the pool line says ONLINE, yet a raidz1 member is UNAVAIL (ZFS-8000-4J)."""
    report = report_of("zol-0.6-raidz1-online-member-unavail-was-4J-partitions.txt")
    assert report.exit_status == 2
    [finding] = [f for f in report.findings if f.severity is model.Severity.CRITICAL]
    assert finding.code == "member-missing"
    assert "raidz1-0 has no redundancy left" in finding.detail
    assert "/dev/disk/by-id/ata-TOSHIBA_DT01ACA200_74FWMHDKS" in finding.detail
    assert finding.actions[0].command == "zpool online rpool 17682433485448789979"
    assert finding.actions[0].check_first  # reconnect first, never a replace first


def test_a_third_mirror_side_taken_offline_mid_resilver_is_a_warning_to_online_it_not_detach():
    """openzfs/zfs#13679: two ONLINE sides remain, so one more failure is survivable."""
    report = report_of("openzfs-2.1.5-three-way-mirror-offline-resilvering-excerpt.txt")
    assert report.exit_status == 1
    offline = next(f for f in report.findings if f.code == "member-offline")
    assert offline.severity is model.Severity.WARNING
    assert "mirror-0 can still lose 1 more device" in offline.detail
    assert commands(report) == ["zpool online corona ata-ST4000DM004-2CV104_ZTT1R5GF"]
    resilver = next(f for f in report.findings if f.code == "resilver-in-progress")
    assert "17.7% done" in resilver.summary


def test_two_raidz1_vdevs_each_with_a_member_offline_are_both_critical_and_onlined_by_their_alias():
    """openzfs/zfs#1754: vdev_id aliases (B2, B6); each raidz1 has no redundancy left."""
    report = report_of("zol-0.6-two-raidz1-members-offline-vdev-aliases-excerpt.txt")
    offline = [f for f in report.findings if f.code == "member-offline"]
    assert [f.severity for f in offline] == [model.Severity.CRITICAL] * 2
    assert [a.command for f in offline for a in f.actions] == ["zpool online data B2", "zpool online data B6"]
    assert not any(c.startswith(("zpool replace", "zpool detach")) for c in commands(report))


def test_a_hot_spare_inuse_that_nothing_in_the_pool_holds_is_not_all_clear():
    """openzfs/zfs#7577: raidz2 whole, spare sdd 'INUSE currently in use' with no spare-N.
    Freeing a stuck spare is not proven here: only `zpool status` (every pool) is offered."""
    report = report_of("zol-0.6.5.9-raidz2-spare-inuse-not-attached.txt")
    assert report.exit_status == 1
    [finding] = report.findings
    assert finding.code == "spare-in-use-elsewhere" and finding.severity is model.Severity.WARNING
    assert "sdd" in finding.summary and "another pool" in finding.detail
    assert commands(report) == ["zpool status"]


def test_a_hot_spare_standing_in_under_a_spare_vdev_is_not_said_to_be_elsewhere():
    for name in (
        "truenas-config-only-special-logs-cache-spares-inuse.txt",
        "openzfs-2.2.4-draid-nested-spares-table-only.txt",
    ):
        assert "spare-in-use-elsewhere" not in codes(report_of(name), model.Severity.INFO)


def test_trim_columns_of_status_t_are_read_and_two_healthy_pools_are_all_clear():
    """openzfs/zfs#8419: '(0% trimmed, started at …)' and '(trim unsupported)'."""
    report = report_of("zol-0.8-dev-status-t-trimming-and-trim-unsupported.txt")
    assert report.exit_status == 0
    assert codes(report) == []
    [unknown] = [f for f in report.findings if f.code == "zpool-output-not-understood"]
    assert unknown.evidence == ("[root@bl-vsnap-100 vsnap]# zpool status -t",)


def test_the_same_paste_still_quoted_with_email_prefixes_exits_3_never_all_clear(tmp_path):
    text = recordings.body(TEXT / "zol-0.8-dev-status-t-trimming-and-trim-unsupported.txt")
    quoted = "".join("> " + line for line in text.splitlines(keepends=True))
    paste = tmp_path / "quoted.txt"
    paste.write_text(quoted, encoding="utf-8")
    done = nodewatch("diagnose", "--zpool-status", str(paste))
    assert done.returncode == 3
    assert b"no pool found" in done.stderr


def test_an_unavailable_multipath_pool_with_io_suspended_is_cleared_first_never_replaced():
    """openzfs/zfs#4118: multipath dropped drives at once; UNAVAIL with ZFS-8000-HC."""
    report = report_of("zol-0.6.5-multipath-unavail-suspended-HC-scrub-errors-excerpt.txt")
    first = report.findings[0]
    assert first.code == "pool-suspended" and first.severity is model.Severity.CRITICAL
    assert first.actions[0].command == "zpool clear pool2"
    risky = ("zpool replace", "zpool detach", "zpool import -F")
    assert not any(c.startswith(risky) for c in commands(report))


def test_a_suspended_pool_cut_at_a_degraded_mirror_is_not_said_to_have_no_redundancy():
    """openzfs/zfs#7118 (MMP suspension): the paste ends at 'mirror-3 DEGRADED'; a mirror is
    redundant by kind, so "the device itself has to come back" would be a guess."""
    report = report_of("zol-0.7-mmp-suspended-HC-degraded-mirror-cut-excerpt.txt")
    first = report.findings[0]
    assert first.code == "pool-suspended"
    assert first.actions[0].command == "zpool clear Pool-0"
    assert "mirror-3 DEGRADED" in first.detail
    assert "no redundancy where it failed" not in first.detail


def test_an_importable_pool_missing_only_its_log_mirror_says_the_log_holds_no_data():
    """openzfs/zfs#1642: the log mirror is UNAVAIL, both sides 'corrupted data'."""
    name = "zol-0.6-degraded-log-mirror-unavail-corrupted-data-4J.txt"
    listing = (FIXTURES / "zpool-import" / name).read_text(encoding="utf-8")
    report = diagnose(snapshot_from_outputs(None, zpool_import=listing))
    [finding] = report.findings
    assert finding.code == "pool-not-imported" and finding.severity is model.Severity.CRITICAL
    assert "The log devices (sdg1, sdk1) are the separate intent log" in finding.detail
    assert "less (or no) redundancy" not in finding.detail
    assert "sdg2" not in finding.detail and "dm-11" not in finding.detail  # cache listed without state
    assert commands(report) == ["zpool import -d /dev/disk/by-id likewhoa"]


def test_a_two_way_mirror_with_a_side_removed_is_critical_and_onlined_by_its_partuuid_first():
    """Inner-Heaven/libzetta-rs#264: 'removed by the administrator', members named by PARTUUID."""
    report = report_of("openzfs-2.x-alpine-mirror-member-removed-partuuid-names.txt")
    [finding] = [f for f in report.findings if f.severity is model.Severity.CRITICAL]
    assert finding.code == "member-missing"
    assert "mirror-0 has no redundancy left" in finding.detail
    assert finding.actions[0].command == "zpool online gallium-data 3efe7898-b7c2-4a99-a602-2121bb43c543"


def test_a_faulted_mirror_side_whose_name_the_other_side_shares_is_never_named_in_a_command():
    """openzfs/zfs#16245: both serials redacted to 'xxxxxx', so both members print one name; a
    `zpool replace` or `clear` by that name could act on the healthy side. The guids are asked for."""
    report = report_of("openzfs-2.2.7-mirror-faulted-pool-online-serials-redacted.txt")
    assert report.exit_status == 2  # the pool line says ONLINE; a side is FAULTED
    [finding] = report.findings
    assert finding.code == "member-faulted"
    assert "mirror-0 has no redundancy left" in finding.detail
    assert commands(report) == ["zpool status -g tank", "zpool scrub tank"]
    assert "ata-TOSHIBA_MG08ACA16TE_64M0A0xxxxxx" in finding.actions[0].why


def test_a_spare_printed_twice_in_use_is_one_device_and_keeps_its_commands():
    report = report_of("truenas-config-only-special-logs-cache-spares-inuse.txt")
    assert not any(c.startswith("zpool status -g") for c in commands(report))


def test_two_lines_of_a_status_s_table_are_no_pool_and_exit_3(tmp_path):
    """openzfs/zfs#18555: the SLOW column's header and one OFFLINE leaf, nothing else."""
    done = nodewatch(
        "diagnose", "--zpool-status", str(TEXT / "openzfs-2.4-status-s-slow-column-fragment.txt")
    )
    assert done.returncode == 3
    assert b"no pool found" in done.stderr
