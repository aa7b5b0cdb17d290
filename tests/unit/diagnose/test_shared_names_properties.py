"""Properties of every report where by-id names collide (issue 15, part 1).

Cheap USB bridges report one serial for every enclosure (`000000000000`), so
udev builds the same by-id name for two disks and points the link at one of
them, not always the same one. Generated udev records (disks behind bridges
whose serials may collide, partitions carrying pool members' labels) go
through the real inventory, which decides once which names are shared, then
through every rule. Whatever the pools look like:

- no two actions of one report point different vdevs at the same path;
- no command names a by-id link the inventory knows to be shared;
- `labelclear` only ever names a partition that carries the label of the
  missing member it rebuilds, never a member that is in use.
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nodewatch import model
from nodewatch.diagnose import diagnose
from nodewatch.parse.inventory import build_inventory
from nodewatch.parse.udev_record import UdevDevice

POOL = "tank"
POOL_GUID = 9_871_234_567_890_123_456
MEMBER_GUIDS = [11_876_267_131_358_752_005, 4_296_869_500_517_908_464, 6_402_110_017_772_614_901, 17]
# Bridges of the same make report the same serial (ORICO 000000000000, JMicron 0123456789ABCDEF);
# a good bridge passes the drive's own.
BRIDGE_SERIALS = ["000000000000", "0123456789ABCDEF", "WD-WX62D229KY5H", "WD-WX72D122955L"]
STATES = ["ONLINE", "REMOVED", "UNAVAIL", "FAULTED", "DEGRADED"]


def _usb_disk(index: int, serial: str, label_guid: int | None, *, blank: bool = False) -> list[UdevDevice]:
    """A disk behind a USB-SATA bridge and its first partition, as udev records them: both
    list the by-id names they claim, whoever the link points at. A blank disk has none."""
    name = f"sd{chr(97 + index)}"
    port = f"0:{index + 1}:1.0"
    by_id = f"/dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_{serial}-0:0"
    by_path = f"/dev/disk/by-path/pci-0000:00:14.0-usb-{port}-scsi-0:0:0:0"
    devpath = (
        f"/devices/pci0000:00/0000:00:14.0/usb2/2-{index + 1}/2-{index + 1}:1.0/host{index}/block/{name}"
    )
    disk = UdevDevice(
        devpath=devpath,
        devnode=f"/dev/{name}",
        subsystem="block",
        devtype="disk",
        properties={
            "ID_BUS": "usb",
            "ID_USB_DRIVER": "usb-storage",
            "ID_VENDOR": "WDC",
            "ID_MODEL": "WD40EFZX-68AWUN0",
            "ID_SERIAL_SHORT": serial,
            "ID_PATH": f"pci-0000:00:14.0-usb-{port}-scsi-0:0:0:0",
        }
        | ({} if blank else {"ID_PART_TABLE_TYPE": "gpt"}),
        devlinks=(by_id, by_path),
        sysattrs={"size": str(4 << 21)},
    )
    if blank:
        return [disk]
    partuuid = f"0a1b2c3d-0000-4000-8000-{index:012d}"
    properties = {"PARTN": "1", "ID_PART_ENTRY_UUID": partuuid, "ID_PART_ENTRY_NUMBER": "1"}
    if label_guid is not None:
        properties |= {
            "ID_FS_TYPE": "zfs_member",
            "ID_FS_LABEL": POOL,
            "ID_FS_UUID": str(POOL_GUID),
            "ID_FS_UUID_SUB": str(label_guid),
        }
    partition = UdevDevice(
        devpath=f"{devpath}/{name}1",
        devnode=f"/dev/{name}1",
        subsystem="block",
        devtype="partition",
        properties=properties,
        devlinks=(f"{by_id}-part1", f"{by_path}-part1", f"/dev/disk/by-partuuid/{partuuid}"),
    )
    return [disk, partition]


@st.composite
def situations(draw):
    """A raidz/mirror pool whose members' disks sit behind bridges that may share serials."""
    count = draw(st.integers(2, 4))
    serials = [draw(st.sampled_from(BRIDGE_SERIALS)) for _ in range(count)]
    labels = [draw(st.one_of(st.none(), st.sampled_from(MEMBER_GUIDS))) for _ in range(count)]
    blanks = [draw(st.booleans()) and labels[index] is None for index in range(count)]
    records = [
        record
        for index in range(count)
        for record in _usb_disk(index, serials[index], labels[index], blank=blanks[index])
    ]
    leaves = []
    for number, guid in enumerate(MEMBER_GUIDS[: draw(st.integers(2, 4))]):
        state = draw(st.sampled_from(STATES))
        missing = state in ("REMOVED", "UNAVAIL")
        old = draw(
            st.sampled_from(
                [
                    f"/dev/disk/by-id/wwn-0x50014ee2{number:08x}-part1",
                    f"/dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_{draw(st.sampled_from(BRIDGE_SERIALS))}-0:0-part1",
                ]
            )
        )
        leaves.append(
            model.Vdev(
                name=str(guid) if missing and state == "UNAVAIL" else old.rsplit("/", 1)[-1],
                type=model.VdevType.DISK,
                state=state,
                guid=model.Guid(guid),
                path=old,
                was_path=old if state == "UNAVAIL" else None,
                not_present=state == "UNAVAIL",
            )
        )
    top_type = draw(st.sampled_from([model.VdevType.RAIDZ2, model.VdevType.RAIDZ1, model.VdevType.MIRROR]))
    top = model.Vdev(f"{top_type.value}-0", top_type, "DEGRADED", children=tuple(leaves))
    pool = model.Pool(
        name=POOL,
        state="DEGRADED",
        guid=model.Guid(POOL_GUID),
        root=model.Vdev(POOL, model.VdevType.ROOT, "DEGRADED", children=(top,)),
    )
    return model.Snapshot(
        hostname="node",
        collected_at=datetime(2026, 12, 4, tzinfo=UTC),
        zfs_version=draw(st.sampled_from(["2.3.2", "2.1.11", None])),
        pool_status=model.PoolStatus((pool,), source=model.PoolSource.TEXT),
        inventory=build_inventory(records),
    )


def _parts(action: model.Action) -> list[list[str]]:
    return [shlex.split(part) for part in action.command.split(" && ")]


def _pointed(report: model.Report) -> dict[str, set[str]]:
    """path → the vdevs (guids) that actions of the report point at it."""
    pointed: dict[str, set[str]] = {}
    for finding in report.findings:
        for action in finding.actions:
            for words in _parts(action):
                if words[:2] == ["zpool", "set"] and words[2].startswith("path="):
                    pointed.setdefault(words[2].removeprefix("path="), set()).add(words[4])
                elif words[:2] == ["zpool", "replace"] and len(words) == 5:
                    if action.destructive or words[4].endswith("/NEW-DISK"):  # own disk; a template
                        continue
                    pointed.setdefault(words[4], set()).add(words[3])
    return pointed


def _shared(snapshot: model.Snapshot) -> set[str]:
    return {
        link.path
        for disk in snapshot.disks
        for links in (disk.by_id, *(partition.by_id for partition in disk.partitions))
        for link in links
        if link.shared
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations())
def test_no_two_actions_of_a_report_point_different_vdevs_at_one_path(snapshot):
    for path, guids in _pointed(diagnose(snapshot)).items():
        assert len(guids) == 1, (path, guids)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations())
def test_no_command_names_a_by_id_link_the_inventory_knows_to_be_shared(snapshot):
    shared = _shared(snapshot)
    for finding in diagnose(snapshot).findings:
        for action in finding.actions:
            for words in _parts(action):
                for word in words:
                    path = word.removeprefix("path=")
                    assert path.removesuffix("-part1") not in shared and path not in shared, (
                        action.command,
                        finding.code,
                    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations())
def test_labelclear_only_names_the_missing_members_own_label(snapshot):
    labels = {
        path: partition.zfs.vdev_guid
        for disk in snapshot.disks
        for partition in disk.partitions
        if partition.zfs
        for path in (partition.devnode, partition.by_partuuid, *(link.path for link in partition.by_id))
        if path
    }
    live = {leaf.guid for pool in snapshot.pools for leaf in pool.leaves() if leaf.state == "ONLINE"}
    for finding in diagnose(snapshot).findings:
        for action in finding.actions:
            for words in _parts(action):
                if words[:2] == ["zpool", "labelclear"]:
                    assert action.destructive
                    target = words[-1]
                    assert labels.get(target) == finding.vdev_guid, (action.command, finding.vdev_guid)
                    assert finding.vdev_guid not in live


def test_the_generator_makes_collisions_the_rules_meet():
    """The properties above are not empty: two bridges with one serial do share names, and a
    member found on such a disk is pointed at its partition UUID."""
    records = _usb_disk(0, "000000000000", MEMBER_GUIDS[0]) + _usb_disk(1, "000000000000", MEMBER_GUIDS[1])
    inventory = build_inventory(records)
    disk_links = [disk.by_id[0] for disk in inventory.disks]
    assert [link.shared_with for link in disk_links] == [("/dev/sdb",), ("/dev/sda",)]
    assert inventory.disks[0].partitions[0].by_id[0].shared_with == ("/dev/sdb1",)
    assert inventory.disks[0].preferred_by_id() is None
    assert any("claimed by /dev/sdb as well" in warning for warning in inventory.disks[0].warnings)


def test_two_members_behind_bridges_with_one_serial_are_named_by_partition_uuid():
    """The issue's story: two members of a raidz2 come back behind bridges that both report
    000000000000. Each is pointed at its own partition UUID, the export + import names every
    member's own device, and the last resort wipes a label only through a partition UUID."""
    records = [
        *_usb_disk(0, "000000000000", MEMBER_GUIDS[0]),
        *_usb_disk(1, "000000000000", MEMBER_GUIDS[1]),
        *_usb_disk(2, "WD-WX62D229KY5H", MEMBER_GUIDS[2]),
        *_usb_disk(3, "WD-WX72D122955L", MEMBER_GUIDS[3]),
    ]
    leaves = tuple(
        model.Vdev(
            name=f"usb-WDC_WD40EFZX-68AWUN0_{serial}-0:0",
            type=model.VdevType.DISK,
            state=state,
            guid=model.Guid(guid),
            path=f"/dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_{serial}-0:0-part1",
        )
        for guid, serial, state in zip(
            MEMBER_GUIDS,
            ("WD-WX92D555A1B2", "WD-WXA2D777C3D4", "WD-WX62D229KY5H", "WD-WX72D122955L"),
            ("REMOVED", "REMOVED", "ONLINE", "ONLINE"),
            strict=True,
        )
    )
    top = model.Vdev("raidz2-0", model.VdevType.RAIDZ2, "DEGRADED", children=leaves)
    pool = model.Pool(
        POOL,
        "DEGRADED",
        model.Guid(POOL_GUID),
        root=model.Vdev(POOL, model.VdevType.ROOT, "DEGRADED", children=(top,)),
    )
    snapshot = model.Snapshot(
        hostname="node",
        collected_at=datetime(2026, 12, 4, tzinfo=UTC),
        zfs_version="2.1.11",
        pool_status=model.PoolStatus((pool,), source=model.PoolSource.TEXT),
        inventory=build_inventory(records),
    )
    findings = [f for f in diagnose(snapshot).findings if f.code == "member-present-elsewhere"]
    assert len(findings) == 2
    by_uuid = "/dev/disk/by-partuuid/0a1b2c3d-0000-4000-8000-00000000000"
    expected_import = (
        f"zpool export {POOL} && zpool import -d {by_uuid}0 -d {by_uuid}1"
        f" -d /dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_WD-WX62D229KY5H-0:0-part1"
        f" -d /dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_WD-WX72D122955L-0:0-part1 {POOL}"
    )
    for index, finding in enumerate(findings):
        assert finding.actions[0].command == expected_import  # 2.1: no vdev properties
        assert "would miss a member" in finding.actions[0].why
        assert "claimed by /dev/sd" in finding.detail and f"here it is {by_uuid}{index}" in finding.detail
        last = finding.actions[-1]
        assert last.destructive and last.command.startswith(f"zpool labelclear -f {by_uuid}{index} && ")
        assert last.command.endswith(f"/dev/disk/by-path/pci-0000:00:14.0-usb-0:{index + 1}:1.0-scsi-0:0:0:0")


def test_a_member_opened_through_a_shared_name_is_warned_about_and_reimported_by_its_own_paths():
    """After `zpool import -d /dev/disk/by-id` found one of the two disks through the shared
    name, that member works today; the next boot may hand the link to the other disk."""
    records = [
        *_usb_disk(0, "000000000000", MEMBER_GUIDS[0]),
        *_usb_disk(1, "000000000000", MEMBER_GUIDS[1]),
    ]
    shared_part = "/dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_000000000000-0:0-part1"
    leaves = (
        model.Vdev(
            shared_part.rsplit("/", 1)[-1],
            model.VdevType.DISK,
            "ONLINE",
            model.Guid(MEMBER_GUIDS[0]),
            path=shared_part,
        ),
        model.Vdev(
            "/dev/disk/by-partuuid/0a1b2c3d-0000-4000-8000-000000000001",
            model.VdevType.DISK,
            "ONLINE",
            model.Guid(MEMBER_GUIDS[1]),
            path="/dev/disk/by-partuuid/0a1b2c3d-0000-4000-8000-000000000001",
        ),
    )
    top = model.Vdev("mirror-0", model.VdevType.MIRROR, "ONLINE", children=leaves)
    pool = model.Pool(
        POOL,
        "ONLINE",
        model.Guid(POOL_GUID),
        root=model.Vdev(POOL, model.VdevType.ROOT, "ONLINE", children=(top,)),
    )
    snapshot = model.Snapshot(
        hostname="node",
        collected_at=datetime(2026, 12, 4, tzinfo=UTC),
        zfs_version="2.3.2",
        pool_status=model.PoolStatus((pool,), source=model.PoolSource.TEXT),
        inventory=build_inventory(records),
    )
    report = diagnose(snapshot)
    [finding] = [f for f in report.findings if f.code == "shared-device-name"]
    assert finding.vdev_guid == MEMBER_GUIDS[0] and finding.severity is model.Severity.WARNING
    assert "claimed by /dev/sdb1 as well" in finding.detail
    by_uuid = "/dev/disk/by-partuuid/0a1b2c3d-0000-4000-8000-00000000000"
    assert finding.actions[0].command == (
        f"zpool export {POOL} && zpool import -d {by_uuid}0 -d {by_uuid}1 {POOL}"
    )
    assert not [f for f in report.findings if f.code == "positional-device-name"]


def test_a_pool_not_imported_is_imported_from_each_members_own_device():
    """The boot did not import the pool; the read-only listing over /dev/disk/by-id finds it
    DEGRADED, missing the member it cannot reach through the shared name. The import nodewatch
    gives names each labelled partition, so it finds both."""
    records = [
        *_usb_disk(0, "000000000000", MEMBER_GUIDS[0]),
        *_usb_disk(1, "000000000000", MEMBER_GUIDS[1]),
    ]
    shared = "usb-WDC_WD40EFZX-68AWUN0_000000000000-0:0-part1"
    listing = model.Pool(
        POOL,
        "DEGRADED",
        model.Guid(POOL_GUID),
        root=model.Vdev(
            POOL,
            model.VdevType.ROOT,
            "DEGRADED",
            children=(
                model.Vdev(
                    "mirror-0",
                    model.VdevType.MIRROR,
                    "DEGRADED",
                    children=(
                        model.Vdev(shared, model.VdevType.DISK, "ONLINE"),
                        model.Vdev(
                            str(MEMBER_GUIDS[1]), model.VdevType.DISK, "UNAVAIL", model.Guid(MEMBER_GUIDS[1])
                        ),
                    ),
                ),
            ),
        ),
    )
    snapshot = model.Snapshot(
        hostname="node",
        collected_at=datetime(2026, 12, 4, tzinfo=UTC),
        zfs_version="2.3.2",
        pool_status=model.PoolStatus((), source=model.PoolSource.TEXT),
        inventory=build_inventory(records),
        expected_pools=(model.ExpectedPool(POOL, sources=(model.ExpectedFrom.CACHE_FILE,)),),
        importable=model.PoolStatus((listing,), source=model.PoolSource.TEXT),
    )
    [finding] = [f for f in diagnose(snapshot).findings if f.code == "pool-not-imported"]
    by_uuid = "/dev/disk/by-partuuid/0a1b2c3d-0000-4000-8000-00000000000"
    assert finding.actions[0].command == f"zpool import -d {by_uuid}0 -d {by_uuid}1 {POOL}"
    assert "would miss a member" in finding.detail
