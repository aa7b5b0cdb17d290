"""Properties every diagnosis keeps, whatever the pools and disks look like.

Generated pools and inventories (hypothesis) go through every rule: no rule
may crash, no destructive action may come first when a safe one is offered,
`zpool add` is never suggested, and every command survives shell quoting with
hostile names (spaces, quotes, `$(…)`, `;`).
"""

import dataclasses
import shlex
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nodewatch import model
from nodewatch.diagnose import diagnose
from nodewatch.diagnose.replacement import not_a_disk_reason

STATES = ["ONLINE", "DEGRADED", "FAULTED", "OFFLINE", "UNAVAIL", "REMOVED", "AVAIL", "INUSE", "WEIRD"]
HOSTILE = st.sampled_from(["tank", "my pool", "po'ol", 'a"b', "$(reboot)", "x;rm -rf /", "data-1"])
# A few guids shared by vdevs and disk labels, so labels do match members.
guids = st.sampled_from([4296869500517908464, 11876267131358752005, 2**64 - 1, 7]).map(model.Guid)
by_id_names = st.sampled_from(
    [
        "ata-WDC_WD40EFZX-68AWUN0_WD-WX62D229KY5H",
        "wwn-0x50014ee21522fca7",
        "usb-WDC_WD40_EFZX-68AWUN0_152D00539000-0:1",
        "usb-JMicron_Generic_0123456789ABCDEF-0:0",
        "nvme-Samsung_SSD_980_1TB_S64ANS0T123456",
        "ata-WDC_WD40EFAX-68JH4N0_WD-WX11D0000001",
        "weird name;$(x)",
    ]
)


@st.composite
def leaves(draw):
    name = draw(by_id_names)
    missing = draw(st.booleans())
    guid = draw(st.one_of(st.none(), guids))
    return model.Vdev(
        name=str(guid) if missing and guid else name,
        type=model.VdevType.DISK,
        state=draw(st.sampled_from(STATES)),
        guid=guid,
        path=draw(st.one_of(st.none(), st.just(f"/dev/disk/by-id/{name}-part1"), st.just("/dev/sdc1"))),
        devid=draw(st.one_of(st.none(), st.just(f"{name}-part1"))),
        was_path=f"/dev/disk/by-id/{name}-part1" if missing else None,
        not_present=missing,
        read_errors=draw(st.integers(0, 5)),
        write_errors=draw(st.integers(0, 5)),
        checksum_errors=draw(st.integers(0, 3000)),
        note=draw(st.sampled_from(["", "too many errors", "(resilvering)"])),
    )


@st.composite
def pools(draw):
    top_type = draw(
        st.sampled_from(
            [model.VdevType.RAIDZ1, model.VdevType.RAIDZ2, model.VdevType.MIRROR, model.VdevType.DISK]
        )
    )
    if top_type is model.VdevType.DISK:
        tops = (draw(leaves()),)
    else:
        members = tuple(draw(st.lists(leaves(), min_size=2, max_size=4)))
        if draw(st.booleans()):  # a hot spare standing in
            spare = model.Vdev(
                "spare-1", model.VdevType.SPARE, "DEGRADED", children=(members[0], draw(leaves()))
            )
            members = (spare, *members[1:])
        tops = (model.Vdev(f"{top_type.value}-0", top_type, draw(st.sampled_from(STATES)), children=members),)
        if draw(st.booleans()):  # a replace under way
            replacing = model.Vdev(
                "replacing-2", model.VdevType.REPLACING, "DEGRADED", children=(draw(leaves()), draw(leaves()))
            )
            tops = (dataclasses.replace(tops[0], children=(*tops[0].children, replacing)),)
    groups: tuple[model.Vdev, ...] = ()
    if draw(st.booleans()):
        groups = (model.Vdev("spares", model.VdevType.SPARES, "", children=(draw(leaves()),)),)
    for kind in (model.VdevType.LOGS, model.VdevType.CACHE):
        if draw(st.booleans()):
            groups += (model.Vdev(kind.value, kind, "", children=(draw(leaves()),)),)
    name = draw(HOSTILE)
    return model.Pool(
        name=name,
        state=draw(st.sampled_from([*STATES, "SUSPENDED"])),
        guid=draw(guids),
        msgid=draw(
            st.sampled_from(
                [
                    None,
                    "ZFS-8000-4J",
                    "ZFS-8000-2Q",
                    "ZFS-8000-8A",
                    "ZFS-8000-9P",
                    "ZFS-8000-HC",
                    "ZFS-8000-XX",
                ]
            )
        ),
        action=draw(st.sampled_from([None, "Replace the device using 'zpool replace'."])),
        status=draw(
            st.sampled_from([None, "Some supported and requested features are not enabled on the pool."])
        ),
        root=model.Vdev(name, model.VdevType.ROOT, "ONLINE", children=tops + groups),
        scan=model.Scan(
            function=draw(st.sampled_from(list(model.ScanFunction))),
            state=draw(st.sampled_from(list(model.ScanState))),
            percent_done=draw(st.one_of(st.none(), st.floats(0, 100))),
            eta_seconds=draw(st.one_of(st.none(), st.integers(0, 10**6))),
            end_time=draw(st.one_of(st.none(), st.just(datetime(2026, 1, 1)))),  # noqa: DTZ001 - zpool prints naive local time
        ),
        capacity=draw(
            st.one_of(
                st.none(),
                st.builds(
                    model.Capacity, st.just(100), st.just(90), st.just(10), st.none(), st.integers(0, 100)
                ),
            )
        ),
    )


# Block devices that must never be offered as a disk to rebuild onto (issue 8), as a by-id
# listing shows them (tests/fixtures/by-id/): optical, LUKS/LVM mappings, md, loop, zram, a partition.
NOT_DISKS = [
    ("/dev/sr0", "ata-HL-DT-ST_BD-RE_WH16NS40_KLZK6HB1234"),
    ("/dev/dm-0", "dm-name-luks-0a1b2c3d-0000-4000-8000-000000000001"),
    ("/dev/dm-1", "dm-uuid-LVM-Wq3fhsJx3pVpKq0y"),
    ("/dev/md0", "md-uuid-9b4b1bd1:6d2b0f6e:7c0f1c9e:3c6b0f5e"),
    ("/dev/loop0", "ata-loop-device"),
    ("/dev/zram0", "ata-zram-device"),
    ("/dev/sdh1", "ata-WDC_WD40EFZX-68AWUN0_WD-WX99D0000001-part1"),
]


@st.composite
def disks(draw, index):
    if index >= 3 and draw(st.integers(0, 3)) == 0:
        devnode, name = draw(st.sampled_from(NOT_DISKS))
        kind = name.split("-")[0]
        return model.Disk(
            devnode=devnode,
            transport=model.Transport.SATA if kind == "ata" else model.Transport.UNKNOWN,
            model=draw(st.sampled_from([None, "HL-DT-ST BD-RE WH16NS40"])),
            size_bytes=draw(st.one_of(st.none(), st.integers(1, 2**42))),
            by_id=(model.ByIdLink(name, kind),),
        )
    name = draw(by_id_names)
    label = draw(st.one_of(st.none(), st.builds(model.ZfsMember, HOSTILE, guids, guids)))
    partitions = ()
    if draw(st.booleans()):
        partitions = (
            model.Partition(
                devnode=f"/dev/sd{chr(97 + index)}1",
                number=1,
                by_id=(model.ByIdLink(f"{name}-part1", name.split("-")[0], positional=name.endswith("0:1")),),
                zfs=label,
                partuuid=draw(st.one_of(st.none(), st.just("0a1b2c3d-0000-4000-8000-000000000001"))),
                mountpoints=draw(st.sampled_from([(), ("/srv/data",)])),
            ),
        )
    return model.Disk(
        devnode=f"/dev/sd{chr(97 + index)}",
        transport=draw(st.sampled_from(list(model.Transport))),
        model=draw(st.sampled_from([None, "WDC WD40EFZX-68AWUN0", "WDC WD40EFAX-68JH4N0"])),
        serial=draw(st.sampled_from([None, "WD-WX62D229KY5H", "152D00539000"])),
        size_bytes=draw(st.one_of(st.none(), st.integers(1, 2**42))),
        by_id=(model.ByIdLink(name, name.split("-")[0], positional=name.endswith("0:1")),),
        partitions=partitions,
        bridge=draw(
            st.one_of(st.none(), st.builds(model.UsbBridge, st.sampled_from(["uas", "usb-storage"])))
        ),
        smart=draw(
            st.one_of(
                st.none(),
                st.builds(
                    model.SmartInfo,
                    st.booleans(),
                    passed=st.one_of(st.none(), st.booleans()),
                    reallocated_sectors=st.one_of(st.none(), st.integers(0, 9)),
                ),
            )
        ),
    )


@st.composite
def snapshots(draw):
    pool_list = tuple(draw(st.lists(pools(), min_size=1, max_size=2, unique_by=lambda pool: pool.name)))
    disk_list = tuple(draw(disks(index)) for index in range(draw(st.integers(0, 5))))
    return model.Snapshot(
        hostname="node",
        collected_at=datetime(2026, 11, 23, tzinfo=UTC),
        local_time=datetime(2026, 11, 23),  # noqa: DTZ001
        zfs_version=draw(st.sampled_from([None, "2.1.11", "2.3.2", "zfs-2.2.0-1"])),
        pool_status=model.PoolStatus(pool_list, source=draw(st.sampled_from(list(model.PoolSource)))),
        inventory=draw(
            st.one_of(
                st.none(),
                st.builds(model.Inventory, st.just(disk_list), st.sampled_from(list(model.InventorySource))),
            )
        ),
        mounts=draw(st.sampled_from([(), (model.Mount(f"{pool_list[0].name}/root", "/", "zfs"),)])),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots())
def test_diagnose_never_puts_a_destructive_action_first_when_a_safe_one_exists(snapshot):
    for finding in diagnose(snapshot).findings:
        if any(not action.destructive for action in finding.actions):
            assert not finding.actions[0].destructive, finding


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots())
def test_every_suggested_command_is_quoted_and_never_adds_a_vdev(snapshot):
    pool_names = {pool.name for pool in snapshot.pools}
    for finding in diagnose(snapshot).findings:
        for action in finding.actions:
            for part in action.command.split(" && "):
                words = shlex.split(part)  # raises if quoting is broken
                # a vdev is never added; a cache device only, after removing a dead one
                assert words[:2] != ["zpool", "add"] or words[3:4] == ["cache"], part
                if words[0] == "zpool" and len(words) > 2:
                    named = [w for w in words if w in pool_names]
                    # a hostile pool name must come back as one whole word
                    assert named or words[1] in ("labelclear", "import", "online"), part


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots())
def test_an_unhealthy_pool_always_gets_a_finding(snapshot):
    report = diagnose(snapshot)
    for pool in snapshot.pools:
        if pool.state != "ONLINE":
            assert any(
                f.pool == pool.name
                and f.severity >= model.Severity.WARNING
                and f.code not in NOT_ABOUT_HEALTH
                for f in report.findings
            ), pool


def test_a_degraded_pool_whose_only_warning_is_its_device_names_still_gets_a_finding():
    # The shape the property above once found: DEGRADED, every member ONLINE without errors, one
    # opened as /dev/sdc1. The device-name warning says nothing of why the pool is DEGRADED.
    def leaf(path: str | None = None) -> model.Vdev:
        return model.Vdev(
            name="ata-WDC_WD40EFZX-68AWUN0_WD-WX62D229KY5H",
            type=model.VdevType.DISK,
            state="ONLINE",
            path=path,
        )

    raidz = model.Vdev(
        name="raidz1-0",
        type=model.VdevType.RAIDZ1,
        state="ONLINE",
        children=(leaf(), leaf(), leaf("/dev/sdc1")),
    )
    root = model.Vdev(name="tank", type=model.VdevType.ROOT, state="ONLINE", children=(raidz,))
    pool = model.Pool(name="tank", state="DEGRADED", guid=4296869500517908464, root=root)
    snapshot = model.Snapshot(
        hostname="node",
        collected_at=datetime(2026, 11, 23, tzinfo=UTC),
        pool_status=model.PoolStatus((pool,), source=model.PoolSource.JSON),
    )
    codes = {f.code: f.severity for f in diagnose(snapshot).findings}
    assert codes["pool-unhealthy"] is model.Severity.CRITICAL
    assert "unstable-device-path" in codes


# Findings that can accompany a pool without saying anything about why it is unhealthy.
NOT_ABOUT_HEALTH = {
    "capacity-high",
    "scrub-never",
    "scrub-overdue",
    "unstable-device-path",
    "smr-in-raidz",
    "bridge-bogus-serial",
    "positional-device-name",
    "features-disabled",
}


def _replace_targets(report: model.Report) -> list[tuple[model.Finding, model.Action, str]]:
    """Every `zpool replace` target, except the marked last resort that first wipes the label of
    the member's own disk (`labelclear && replace`, member-present-elsewhere)."""
    found = []
    for finding in report.findings:
        for action in finding.actions:
            parts = [shlex.split(part) for part in action.command.split(" && ")]
            if action.destructive and [words[:2] for words in parts] == [
                ["zpool", "labelclear"],
                ["zpool", "replace"],
            ]:
                continue
            found += [(finding, action, words[-1]) for words in parts if words[:2] == ["zpool", "replace"]]
    return found


def _fits(disk: model.Disk, finding: model.Finding, in_pools: set[str]) -> bool:
    if not_a_disk_reason(disk) is not None or disk.devnode in in_pools:
        return False
    if any(partition.mountpoints or partition.zfs is not None for partition in disk.partitions):
        return False
    # member-label-lost rebuilds onto the member's own (repartitioned) drive; anything else: empty disks
    return finding.code == "member-label-lost" or not disk.partitions


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots())
def test_no_action_replaces_onto_anything_but_a_whole_unused_disk(snapshot):
    report = diagnose(snapshot)
    whole: dict[str, list[model.Disk]] = {}
    parts: set[str] = set()
    for disk in snapshot.disks:
        for path in (disk.devnode, *(link.path for link in disk.by_id)):
            whole.setdefault(path, []).append(disk)
        for partition in disk.partitions:
            parts.add(partition.devnode)
            parts.update(link.path for link in partition.by_id)
    in_pools = {
        disk.devnode
        for disk in snapshot.disks
        for pool in snapshot.pools
        for leaf in pool.leaves()
        if leaf.path and leaf.path in {p.devnode for p in disk.partitions} | {disk.devnode}
    }
    for finding, action, target in _replace_targets(report):
        if target == "/dev/disk/by-id/NEW-DISK":
            continue  # the template to fill in
        assert target not in parts, (target, finding)
        # (generated disks may share a by-id name: one of those named so must fit)
        assert any(_fits(disk, finding, in_pools) for disk in whole.get(target, [])), (target, finding)
        listing = snapshot.inventory and snapshot.inventory.source is model.InventorySource.BY_ID_LISTING
        if listing and finding.code == "member-missing":
            online = [i for i, a in enumerate(finding.actions) if a.command.startswith("zpool online")]
            assert online and online[0] < finding.actions.index(action), finding  # reconnect first


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots())
def test_no_replace_is_ever_suggested_for_a_pool_that_is_down_or_suspended(snapshot):
    report = diagnose(snapshot)
    down = {pool.name for pool in snapshot.pools if pool.state in ("UNAVAIL", "FAULTED", "SUSPENDED")}
    down |= {pool.name for pool in snapshot.pools if pool.msgid in ("ZFS-8000-HC", "ZFS-8000-JQ")}
    for finding, _action, _target in _replace_targets(report):
        assert finding.pool not in down, finding


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots())
def test_interior_vdevs_and_spares_in_use_are_never_detached_or_replaced(snapshot):
    interior = {
        vdev.name
        for pool in snapshot.pools
        for vdev in pool.vdevs()
        if vdev.type in (model.VdevType.REPLACING, model.VdevType.SPARE)
    }
    for finding in diagnose(snapshot).findings:
        for action in finding.actions:
            for part in action.command.split(" && "):
                words = shlex.split(part)
                if words[:2] in (["zpool", "detach"], ["zpool", "replace"]):
                    assert words[3] not in interior, (part, finding)
