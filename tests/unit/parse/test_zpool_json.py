"""`zpool status -j` parsing, and the proof that JSON and text give the same model.

Agreement: the same pool recorded at the same moment as `zpool status -v`
text and as `zpool status -j` JSON (real OpenZFS 2.3.2 lab recordings, and
any pair the e2e lab drops into tests/fixtures/lab/) must parse to equal
models on every field both outputs carry. Compared: pool name, state,
status, action, msgid, see URL, error count/text/files, scan function and
state (and the finished scan's facts), and for every vdev: name, type, state,
READ/WRITE/CKSUM, note, was-path, not-present, children in order. Not
compared, because only one side can know them: guid (text prints a guid
only for a missing member or with -g), path (plain text prints none),
devid and phys_path (JSON only), scan text, rate and ETA (JSON needs the
clock). Byte counts and counters from JSON are compared as the text prints
them (`2.16M`: three significant digits), since that is all the text knows.
Where the text is `-L`, names and paths are links followed (/dev/sdb1) and
are not compared either. The errors are compared when the text prints an
`errors:` line (a suspended pool's text has none; its JSON keeps the count).
"""

import contextlib
import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nodewatch.model import UNAVAIL, ScanState, VdevType
from nodewatch.parse.zpool_json import parse_zpool_status_json
from nodewatch.parse.zpool_list import parse_zpool_list_json, parse_zpool_list_text
from nodewatch.parse.zpool_numbers import parse_size
from nodewatch.parse.zpool_status import ParseError, attach_capacity, parse_zpool_status, strip_preamble
from nodewatch.parse.zpool_text import parse_zpool_status_text
from tests.support import recordings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
JSON_DIR = FIXTURES / "zpool-status-json"
TEXT_DIR = FIXTURES / "zpool-status-text"
LAB_DIR = FIXTURES / "lab"
_RC = re.compile(r"^\[rc=\d+\]$", re.M)


def load(path: Path) -> str:
    """A fixture without its provenance header or the lab's trailing `[rc=N]`; a lab output
    found unchanged since an earlier step is read from that step's file."""
    text = recordings.body(path) if path.is_relative_to(LAB_DIR) else path.read_text(encoding="utf-8")
    return _RC.sub("", strip_preamble(text))


@pytest.fixture
def utc(monkeypatch):
    """JSON times are epoch seconds shown in the local zone; the lab guests run in UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def json_pools(name: str):
    return parse_zpool_status_json(load(JSON_DIR / name)).pools


def by_name(pool, name):
    return next(vdev for vdev in pool.root.walk() if vdev.name == name)


# ─── agreement ───────────────────────────────────────────────────────────


# Lab pairs whose two recordings are not of the same moment, with the evidence; only the
# scan is left out of their comparison, every other field still has to agree.
NOT_SIMULTANEOUS = {
    "checksum-faulted/zfs23/04-after-fix-zpool-status-Pv.txt": "text: scrub finished 09:18:07; JSON, taken"
    " later: a 0-second resilver finished 09:18:27 (start_time == end_time == 1795425507)",
    "checksum-faulted/zfs23/04-after-fix-zpool-status-v.txt": "same as the -Pv text of this step",
}


def _agreement_pairs():
    pairs = [
        pytest.param(TEXT_DIR / f"{stem}.txt", JSON_DIR / f"{stem}.json", id=stem)
        for stem in ("lab-2.3.2-raidz1-healthy", "lab-2.3.2-raidz1-member-missing-4J")
    ]
    # The e2e lab records `<step>-zpool-status-<flags>.txt` and `<step>-zpool-status-j.json` side by side.
    for json_path in recordings.lab_outputs("**/*zpool-status*.json"):
        prefix = json_path.name.split("zpool-status")[0]
        for text_path in sorted(json_path.parent.glob(f"{prefix}zpool-status*.txt")):
            pairs.append(pytest.param(text_path, json_path, id=str(text_path.relative_to(LAB_DIR))))
    return pairs


def as_printed(value: int | None) -> int | None:
    """The value as the text shows it: zfs_nicenum() keeps at most 5 characters
    (`2.16M`), so a JSON byte count is compared after the same rounding."""
    if value is None or value < 1024:
        return value
    index = 0
    while value >= 1024 ** (index + 1) and index < 6:
        index += 1
    if value % 1024**index == 0:
        return value
    for decimals in (2, 1, 0):
        printed = f"{value / 1024**index:.{decimals}f}"
        if len(printed) + 1 <= 5:
            break
    return parse_size(printed + "KMGTPE"[index - 1])


def view_vdev(vdev, *, names: bool):
    return (
        vdev.name if names or vdev.not_present else None,
        vdev.type,
        vdev.state,
        tuple(as_printed(n) for n in (vdev.read_errors, vdev.write_errors, vdev.checksum_errors)),
        vdev.note,
        vdev.was_path,
        vdev.not_present,
        tuple(view_vdev(child, names=names) for child in vdev.children),
    )


def view_pool(pool, *, names: bool, with_scan: bool = True, with_errors: bool = True):
    scan = pool.scan
    scan_view: tuple[object, ...] = (scan.function, scan.state) if with_scan else ()
    if with_scan and scan.state is ScanState.FINISHED:
        scan_view += (scan.end_time, as_printed(scan.repaired_bytes), scan.errors, scan.duration_seconds)
    return (
        pool.name,
        pool.state,
        pool.status,
        pool.action,
        pool.msgid,
        pool.see_url,
        (pool.error_count, pool.errors_text, pool.error_files) if with_errors else (),
        scan_view,
        view_vdev(pool.root, names=names),
    )


@pytest.mark.parametrize(("text_path", "json_path"), _agreement_pairs())
@pytest.mark.usefixtures("utc")
def test_text_and_json_of_the_same_pool_agree(text_path, json_path):
    names = "L" not in text_path.stem.split("zpool-status")[-1]
    with_scan = not any(text_path.as_posix().endswith(key) for key in NOT_SIMULTANEOUS)
    from_text = parse_zpool_status_text(load(text_path)).pools
    from_json = parse_zpool_status_json(load(json_path)).pools
    # A suspended pool's text prints no `errors:` line (its error log cannot be read) while
    # JSON still has error_count: the errors are compared when the text says them.
    with_errors = all(pool.errors_text is not None for pool in from_text)
    view = {"names": names, "with_scan": with_scan, "with_errors": with_errors}
    assert [view_pool(p, **view) for p in from_text] == [view_pool(p, **view) for p in from_json]
    for text_pool, json_pool in zip(from_text, from_json, strict=True):
        for text_vdev, json_vdev in zip(text_pool.root.walk(), json_pool.root.walk(), strict=True):
            if text_vdev.guid is not None:  # a guid the text did print must be the JSON's
                assert text_vdev.guid == json_vdev.guid
            if text_vdev.path is not None and names:
                assert text_vdev.path == json_vdev.path


def test_agreement_is_not_vacuous():
    # The healthy and the degraded recordings differ, so the comparison can fail.
    healthy = parse_zpool_status_text(load(TEXT_DIR / "lab-2.3.2-raidz1-healthy.txt")).pools[0]
    degraded = json_pools("lab-2.3.2-raidz1-member-missing-4J.json")[0]
    assert view_pool(healthy, names=True) != view_pool(degraded, names=True)


@pytest.mark.parametrize(
    "stem",
    [
        "lab-2.3.2-resilvered-after-set-path-P",
        "lab-2.3.2-cksum-after-plain-import-P",
        "lab-2.3.2-member-missing-P",
    ],
)
def test_names_derived_from_P_paths_match_what_zpool_json_named_them(stem):
    # Recorded `zpool status -j | jq` (name, path, state of each disk) right after the -P text.
    disks = json.loads(load(JSON_DIR / f"{stem}.disks.jq.json"))["vdevs"]
    leaves = parse_zpool_status_text(load(TEXT_DIR / f"{stem}.txt")).pools[0].leaves()
    assert [(leaf.name, leaf.path) for leaf in leaves] == [(disk["name"], disk["path"]) for disk in disks]
    assert [leaf.state for leaf in leaves] == [
        UNAVAIL if disk["state"] == "CANT_OPEN" else disk["state"] for disk in disks
    ]


# ─── JSON specifics ──────────────────────────────────────────────────────


def test_parse_zpool_status_json_maps_cant_open_to_unavail_and_keeps_what_zfs_remembers():
    pool = json_pools("lab-2.3.2-raidz1-member-missing-4J.json")[0]
    missing = by_name(pool, "4296869500517908464")
    assert (missing.state, missing.not_present, missing.guid) == (UNAVAIL, True, 4296869500517908464)
    assert missing.devid == "ata-WDC_WD40EFZX-68AWUN0_WD-WX12D000FCA7-part1"
    assert missing.phys_path == "pci-0000:00:1f.2-ata-3.0"
    assert missing.note == "was /dev/disk/by-id/wwn-0x50014ee21522fca7-part1"
    assert pool.guid == 2240179974433893662
    assert [vdev.name for vdev in pool.root.walk()].count("wwn-0x50014ee21522fe55") == 1


def test_parse_zpool_status_json_reads_the_nested_string_form_with_class_groups():
    pool = json_pools("manpage-nested-string-mode-dedup-special-SYNTHETIC.json")[0]
    assert [(child.name, child.type) for child in pool.root.children] == [
        ("raidz1-0", VdevType.RAIDZ1),
        ("dedup", VdevType.DEDUP),
        ("special", VdevType.SPECIAL),
    ]
    assert by_name(pool, "raidz1-0").guid == 763132626387621737
    assert by_name(pool, "raidz1-0").state == "HEALTHY"  # unknown states are kept verbatim
    assert pool.error_count == 0


@pytest.mark.usefixtures("utc")
def test_parse_zpool_status_json_reads_scan_stats_with_epoch_times():
    pool = json_pools("mirror-missing-usb-disk-2Q-SYNTHETIC.json")[0]
    assert (pool.scan.state, pool.scan.duration_seconds, pool.scan.repaired_bytes) == (
        ScanState.FINISHED,
        14400,
        0,
    )
    assert pool.scan.end_time.isoformat() == "2026-01-01T04:00:00"
    assert pool.msgid == "ZFS-8000-2Q"


def _document(vdev_fields, scan=None):
    leaf = {"name": "sdb", "vdev_type": "disk", "guid": 7, "path": "/dev/sdb1", "state": "ONLINE"}
    leaf.update(vdev_fields)
    pool = {
        "name": "p",
        "state": "ONLINE",
        "vdevs": {"p": {"name": "p", "vdev_type": "root", "state": "ONLINE", "vdevs": {"sdb": leaf}}},
        "error_count": "0",
    }
    if scan:
        pool["scan_stats"] = scan
    return json.dumps({"output_version": {"command": "zpool status"}, "pools": {"p": pool}})


@pytest.mark.parametrize(
    ("fields", "state", "note"),
    [
        ({"state": "CANT_OPEN", "aux": "CORRUPT_DATA"}, "FAULTED", "corrupted data"),
        ({"state": "FAULTED", "aux": "ERR_EXCEEDED", "read_errors": "2.04K"}, "FAULTED", "too many errors"),
        ({"state": "FAULTED", "aux": "EXTERNAL"}, "FAULTED", "external device fault"),
        ({"state": "CLOSED"}, "OFFLINE", ""),
        (
            {"configured_ashift": 9, "physical_ashift": 12},
            "ONLINE",
            "block size: 512B configured, 4096B native",
        ),
        ({"state": "MISSING"}, "UNKNOWN", ""),  # by-partuuid disks in 2.3.2 (shared/lab/NOTES.md)
    ],
)
def test_parse_zpool_status_json_prints_states_and_notes_as_the_text_does(fields, state, note):
    # SYNTHETIC documents: one leaf with the keys vdev_stats_nvlist() emits for each case.
    document = json.loads(_document(fields))
    leaf_data = document["pools"]["p"]["vdevs"]["p"]["vdevs"]["sdb"]
    if leaf_data["state"] == "MISSING":
        del leaf_data["state"]
    leaf = parse_zpool_status_json(json.dumps(document)).pools[0].leaves()[0]
    assert (leaf.state, leaf.note) == (state, note)


def test_parse_zpool_status_json_reads_string_counters_and_infers_a_missing_vdev_type():
    # dRAID vdevs lack vdev_type and state (openzfs/zfs#18431): inferred from the name, never a crash.
    document = json.loads(_document({"read_errors": "12,8K"}))
    root = document["pools"]["p"]["vdevs"]["p"]
    root["vdevs"] = {"draid2:3d:6c:1s-0": {"name": "draid2:3d:6c:1s-0", "vdevs": root["vdevs"]}}
    pool = parse_zpool_status_json(json.dumps(document)).pools[0]
    assert by_name(pool, "draid2:3d:6c:1s-0").type is VdevType.DRAID
    assert by_name(pool, "sdb").read_errors == 13107


def test_parse_zpool_status_json_computes_progress_and_eta_only_with_a_clock():
    scan = {
        "function": "SCRUB",
        "state": "SCANNING",
        "start_time": 1000,
        "to_examine": 1000 * 2**20,
        "skipped": 0,
        "examined": 600 * 2**20,
        "issued": 500 * 2**20,
        "processed": 0,
        "pass_start": 1000,
        "scrub_pause": 0,
        "scrub_spent_paused": 0,
        "issued_bytes_per_scan": 500 * 2**20,
    }
    text = _document({"scan_processed": 4096}, scan)
    without_clock = parse_zpool_status_json(text).pools[0]
    assert (without_clock.scan.percent_done, without_clock.scan.eta_seconds) == (50.0, None)
    assert without_clock.leaves()[0].note == "(repairing)"
    with_clock = parse_zpool_status_json(text, now=1050).pools[0].scan
    assert (with_clock.rate_bytes_per_second, with_clock.eta_seconds) == (10 * 2**20, 50)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "not JSON"),
        ('{"pools": []}', 'no "pools" object'),
        ('{"output_version": {"command": "zpool list"}, "pools": {}}', "`zpool list` output"),
    ],
)
def test_parse_zpool_status_json_raises_a_clear_parse_error(text, reason):
    with pytest.raises(ParseError, match=re.escape(reason)) as caught:
        parse_zpool_status_json(text, source="paste.json")
    assert caught.value.source == "paste.json"


def test_parse_zpool_status_detects_json_after_a_comment_header():
    status = parse_zpool_status((JSON_DIR / "lab-2.3.2-raidz1-healthy.json").read_text())
    assert status.source.value == "json"
    assert [leaf.name for leaf in status.pools[0].leaves()] == [
        "wwn-0x50014ee21522fe55",
        "wwn-0x50014ee26a782728",
        "wwn-0x50014ee21522fca7",
    ]


# ─── capacity ────────────────────────────────────────────────────────────


def test_parse_zpool_list_json_reads_string_values():
    capacities = parse_zpool_list_json(
        load(FIXTURES / "zpool-list-json" / "manpage-string-mode-SYNTHETIC.json")
    )
    tank = capacities["tank"]
    assert (tank.size_bytes, tank.capacity_percent, tank.fragmentation_percent) == (111 * 2**30, 27, 0)


def test_parse_zpool_list_json_reads_integer_values():
    document = {
        "pools": {
            "bigdata": {
                "name": "bigdata",
                "properties": {
                    "size": {"value": 5905580032},
                    "allocated": {"value": 316727296},
                    "free": {"value": 5588852736},
                    "fragmentation": {"value": 0},
                    "capacity": {"value": 5},
                },
            }
        }
    }
    capacity = parse_zpool_list_json(json.dumps(document))["bigdata"]
    assert (capacity.size_bytes, capacity.free_bytes, capacity.capacity_percent) == (
        5905580032,
        5588852736,
        5,
    )


def test_parse_zpool_list_text_reads_hp_columns_and_attaches_them():
    # SYNTHETIC line in the `zpool list -Hp -o name,size,allocated,free,fragmentation,capacity` form.
    capacities = parse_zpool_list_text("bigdata\t5905580032\t316727296\t5588852736\t-\t5\nnoise\n")
    assert capacities["bigdata"].fragmentation_percent is None
    status = attach_capacity(
        parse_zpool_status_text(load(TEXT_DIR / "lab-2.3.2-raidz1-healthy.txt")), capacities
    )
    assert status.pools[0].capacity.allocated_bytes == 316727296


# ─── robustness ──────────────────────────────────────────────────────────

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**64), 2**64) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
_KEYS = st.sampled_from(
    [
        "name",
        "state",
        "vdevs",
        "parent",
        "vdev_type",
        "guid",
        "path",
        "not_present",
        "was",
        "aux",
        "errlist",
        "error_count",
        "scan_stats",
        "function",
        "start_time",
        "issued",
        "to_examine",
        "read_errors",
        "status",
        "spares",
        "logs",
        "l2cache",
        "class",
        "pool_guid",
        "scrub_pause",
    ]
)
_ZPOOLISH = st.recursive(
    _JSON_VALUES,
    lambda children: st.dictionaries(_KEYS, children, max_size=6),
    max_leaves=30,
)


@given(document=st.dictionaries(st.text(max_size=6), _ZPOOLISH, max_size=3))
@example(document={"": {"name": None, "vdevs": {"": True}}})  # found by a 4,000-example run
@example(document={"": {"name": None, "state": None, "pool_guid": "²"}})  # str.isdigit() says yes
@settings(max_examples=300)
def test_parse_zpool_status_json_survives_any_document_shaped_like_zpool_output(document):
    # Whatever a future or broken zpool prints, the parser answers or raises ParseError — never a crash.
    text = json.dumps({"output_version": {"command": "zpool status"}, "pools": document})
    try:
        status = parse_zpool_status_json(text, now=2_000_000_000)
    except ParseError:
        return
    for pool in status.pools:
        assert isinstance(pool.name, str) and isinstance(pool.state, str)
        for vdev in pool.vdevs():
            assert isinstance(vdev.read_errors, int) and isinstance(vdev.note, str)


@given(st.text())
@settings(max_examples=200)
def test_parse_zpool_status_json_raises_only_parse_error_on_any_text(text):
    with contextlib.suppress(ParseError):
        parse_zpool_status_json(text)
