"""When the service tells someone: new, worse, still there, recovered, flaps, restarts (pure)."""

import dataclasses
from datetime import UTC, datetime, timedelta

from nodewatch import model
from nodewatch.diagnose import diagnose
from nodewatch.parse.kernel_log import parse_line
from nodewatch.service.members import members_seen
from nodewatch.service.policy import Kind, Policy, Problem, step
from tests.support.recordings import lab_snapshot

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _member_findings(step: str) -> tuple[model.Finding, ...]:
    # The lab's USB disk sits behind QEMU's bridge, which hides SMART: an informational
    # smart-hidden-by-bridge comes and goes with the disk. These tests follow the member.
    findings = diagnose(lab_snapshot("removed-replug", "zfs23", step)).findings
    return tuple(f for f in findings if f.code != "smart-hidden-by-bridge")


HEALTHY = _member_findings("01-healthy")
REMOVED = _member_findings("02-removed")
BACK = _member_findings("03-replugged")
POLICY = Policy()


def run(sequence, problems=None, policy=POLICY):
    """Feed (seconds, findings) pairs; return the notices as (second, kind, code) and the problems."""
    problems = dict(problems or {})
    said = []
    for seconds, findings in sequence:
        result = step(policy, problems, findings, T0 + timedelta(seconds=seconds))
        problems = result.problems
        said += [(seconds, n.kind, n.finding.code) for n in result.notices]
    return said, problems


def test_new_then_recovered_after_the_hold():
    said, problems = run([(0, HEALTHY), (5, REMOVED), (10, BACK), (40, BACK), (70, BACK)])
    assert said == [(5, Kind.NEW, "member-missing"), (70, Kind.RECOVERED, "member-missing")]
    assert [p.finding.code for p in problems.values()] == []  # scrub-never is not advice while degraded


def test_info_findings_are_tracked_but_not_sent():
    said, problems = run([(0, HEALTHY)])
    assert said == [] and [p.finding.code for p in problems.values()] == ["scrub-never"]
    assert run([(0, HEALTHY)], policy=Policy(min_severity=model.Severity.INFO))[0] == [
        (0, Kind.NEW, "scrub-never")
    ]


def test_still_there_every_renotify_period():
    policy = Policy(renotify=timedelta(hours=24))
    hours = [(h * 3600, REMOVED) for h in range(50)]
    said, _ = run(hours, policy=policy)
    assert said == [
        (0, Kind.NEW, "member-missing"),
        (86400, Kind.STILL, "member-missing"),
        (172800, Kind.STILL, "member-missing"),
    ]


def test_a_bouncing_disk_sends_one_alert_not_twenty():
    bounces = []
    for i in range(20):
        bounces += [(i * 40, REMOVED), (i * 40 + 20, BACK)]
    settle = bounces[-1][0]
    # Each bounce doubled the hold, up to an hour: it is over only after an hour of quiet.
    said, _ = run([*bounces, (settle + 1800, BACK), (settle + 3600, BACK)])
    assert said == [(0, Kind.NEW, "member-missing"), (settle + 3600, Kind.RECOVERED, "member-missing")]


def test_worse_once_then_hysteresis():
    warning = dataclasses.replace(REMOVED[0], severity=model.Severity.WARNING)
    critical = REMOVED[0]
    said, _ = run([(0, [warning]), (5, [critical]), (10, [warning]), (15, [critical]), (20, [critical])])
    assert said == [(0, Kind.NEW, "member-missing"), (5, Kind.WORSE, "member-missing")]


def test_a_restart_does_not_repeat_and_sees_what_changed_while_down():
    _, problems = run([(0, REMOVED)])
    stored = {key: p.to_data() for key, p in problems.items()}  # as the store keeps them
    restored = {key: Problem.from_data(body) for key, body in stored.items()}
    assert run([(3600, REMOVED)], restored)[0] == []
    # cleared while the service was down: recovered after the hold
    assert run([(3600, BACK), (3700, BACK)], restored)[0] == [(3700, Kind.RECOVERED, "member-missing")]
    # began while it was down: new
    assert run([(3600, REMOVED)], {})[0] == [(3600, Kind.NEW, "member-missing")]


def test_history_events_follow_the_same_hysteresis():
    problems = {}
    events = []
    for seconds, findings in [(0, REMOVED), (5, BACK), (10, REMOVED), (15, BACK), (200, BACK)]:
        result = step(POLICY, problems, findings, T0 + timedelta(seconds=seconds))
        problems = result.problems
        events += [(seconds, change, f.code) for change, f in result.events]
    assert events == [(0, "new", "member-missing"), (200, "cleared", "member-missing")]


# A USB member of a 4-way mirror pulled under the running service and plugged back
# (bench/bench_service_alert.py --record): zpool, udev and the kernel log as the service read them.
PULL = "service-pull"


def _as_the_service_saw(
    step: str, known, zfs_version: str | None = "", extra=(), member_errors=None
) -> tuple[model.Finding, ...]:
    """The step diagnosed as the service does: its kernel log read live (counted over the last
    hour, the snapshot taken just after its newest line) and the members remembered before."""
    snapshot = lab_snapshot(PULL, "zfs23", step)
    log = snapshot.kernel_log
    assert log is not None, f"{step}: no kernel log recorded"
    if extra:
        log = dataclasses.replace(log, events=tuple(sorted((*log.events, *extra), key=lambda e: e.when)))
    stamps = [event.time for event in log.events if event.time is not None]
    collected = max(stamps) + timedelta(seconds=5) if stamps else snapshot.collected_at
    live = dataclasses.replace(
        snapshot, kernel_log=dataclasses.replace(log, source="journal"), collected_at=collected
    )
    if member_errors:  # (guid, write errors): the member as ZFS would count them
        live = _seen_online_with_errors(live, member_errors[0], writes=member_errors[1])
    if zfs_version != "":
        live = dataclasses.replace(live, zfs_version=zfs_version)
    findings = diagnose(live, known_members=known).findings
    return tuple(f for f in findings if f.code != "smart-hidden-by-bridge")


def test_a_pulled_disk_is_one_alert_about_its_member_not_a_kernel_io_error_too():
    known = {member.vdev_guid: member for member in members_seen(lab_snapshot(PULL, "zfs23", "01-healthy"))}
    healthy, pulled, back = (_as_the_service_saw(s, known) for s in ("01-healthy", "02-pulled", "03-back"))
    # What the kernel logged at the pull: ZFS's probe of the member (is the device still there?) failed.
    logged = lab_snapshot(PULL, "zfs23", "02-pulled").kernel_log
    probe = [e for e in logged.events if "zio pool=tank" in e.line] if logged else []
    assert probe, "the recording holds the zio line of the pull"
    said, _ = run([(0, healthy), (5, pulled), (30, back), (100, back)])
    new = [code for _, kind, code in said if kind is Kind.NEW]
    # Before: kernel-io-errors WARNING keyed by the by-id path, then CRITICAL keyed by sdb.
    assert not [code for code in new if code.startswith("kernel-")], said
    assert new[0] == "member-missing" and new.count("member-missing") == 1, said
    missing = next(f for f in pulled if f.code == "member-missing")
    assert any(probe[0].line in line for line in missing.evidence), missing.evidence  # told there, once


def test_failed_io_of_a_pulled_member_is_told_by_the_member_while_away_and_over_once_back():
    # OpenZFS 2.1 logs the failed writes to a pulled USB member without the probe flag (lab,
    # test_service on zfs21: "… logged 4 I/O errors" beside member-missing); here the recorded
    # lines are read with no ZFS version, so not as probes either.
    known = {member.vdev_guid: member for member in members_seen(lab_snapshot(PULL, "zfs23", "01-healthy"))}
    pulled, back = (_as_the_service_saw(s, known, zfs_version=None) for s in ("02-pulled", "03-back"))
    assert not [f for f in (*pulled, *back) if f.code == "kernel-io-errors"]
    said, _ = run([(5, pulled), (30, back)])
    assert not [code for _, _, code in said if code.startswith("kernel-")], said
    # A member still counting errors with its disk here keeps the kernel's lines as a finding.
    [member] = [f.vdev_guid for f in pulled if f.code == "member-missing"]
    erring = _as_the_service_saw("03-back", known, zfs_version=None, member_errors=(member, 4))
    [io] = [f for f in erring if f.code == "kernel-io-errors"]
    assert io.vdev_guid == member and io.pool == "tank"


def _seen_online_with_errors(snapshot: model.Snapshot, guid: model.Guid, writes: int = 52) -> model.Snapshot:
    """The snapshot with that member as ZFS showed it for the first ~2 s of 2 of 6 bench pulls
    (bench_service_alert, 2026-12-05, run 2): still ONLINE, 3 read and 52 write errors."""

    def changed(vdev: model.Vdev) -> model.Vdev:
        if vdev.guid == guid:
            return dataclasses.replace(vdev, state="ONLINE", read_errors=3, write_errors=writes, note="")
        return dataclasses.replace(vdev, children=tuple(changed(child) for child in vdev.children))

    pools = tuple(dataclasses.replace(pool, root=changed(pool.root)) for pool in snapshot.pools if pool.root)
    status = dataclasses.replace(snapshot.pool_status, pools=pools)
    return dataclasses.replace(snapshot, pool_status=status)


def test_a_pull_seen_before_zfs_marks_the_member_removed_is_still_one_alert():
    pulled = lab_snapshot(PULL, "zfs23", "02-pulled")
    [removed] = [leaf for pool in pulled.pools for leaf in pool.leaves() if leaf.state == "REMOVED"]
    early = diagnose(_seen_online_with_errors(pulled, removed.guid)).findings
    first = next(f for f in early if f.vdev_guid == removed.guid)
    assert "its device is gone from the node" in first.summary and "3 read, 52 write" in first.summary
    said, _ = run([(0, HEALTHY_PULL), (2, early), (4, diagnose(pulled).findings)])
    assert [(s, code) for s, kind, code in said if kind is Kind.NEW] == [(2, "member-missing")], said


HEALTHY_PULL = diagnose(lab_snapshot(PULL, "zfs23", "01-healthy")).findings


def test_a_raidz1_pull_seen_before_zfs_marks_it_removed_is_critical_at_once():
    """removed-replug (raidz1 of three, the USB member pulled), as the service saw it in the
    bench's early window: the member still ONLINE with errors, its device gone. Its device serves
    nothing, so raidz1-0 has no redundancy left already: critical at once, not a warning and then
    "worse" when ZFS marks it REMOVED (two alerts for one pull, in test_service's raidz1)."""
    pulled = lab_snapshot("removed-replug", "zfs23", "02-removed")
    [removed] = [leaf for pool in pulled.pools for leaf in pool.leaves() if leaf.state == "REMOVED"]
    early = diagnose(_seen_online_with_errors(pulled, removed.guid)).findings
    first = next(f for f in early if f.vdev_guid == removed.guid)
    later = next(f for f in REMOVED if f.vdev_guid == removed.guid)
    assert (
        (first.code, first.severity)
        == (later.code, later.severity)
        == ("member-missing", model.Severity.CRITICAL)
    )
    assert "raidz1-0 has no redundancy left" in first.detail
    said, _ = run([(0, HEALTHY), (2, early), (4, REMOVED)])
    assert [(s, kind, code) for s, kind, code in said if code == "member-missing"] == [
        (2, Kind.NEW, "member-missing")
    ], said


def _with_usb_disconnect(findings_of, step: str, known):
    """The step as the service saw it, its kernel log carrying the line a real unplug adds
    (`usb 2-1: USB disconnect, device number 2`, as recorded in the lab's disks-zoo dmesg when a
    USB disk was detached; the bench's deauthorize does not log it): SEMI-SYNTHETIC, a real
    line put into a real recording at the pull's moment."""
    snapshot = lab_snapshot(PULL, "zfs23", step)
    log = snapshot.kernel_log
    assert log is not None
    first = min(event.time for event in log.events if event.time is not None and "zio" in event.line)
    line = f"{first.isoformat()} nodewatch-lab kernel: usb 2-1: USB disconnect, device number 2"
    event = parse_line(line)
    assert event is not None and event.kind is model.KernelEventKind.USB_DISCONNECT
    return findings_of(step, known, extra=(event,))


def test_a_disk_unplugged_once_is_told_by_its_member_not_by_a_kernel_alert():
    """One unplug logs one `USB disconnect`: the member's finding says the disk is gone; the line
    alone is not a link problem to alert on (repeated disconnects or resets still are)."""
    known = {member.vdev_guid: member for member in members_seen(lab_snapshot(PULL, "zfs23", "01-healthy"))}
    healthy = _as_the_service_saw("01-healthy", known)
    pulled, back = (_with_usb_disconnect(_as_the_service_saw, s, known) for s in ("02-pulled", "03-back"))
    lone = [f for f in (*pulled, *back) if f.code == "kernel-link-resets"]
    assert lone and all(f.severity is model.Severity.INFO for f in lone), lone
    assert all("dropped off the bus once" in f.summary for f in lone), lone
    said, _ = run([(0, healthy), (5, pulled), (30, back), (100, back)])
    new = [code for _, kind, code in said if kind is Kind.NEW]
    assert new.count("member-missing") == 1 and not [c for c in new if c.startswith("kernel-")], said
