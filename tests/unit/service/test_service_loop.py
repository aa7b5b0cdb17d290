"""The service end to end in one process: lab snapshots in, history and alerts out, through
apprise (its child process) to a real HTTP receiver on loopback."""

import dataclasses
import time
from datetime import timedelta

import pytest

from nodewatch import model
from nodewatch.config import AlertsSettings, Config
from nodewatch.service import policy
from nodewatch.service.loop import Service, merge
from nodewatch.service.sdnotify import Notifier as SdNotifier
from nodewatch.service.store import Store
from tests.support.receiver import Receiver
from tests.support.recordings import lab_snapshot

HEALTHY = lab_snapshot("removed-replug", "zfs23", "01-healthy")
REMOVED = lab_snapshot("removed-replug", "zfs23", "02-removed")
BACK = lab_snapshot("removed-replug", "zfs23", "03-replugged")
HOLD = timedelta(seconds=0.5)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _service(tmp_path, receiver, **kwargs):
    config = Config(alerts=AlertsSettings(urls=(receiver.url,)))
    return Service(
        config,
        state_directory=tmp_path / "state",
        notify=SdNotifier({}),
        backoff=kwargs.pop("backoff", (0.2, 0.2)),
        clear_hold=HOLD,
        **kwargs,
    )


def _quiet(receiver, count, seconds=2.0):
    """Assert nothing beyond `count` notifications arrives within `seconds`."""
    time.sleep(seconds)
    assert len(receiver.received) == count, [m["title"] for m in receiver.received]


def test_new_alert_names_pool_disk_and_first_command_then_recovery(tmp_path, receiver):
    service = _service(tmp_path, receiver)
    service.evaluate(HEALTHY)  # remembers which disk each member is on
    service.evaluate(REMOVED)
    [alert] = receiver.wait_for(1)
    assert alert["title"].startswith("lab-zfs23") or "CRITICAL" in alert["title"]
    assert "CRITICAL" in alert["title"] and "tank" in alert["title"]
    body = alert["message"]
    assert "disk: " in body and "WDC WD40EFZX-68AWUN0" in body and "USB 0:1:1.0" in body
    guid = service.report.findings[0].vdev_guid
    assert f"run first: zpool online tank {guid}" in body
    assert "last seen as /dev/sdc behind a USB bridge" in body

    service.evaluate(BACK)
    time.sleep(HOLD.total_seconds() + 0.1)
    service.evaluate(BACK)
    recovered = receiver.wait_for(2)[1]
    assert "RECOVERED" in recovered["title"] and "tank" in recovered["title"]
    events = [(e.change, e.code) for e in service.store.events()]
    assert ("new", "member-missing") in events and ("cleared", "member-missing") in events
    service.shutdown()


def test_no_duplicate_after_a_restart_and_a_problem_that_began_while_down_is_sent(tmp_path, receiver):
    first = _service(tmp_path, receiver)
    first.evaluate(REMOVED)
    receiver.wait_for(1)
    first.shutdown()

    second = _service(tmp_path, receiver)
    second.evaluate(REMOVED)
    _quiet(receiver, 1)
    second.shutdown()

    # a fresh state directory has never seen it: the problem is new to it
    third = Service(
        Config(alerts=AlertsSettings(urls=(receiver.url,))),
        state_directory=tmp_path / "other",
        notify=SdNotifier({}),
    )
    third.evaluate(REMOVED)
    assert len(receiver.wait_for(2)) == 2
    third.shutdown()


def test_still_there_is_resent_after_renotify(tmp_path, receiver):
    service = _service(tmp_path, receiver)
    service.policy = dataclasses.replace(service.policy, renotify=timedelta(seconds=1))
    service.evaluate(REMOVED)
    receiver.wait_for(1)
    time.sleep(1.1)
    service.evaluate(REMOVED)
    still = receiver.wait_for(2)[1]
    assert "still CRITICAL since" in still["title"]
    service.shutdown()


def test_a_flapping_disk_sends_one_alert(tmp_path, receiver):
    service = _service(tmp_path, receiver)
    for _ in range(10):
        service.evaluate(REMOVED)
        service.evaluate(BACK)
    service.evaluate(REMOVED)
    receiver.wait_for(1)
    _quiet(receiver, 1)
    service.shutdown()


def _full(snapshot, percent):
    """snapshot with every pool `percent` full (the recording's own pools, capacity changed)."""
    pools = tuple(
        dataclasses.replace(
            pool, capacity=model.Capacity(100, percent, 100 - percent, capacity_percent=percent)
        )
        for pool in snapshot.pools
    )
    return dataclasses.replace(snapshot, pool_status=dataclasses.replace(snapshot.pool_status, pools=pools))


def test_capacity_hovering_at_the_threshold_alerts_once_and_recovers_below_the_margin(tmp_path, receiver):
    service = _service(tmp_path, receiver)
    service.evaluate(_full(HEALTHY, 81))
    [alert] = receiver.wait_for(1)
    assert "81% full" in alert["title"]
    # below the threshold but within the margin, for longer than the recovery hold: still there
    service.evaluate(_full(HEALTHY, 79))
    time.sleep(HOLD.total_seconds() + 0.1)
    service.evaluate(_full(HEALTHY, 78))
    assert [f.summary for f in service.report.findings if f.code == "capacity-high"] == ["tank is 78% full"]
    service.shutdown()
    # and across a restart: the open problem is what stood before
    service = _service(tmp_path, receiver)
    service.evaluate(_full(HEALTHY, 76))
    time.sleep(HOLD.total_seconds() + 0.1)
    service.evaluate(_full(HEALTHY, 76))
    _quiet(receiver, 1, seconds=1.0)
    service.evaluate(_full(HEALTHY, 74))
    time.sleep(HOLD.total_seconds() + 0.1)
    service.evaluate(_full(HEALTHY, 74))
    recovered = receiver.wait_for(2)[1]
    assert "RECOVERED" in recovered["title"]
    service.shutdown()


def test_a_failed_delivery_is_retried_and_recorded_and_detection_goes_on(tmp_path, receiver):
    receiver.refuse_next = 1
    service = _service(tmp_path, receiver)
    started = time.monotonic()
    service.evaluate(REMOVED)
    assert time.monotonic() - started < 1.0  # detection did not wait for the notifier
    [alert] = receiver.wait_for(1)
    assert "tank" in alert["title"]
    deadline = time.monotonic() + 5
    while len(service.store.deliveries()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    attempts = [(d.attempt, d.ok) for d in reversed(service.store.deliveries())]
    assert attempts == [(1, False), (2, True)]
    assert receiver.url not in str(service.store.deliveries())
    service.shutdown()


def test_an_unwritable_history_is_a_finding_not_a_crash(tmp_path, receiver):
    blocker = tmp_path / "file"
    blocker.write_text("")
    service = Service(
        Config(alerts=AlertsSettings(urls=(receiver.url,))),
        state_directory=blocker / "state",
        notify=SdNotifier({}),
    )
    report = service.evaluate(REMOVED)
    codes = [f.code for f in report.findings]
    assert "member-missing" in codes and "history-unwritable" in codes
    titles = [m["title"] for m in receiver.wait_for(2)]
    assert any("cannot write its history" in t for t in titles)
    service.shutdown()


def test_a_corrupt_history_is_replaced_and_said(tmp_path, receiver):
    state = tmp_path / "state"
    state.mkdir()
    (state / "history.sqlite3").write_bytes(b"garbage" * 1000)
    service = _service(tmp_path, receiver)
    report = service.evaluate(HEALTHY)
    assert "history-reset" in [f.code for f in report.findings]
    assert Store.in_directory(state).events() is not None
    service.shutdown()


def test_a_disk_udev_says_is_removed_leaves_the_inventory_before_the_disks_pass(tmp_path, receiver):
    # The pools pass often ends before the disks pass (udev is slow to enumerate): its report
    # must not take the pulled disk, still in the last inventory, for one that is back.
    usb = next(d for d in HEALTHY.disks if d.transport is model.Transport.USB)
    stale = dataclasses.replace(HEALTHY, pool_status=REMOVED.pool_status)
    from nodewatch.diagnose import diagnose

    assert "member-back" in {f.code for f in diagnose(stale).findings}  # what it said before
    service = _service(tmp_path, receiver)
    service.evaluate(HEALTHY)
    for part in usb.partitions:
        service._on_uevent("remove", part.devnode)
    service._on_uevent("remove", usb.devnode)
    assert usb.devnode not in {d.devnode for d in service.snapshot.disks}
    service.evaluate(merge(service.snapshot, REMOVED, "pools"))
    codes = {f.code for f in service.report.findings}
    assert "member-missing" in codes and "member-back" not in codes, codes
    service.shutdown()


def test_merge_keeps_the_last_good_pools_when_zpool_failed():
    failed = dataclasses.replace(REMOVED, pool_status=None, zfs_version=None)
    merged = merge(HEALTHY, failed, "pools")
    assert merged.pool_status == HEALTHY.pool_status
    assert merged.inventory == HEALTHY.inventory
    disks = merge(HEALTHY, REMOVED, "disks")
    assert disks.inventory == REMOVED.inventory and disks.pool_status == HEALTHY.pool_status


def test_policy_hold_is_the_configured_one(tmp_path, receiver):
    service = _service(tmp_path, receiver)
    assert service.policy.clear_hold == HOLD and service.policy.min_severity is policy.Severity.WARNING
    service.shutdown()


@pytest.mark.parametrize("keep", [False, True])
def test_keep_apprise_loaded_reaches_the_notifier(tmp_path, receiver, keep):
    config = Config(alerts=AlertsSettings(urls=(receiver.url,), keep_apprise_loaded=keep))
    service = Service(config, state_directory=tmp_path / "state", notify=SdNotifier({}))
    assert service.notifier.keep_loaded is keep
    service.shutdown()
