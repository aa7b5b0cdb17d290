"""The pool that is not there: public `zpool import` listings, judged as an expert would.

Each fixture in tests/fixtures/zpool-import/ is a listing someone posted (source in
its header). A pasted listing means "these pools should be imported here"; the
report must say why each is not, and give the command that brings it back, never
forcing an import that ZFS refuses for a reason.
"""

from __future__ import annotations

import dataclasses
import shlex
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nodewatch.diagnose import diagnose
from nodewatch.model import ExpectedFrom, ExpectedPool, Finding, Guid, KnownMember, Severity, Transport
from nodewatch.parse.zpool_import import cannot_import, parse_zpool_import, unsupported_features
from nodewatch.replay import ReplayError, snapshot_from_outputs
from nodewatch.zfs_features import release_needed

LISTINGS = Path(__file__).resolve().parents[2] / "fixtures" / "zpool-import"
HEALTHY_STATUS = Path(__file__).resolve().parents[2] / "fixtures" / "zpool-status-text"


def findings_for(name: str, zpool_status: str | None = None) -> list[Finding]:
    snapshot = snapshot_from_outputs(zpool_status, zpool_import=(LISTINGS / name).read_text())
    return list(diagnose(snapshot).findings)


def only(findings: list[Finding], pool: str) -> Finding:
    mine = [f for f in findings if f.pool == pool]
    assert len(mine) == 1, [f.code for f in mine]
    return mine[0]


def commands(finding: Finding) -> list[str]:
    return [action.command for action in finding.actions]


def test_importable_everything_found_is_critical_and_imports_by_id():
    finding = only(findings_for("zol-0.6.5-online-importable.txt"), "tank")
    assert finding.severity is Severity.CRITICAL
    assert finding.code == "pool-not-imported"
    assert commands(finding) == ["zpool import -d /dev/disk/by-id tank"]
    assert "every member present" in finding.summary


def test_importable_degraded_names_the_missing_member():
    finding = only(findings_for("openzfs-2.x-degraded-mirror-member-unavail-4J.txt"), "NAS")
    assert finding.code == "pool-not-imported"
    assert "16604657609174159965" in finding.detail
    assert "1 member(s) missing" in finding.summary
    assert commands(finding) == ["zpool import -d /dev/disk/by-id NAS"]
    assert finding.actions[0].check_first  # missing members: reconnect first if possible


def test_members_corrupted_under_short_names_is_the_renumbering_case():
    finding = only(findings_for("zol-0.6-degraded-members-corrupted-data-by-guid-4J.txt"), "storage")
    assert "renumbered at boot" in finding.detail
    assert commands(finding)[0] == "zpool import -d /dev/disk/by-id storage"


@pytest.mark.parametrize(
    "name, pool",
    [
        ("zol-2012-online-last-accessed-by-another-system-EY.txt", "data"),
        ("openzfs-2.1.4-truenas-online-last-accessed-EY-sdX.txt", "MeGaTrOn"),
    ],
)
def test_last_accessed_by_another_system_forces_only_with_the_warning(name, pool):
    finding = only(findings_for(name), pool)
    assert finding.code == "pool-not-imported-hostid"
    assert "networking.hostId" in finding.detail and "reinstall" in finding.detail
    (action,) = finding.actions
    assert shlex.split(action.command) == ["zpool", "import", "-d", "/dev/disk/by-id", "-f", pool]
    assert action.check_first and "DANGEROUS" in action.check_first


def test_multihost_without_hostid_sets_one_before_importing():
    finding = only(findings_for("openzfs-2.x-unavail-multihost-hostid-unset-excerpt.txt"), "home1")
    assert finding.code == "pool-not-imported-hostid"
    assert commands(finding) == ["zgenhostid && zpool import -d /dev/disk/by-id home1"]


def test_not_importable_lists_missing_members_and_forces_nothing():
    finding = only(findings_for("zol-0.6-unavail-insufficient-replicas-corrupted-5E.txt"), "storage")
    assert finding.code == "pool-not-importable"
    for member in ("Z1F1PYM6", "W1F2372R", "W1F24BTK"):
        assert member in finding.detail
    assert "Z5003V9R" not in finding.detail  # ONLINE members are not "missing"
    assert commands(finding) == ["zpool import -d /dev/disk/by-id"]  # the read-only listing only


def test_a_missing_stripe_member_is_said_to_block_the_import():
    finding = only(findings_for("zol-0.6-unavail-missing-top-level-6X.txt"), "tank")
    assert finding.code == "pool-not-importable"
    assert "whole top-level devices are missing" in finding.detail


def test_unsupported_feature_names_the_release_and_offers_read_only():
    finding = only(findings_for("zol-0.6-unavail-unsupported-feature-readonly.txt"), "VAULT")
    assert finding.code == "pool-unsupported-features"
    assert "com.delphix:spacemap_histogram" in finding.detail
    assert "OpenZFS 0.6.4 or newer" in finding.summary
    assert commands(finding) == ["zpool import -d /dev/disk/by-id -o readonly=on VAULT"]


def test_two_pools_each_get_their_own_verdict():
    findings = findings_for("zol-ubuntu18.04-two-pools-unsupported-features-EY-and-online.txt")
    assert only(findings, "zfspool").code == "pool-unsupported-features"
    assert not only(findings, "zfspool").actions  # no read-only hint in that status: nothing to force
    assert only(findings, "rpool").code == "pool-not-imported"


def test_a_pool_already_imported_is_not_reported_missing():
    status = """  pool: tank
 state: ONLINE
config:

        NAME        STATE     READ WRITE CKSUM
        tank        ONLINE       0     0     0
          sdb       ONLINE       0     0     0

errors: No known data errors
"""
    findings = findings_for("zol-0.6.5-online-importable.txt", zpool_status=status)
    assert not [f for f in findings if f.code.startswith("pool-not")]


@pytest.mark.parametrize("path", sorted(LISTINGS.glob("*.txt")), ids=lambda p: p.name)
def test_every_public_listing_gets_a_critical_finding_per_pool_and_quoted_commands(path):
    snapshot = snapshot_from_outputs(None, zpool_import=path.read_text())
    assert snapshot.importable is not None and snapshot.importable.pools
    report = diagnose(snapshot)
    for pool in snapshot.importable.pools:
        finding = only(list(report.findings), pool.name)
        assert finding.severity is Severity.CRITICAL
        for command in commands(finding):
            shlex.split(command)
            assert "-F" not in shlex.split(command)
            assert "labelclear" not in command and "create" not in command
    assert report.exit_status == 2


def test_cannot_import_lines_of_a_boot_journal_are_read():
    journal = (
        "Nov 22 10:35:40 zfslab zpool[480]: cannot import 'bigdata':"
        " one or more devices is currently unavailable\n"
        "Nov 22 10:35:40 zfslab systemd[1]: zfs-import-cache.service: Main process exited, code=exited\n"
    )
    assert cannot_import(journal) == {"bigdata": "one or more devices is currently unavailable"}


def test_a_listing_with_no_pool_is_not_an_all_clear():
    with pytest.raises(ReplayError, match="no pool found"):
        snapshot_from_outputs(None, zpool_import="ssh: connect to host nas port 22: Connection refused\n")


def test_no_pools_available_with_an_expected_pool_is_critical():
    snapshot = snapshot_from_outputs(None, zpool_import="no pools available to import\n")
    assert snapshot.importable is not None and not snapshot.importable.pools
    expected = ExpectedPool("bigdata", sources=(ExpectedFrom.CACHE_FILE,), member_paths=("/dev/sdb1",))
    report = diagnose(dataclasses.replace(snapshot, expected_pools=(expected,)))
    finding = only(list(report.findings), "bigdata")
    assert finding.code == "pool-missing" and finding.severity is Severity.CRITICAL
    assert "/dev/sdb1" in finding.detail


def test_expected_but_no_listing_read_is_unknown_not_healthy():
    snapshot = snapshot_from_outputs(None, zpool_import="no pools available to import\n")
    expected = ExpectedPool("bigdata", sources=(ExpectedFrom.CONFIG,))
    report = diagnose(dataclasses.replace(snapshot, expected_pools=(expected,), importable=None))
    assert only(list(report.findings), "bigdata").severity is Severity.UNKNOWN
    assert report.exit_status == 3


def test_feature_table_names_the_newest_release_needed():
    assert release_needed(["com.delphix:spacemap_histogram"]) == "0.6.4"
    assert release_needed(["org.openzfs:raidz_expansion", "com.delphix:hole_birth"]) == "2.3"
    assert release_needed(["com.example:not_a_feature"]) is None
    listing = parse_zpool_import((LISTINGS / "zol-0.6-unavail-unsupported-feature-readonly.txt").read_text())
    assert unsupported_features(listing.pools[0]) == ("com.delphix:spacemap_histogram",)


# The service's history (KnownMember, by vdev guid) names the disks a listing cannot.
SEEN = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
REMEMBERED = KnownMember(
    vdev_guid=Guid(16604657609174159965),
    pool="NAS",
    last_seen=SEEN,
    devnode="/dev/sdc",
    model="WDC WD40EFZX-68AWUN0",
    serial="WD-WX12D000FCA7",
    bridge_serial="000000123AE8",
    transport=Transport.USB,
    port="USB 0:1:1.0",
)


def test_a_missing_member_is_named_by_what_the_history_remembers():
    snapshot = snapshot_from_outputs(
        None, zpool_import=(LISTINGS / "openzfs-2.x-degraded-mirror-member-unavail-4J.txt").read_text()
    )
    report = diagnose(snapshot, known_members={REMEMBERED.vdev_guid: REMEMBERED})
    finding = only(list(report.findings), "NAS")
    assert "The missing member was the WDC WD40EFZX-68AWUN0 serial WD-WX12D000FCA7" in finding.detail
    assert "at port USB 0:1:1.0" in finding.detail and "2026-11-23 12:00 UTC" in finding.detail


def test_a_pool_nowhere_to_be_found_names_its_members_last_seen():
    snapshot = snapshot_from_outputs(None, zpool_import="no pools available to import\n")
    expected = ExpectedPool("NAS", sources=(ExpectedFrom.CACHE_FILE,))
    report = diagnose(
        dataclasses.replace(snapshot, expected_pools=(expected,)),
        known_members={REMEMBERED.vdev_guid: REMEMBERED},
    )
    finding = only(list(report.findings), "NAS")
    assert finding.code == "pool-missing"
    assert "serial WD-WX12D000FCA7" in finding.detail and "/dev/sdc" in finding.detail


def test_a_pool_only_the_history_knows_is_information_not_an_alarm():
    snapshot = snapshot_from_outputs(None, zpool_import="no pools available to import\n")
    report = diagnose(snapshot, known_members={REMEMBERED.vdev_guid: REMEMBERED})
    finding = only(list(report.findings), "NAS")
    assert finding.code == "pool-seen-before" and finding.severity is Severity.INFO
    assert "exported on purpose" in finding.detail
    assert [action.command for action in finding.actions] == ["zpool import -d /dev/disk/by-id"]
    assert report.exit_status == 0
