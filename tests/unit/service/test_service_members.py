"""Pool members remembered by vdev guid, and diagnose naming a gone member from that history."""

from nodewatch import model
from nodewatch.diagnose import diagnose
from nodewatch.service.members import members_seen
from tests.support.recordings import lab_snapshot


def test_a_gone_member_is_named_from_history():
    healthy = lab_snapshot("removed-replug", "zfs23", "01-healthy")
    known = {member.vdev_guid: member for member in members_seen(healthy)}
    usb = next(m for m in known.values() if m.transport is model.Transport.USB)
    assert (usb.devnode, usb.model, usb.bridge_serial, usb.port) == (
        "/dev/sdc",
        "WDC WD40EFZX-68AWUN0",
        "000000123AE8",
        "USB 0:1:1.0",
    )
    assert usb.by_id == ("usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0",)
    sata = [m for m in known.values() if m.transport is model.Transport.SATA]
    assert sorted(m.serial for m in sata) == ["WD-WX62D229KY5H", "WD-WX72D122955L"]

    removed = lab_snapshot("removed-replug", "zfs23", "02-removed")
    without = diagnose(removed).findings[0]
    with_history = diagnose(removed, known_members=known).findings[0]
    assert without.code == with_history.code == "member-missing"
    assert with_history.vdev_guid == usb.vdev_guid
    assert "last seen as /dev/sdc behind a USB bridge at port USB 0:1:1.0" in with_history.detail
    assert "WDC WD40EFZX-68AWUN0" in with_history.detail and "000000123AE8" in with_history.detail
    assert with_history.disk.model == "WDC WD40EFZX-68AWUN0" and with_history.disk.port == "USB 0:1:1.0"
    assert without.disk is None and "last seen" not in without.detail
    assert with_history.key == without.key  # history adds words, not a new problem
    assert with_history.actions == without.actions


def test_a_missing_member_is_not_remembered_as_seen():
    removed = lab_snapshot("removed-replug", "zfs23", "02-removed")
    assert len(members_seen(removed)) == 2
