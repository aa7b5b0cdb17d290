"""Finding.key and compare() on the lab sequences: a problem keeps its identity while its words change.

The reports come from the real lab recordings (tests/fixtures/lab/). The lab's resilvers finish
before the harness records the next step, so the "resilvering" step grafts the scan of a real
resilver in progress (the OpenZFS 2.3 paste in tests/fixtures/zpool-status-text/) onto the lab
pool as it was after the replug; the pool and members stay as recorded.
"""

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nodewatch import model
from nodewatch.diagnose import diagnose
from nodewatch.diagnose.compare import Change, compare
from nodewatch.parse.zpool_status import parse_zpool_status
from tests.support.recordings import LAB, lab_snapshot

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
RESILVERING = FIXTURES / "zpool-status-text" / "openzfs-2.3-resilver-expand-paths-was-old-elided.txt"


def _report(scenario: str, step: str, flavour: str = "zfs23", **kwargs: bool) -> model.Report:
    return diagnose(lab_snapshot(scenario, flavour, step, **kwargs))


def _resilvering(snapshot: model.Snapshot) -> model.Snapshot:
    scan = parse_zpool_status(RESILVERING.read_text()).pools[0].scan
    assert scan.state is model.ScanState.IN_PROGRESS and scan.function is model.ScanFunction.RESILVER
    pools = tuple(dataclasses.replace(pool, scan=scan) for pool in snapshot.pools)
    status = dataclasses.replace(snapshot.pool_status, pools=pools)
    return dataclasses.replace(snapshot, pool_status=status)


def _changes(previous, current):
    return {(c.change, c.key.code) for c in compare(previous, current)}


@pytest.mark.parametrize("flavour", ["zfs23", "zfs21"])
def test_healthy_removed_resilvering_healthy(flavour):
    healthy = _report("removed-replug", "01-healthy", flavour)
    removed = _report("removed-replug", "02-removed", flavour)
    replugged = lab_snapshot("removed-replug", flavour, "03-replugged")
    resilvering = diagnose(_resilvering(replugged))
    back = diagnose(replugged)

    # The USB member sits behind QEMU's bridge, which hides SMART (informational, with the disk).
    hidden = "smart-hidden-by-bridge"
    assert _changes(None, healthy) == {(Change.NEW, "scrub-never"), (Change.NEW, hidden)}
    # The pool is no longer ONLINE: "never scrubbed" is not the advice while a member is gone.
    assert _changes(healthy, removed) == {
        (Change.NEW, "member-missing"),
        (Change.CLEARED, "scrub-never"),
        (Change.CLEARED, hidden),
    }
    missing = next(c for c in compare(healthy, removed) if c.change is Change.NEW)
    assert missing.key.pool == "tank" and missing.key.vdev_guid == missing.current.vdev_guid
    if flavour == "zfs23":  # 2.1's text names a REMOVED member by path only: no guid to key it by
        assert missing.key.vdev_guid is not None
    assert _changes(removed, resilvering) == {
        (Change.CLEARED, "member-missing"),
        (Change.NEW, "resilver-in-progress"),
        (Change.NEW, hidden),
    }
    assert _changes(resilvering, back) == {
        (Change.CLEARED, "resilver-in-progress"),
        (Change.UNCHANGED, hidden),
    }
    assert _changes(back, back) == {(Change.UNCHANGED, hidden)}


def test_the_seed_story_degraded_and_fixed():
    healthy = _report("seed-usb-reattach", "01-healthy")
    degraded = _report("seed-usb-reattach", "02-degraded")
    fixed = _report("seed-usb-reattach", "03-after-fix")
    new = [c for c in compare(healthy, degraded) if c.change is Change.NEW]
    # the moved disk is now behind QEMU's USB bridge, which hides its SMART (informational)
    assert [c.key.code for c in new] == ["member-present-elsewhere", "smart-hidden-by-bridge"]
    assert new[0].key.vdev_guid == 4497337729894654865  # the member's guid, as zpool printed it
    assert new[0].key.disk == ""  # a member is known by its guid, not by the disk it is on now
    cleared = [c for c in compare(degraded, fixed) if c.change is Change.CLEARED]
    assert [c.finding.code for c in cleared] == ["member-present-elsewhere"]


def test_counters_change_the_words_not_the_key():
    errors = _report("checksum-faulted", "02-cksum-after-scrub")
    finding = next(f for f in errors.findings if f.code == "member-errors")
    more = dataclasses.replace(finding, summary=finding.summary.replace("44", "97"), evidence=("97",))
    assert more.key == finding.key
    [comparison] = compare([finding], [more])
    assert comparison.change is Change.UNCHANGED and comparison.current is more


def test_json_and_text_give_the_same_keys():
    as_json = _report("seed-usb-reattach", "02-degraded")
    as_text = _report("seed-usb-reattach", "02-degraded", text_only=True)
    assert [f.key for f in as_json.findings] == [f.key for f in as_text.findings]


def test_a_finding_that_grows_more_severe_is_worse_and_less_severe_is_unchanged():
    finding = _report("checksum-faulted", "02-cksum-after-scrub").findings[0]
    critical = dataclasses.replace(finding, severity=model.Severity.CRITICAL)
    assert [c.change for c in compare([finding], [critical])] == [Change.WORSE]
    assert [c.change for c in compare([critical], [finding])] == [Change.UNCHANGED]
    # "could not tell" is not worse than a known critical
    unknown = dataclasses.replace(finding, severity=model.Severity.UNKNOWN)
    assert [c.change for c in compare([critical], [unknown])] == [Change.UNCHANGED]
    assert [c.change for c in compare([unknown], [critical])] == [Change.WORSE]


def test_a_disk_finding_without_a_member_is_known_by_the_disk():
    ref = model.DiskRef(devnode="/dev/sdc", by_id="ata-X_1", serial="WD-1")
    finding = model.Finding(model.Severity.WARNING, "smart-pending", "3 pending", disk=ref)
    assert finding.key.disk == "serial:WD-1"
    renamed = dataclasses.replace(finding, disk=dataclasses.replace(ref, devnode="/dev/sdd"))
    assert renamed.key == finding.key  # the same drive on another devnode
    assert model.FindingKey.parse(str(finding.key)) == finding.key
    member = dataclasses.replace(finding, pool="tank", vdev_guid=model.Guid(2**64 - 1))
    assert model.FindingKey.parse(str(member.key)) == member.key


def test_lab_recordings_are_present():
    assert (LAB / "removed-replug" / "zfs21").is_dir()


def test_a_member_printed_without_a_guid_is_known_by_the_disk_its_path_names():
    [as_text] = _report("removed-replug", "02-removed", text_only=True).findings
    assert as_text.vdev_guid is None  # `zpool status -P -v` prints no guids
    assert as_text.key.disk == "by-id:usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0"
    [as_json] = _report("removed-replug", "02-removed").findings
    assert as_json.key.vdev_guid is not None and as_json.key.disk == ""  # the guid names it there


def test_two_members_printed_without_a_guid_keep_findings_of_their_own():
    # The lab's recording (one USB member REMOVED), with a second member REMOVED as well: made
    # up here from the real text, to show that two such members no longer share one key. A
    # pasted status alone (no inventory), as `nodewatch diagnose --zpool-status` reads it.
    text = (LAB / "removed-replug" / "zfs23" / "02-removed-zpool-status-Pv.txt").read_text()
    line = next(x for x in text.splitlines() if "wwn-0x50014ee26a782728-part1" in x)
    both = text.replace(line, line.replace("ONLINE ", "REMOVED"))
    snapshot = model.Snapshot(
        hostname="", collected_at=datetime.now(UTC), pool_status=parse_zpool_status(both)
    )
    keys = {f.key for f in diagnose(snapshot).findings if f.code == "member-missing"}
    assert {k.disk for k in keys} == {
        "by-id:usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0",
        "by-id:wwn-0x50014ee26a782728",
    }


def test_a_finding_known_only_by_a_port_is_known_by_that_port():
    one = model.Finding(model.Severity.WARNING, "usb-reset", "resets", disk=model.DiskRef(port="1-1.2"))
    other = dataclasses.replace(one, disk=model.DiskRef(port="1-1.3"))
    assert one.key.disk == "port:1-1.2" and one.key != other.key
    assert model.FindingKey.parse(str(one.key)) == one.key
