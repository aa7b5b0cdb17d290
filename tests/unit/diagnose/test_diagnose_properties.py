"""Properties every diagnosis keeps, whatever the pools and disks look like.

Generated pools and inventories (hypothesis) go through every rule: no rule
may crash, no destructive action may come first when a safe one is offered,
`zpool add` is never suggested, and every command survives shell quoting with
hostile names (spaces, quotes, `$(…)`, `;`).
"""

import shlex
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nodewatch import model
from nodewatch.diagnose import diagnose

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
    groups = ()
    if draw(st.booleans()):
        groups = (model.Vdev("spares", model.VdevType.SPARES, "", children=(draw(leaves()),)),)
    name = draw(HOSTILE)
    return model.Pool(
        name=name,
        state=draw(st.sampled_from([*STATES, "SUSPENDED"])),
        guid=draw(guids),
        msgid=draw(
            st.sampled_from([None, "ZFS-8000-4J", "ZFS-8000-2Q", "ZFS-8000-8A", "ZFS-8000-9P", "ZFS-8000-XX"])
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


@st.composite
def disks(draw, index):
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
    pool_list = tuple(draw(st.lists(pools(), min_size=1, max_size=2)))
    disk_list = tuple(draw(disks(index)) for index in range(draw(st.integers(0, 5))))
    return model.Snapshot(
        hostname="node",
        collected_at=datetime(2026, 11, 23, tzinfo=UTC),
        local_time=datetime(2026, 11, 23),  # noqa: DTZ001
        zfs_version=draw(st.sampled_from([None, "2.1.11", "2.3.2", "zfs-2.2.0-1"])),
        pool_status=model.PoolStatus(pool_list, source=draw(st.sampled_from(list(model.PoolSource)))),
        inventory=draw(st.one_of(st.none(), st.just(model.Inventory(disk_list)))),
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
