"""The JSON codec shared by snapshots, --json outputs and the web API."""

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nodewatch import model, serialize
from tests.support.recordings import LAB, lab_snapshot


@pytest.fixture(autouse=True, params=["closures", "compiled"])
def decoders(request, monkeypatch):
    """Every test here runs with each way a class is decoded: the closure a process starts
    with, and the code written out once a class was decoded COMPILE_AFTER times (a big node)."""
    monkeypatch.setattr(serialize, "COMPILE_AFTER", 10**9 if request.param == "closures" else 0)
    serialize._decoder.cache_clear()
    yield request.param
    serialize._decoder.cache_clear()


def _pool(guid: int) -> model.Pool:
    leaf = model.Vdev("wwn-0x50014ee21522fe55", model.VdevType.DISK, "ONLINE", guid=model.Guid(guid))
    root = model.Vdev("bigdata", model.VdevType.ROOT, "ONLINE", children=(leaf,))
    return model.Pool("bigdata", "ONLINE", guid=model.Guid(guid), root=root)


@settings(deadline=None)  # the first example builds the codecs; a busy machine is no failure
@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_guids_survive_a_round_trip_as_decimal_strings(guid):
    snapshot = model.Snapshot(
        "pi", datetime(2026, 11, 23, tzinfo=UTC), pool_status=model.PoolStatus((_pool(guid),))
    )
    data = serialize.to_data(snapshot)
    assert data["pool_status"]["pools"][0]["guid"] == str(guid)
    assert serialize.from_data(model.Snapshot, data) == snapshot


def test_decode_names_the_path_of_a_bad_field():
    data = serialize.to_data(model.PoolStatus((_pool(1),)))
    data["pools"][0]["root"]["children"][0]["type"] = "tape"
    with pytest.raises(
        serialize.DecodeError, match=r"pools\[0\]\.root\.children\[0\]\.type: unknown VdevType"
    ):
        serialize.from_data(model.PoolStatus, data)


def test_decode_rejects_unknown_fields_rather_than_dropping_them():
    with pytest.raises(serialize.DecodeError, match="unknown field"):
        serialize.from_data(model.Action, {"command": "zpool clear tank", "why": "x", "force": True})


def test_snapshots_from_before_the_probe_contract_still_replay():
    """The demo as committed before #9 (outcome "error", no error_kind, RawOutput without probe)."""
    import json
    import subprocess
    from pathlib import Path

    from nodewatch import replay
    from nodewatch.model import ProbeOutcome

    repo = Path(__file__).resolve().parents[2]
    old = subprocess.run(
        ["git", "-C", str(repo), "show", "baf775f:nodewatch/demo/seed-usb-reattach.json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if old.returncode != 0:
        pytest.skip(f"the git history is not in this checkout ({old.stderr.strip()})")
    data = json.loads(old.stdout)
    assert "error_kind" not in data["probes"][0] and "probe" not in data["raw"][0]
    data["probes"][1]["outcome"] = "error"  # what a failed probe said before #9
    snapshot = replay.snapshot_from_json(json.dumps(data), "old demo")
    assert [p.outcome for p in snapshot.probes] == [ProbeOutcome.OK, ProbeOutcome.FAILED]
    assert snapshot.probes[1].error_kind is None
    assert snapshot.raw[0].probe is None


def _lab_steps():
    # Steps a collection could have made (`zpool status -P -v` or -j recorded); evidence-only
    # steps (a boot's plain `zpool status`, `04-fixed-zpool-status-P`) are not snapshots.
    statuses = [*LAB.glob("*/*/*-zpool-status-Pv.txt"), *LAB.glob("*/*/*-zpool-status-j.json")]
    for status in sorted(statuses):
        scenario, flavour = status.parts[-3], status.parts[-2]
        yield scenario, flavour, status.name.split("-zpool-status-")[0]


def test_every_recorded_lab_step_survives_a_round_trip():
    steps = sorted(set(_lab_steps()))
    assert len(steps) > 20
    for step in steps:
        snapshot = lab_snapshot(*step)
        assert serialize.from_data(model.Snapshot, serialize.to_data(snapshot)) == snapshot, step


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["pools"][0].pop("state"), r"^pools\[0\]: missing field state$"),
        (lambda d: d["pools"][0].update(state=3), r"^pools\[0\]\.state: expected str, got int$"),
        (lambda d: d["pools"][0].update(name=None), r"^pools\[0\]\.name: expected str, got NoneType$"),
        (lambda d: d["pools"][0].update(guid="x1"), r"^pools\[0\]\.guid: not a guid: 'x1'$"),
        (
            lambda d: d["pools"][0]["root"].update(children={}),
            r"^pools\[0\]\.root\.children: expected a list",
        ),
        (
            lambda d: d["pools"][0]["root"]["children"][0].update(read_errors=1.5),
            r"children\[0\]\.read_errors",
        ),
        (lambda d: d["pools"][0]["root"].update(not_present="no"), r"root\.not_present: expected bool"),
        (
            lambda d: d["pools"][0]["scan"].update(start_time="noon"),
            r"scan\.start_time: not an ISO 8601 time",
        ),
        (lambda d: d["pools"].append([]), r"^pools\[1\]: expected an object, got list$"),
        (lambda d: d.update(pools=None), r"^pools: expected a list, got NoneType$"),
    ],
)
def test_decode_says_where_and_what_does_not_fit(change, problem):
    data = serialize.to_data(model.PoolStatus((_pool(1),)))
    change(data)
    with pytest.raises(serialize.DecodeError, match=problem):
        serialize.from_data(model.PoolStatus, data)


def test_decode_fills_in_defaults_and_converts_integers_to_floats():
    scan = serialize.from_data(model.Scan, {"percent_done": 50})
    assert scan == model.Scan(percent_done=50.0)
    assert isinstance(scan.percent_done, float)


def test_a_plain_string_where_a_str_enum_is_declared_encodes_as_itself():
    inventory = model.Inventory(disks=(), source="udev-db")  # type: ignore[arg-type]
    assert serialize.to_data(inventory)["source"] == "udev-db"


def test_a_failed_probe_is_written_error_as_schema_1_said_and_the_interim_failed_still_loads():
    """docs/json.md: `outcome` keeps schema 1's words (ok, no_data, error); the typed failure is
    the added `error_kind`. The report document is what both `diagnose --json` and the web API's
    `/api/v1/status` send."""
    from nodewatch.diagnose import diagnose
    from nodewatch.present.envelope import report_document

    failed = model.ProbeResult(
        "zpool",
        model.ProbeOutcome.FAILED,
        "zpool status timed out after 20 s",
        error_kind=model.ProbeErrorKind.TIMED_OUT,
    )
    snapshot = model.Snapshot("pi", datetime(2026, 11, 23, tzinfo=UTC), probes=(failed,))
    document = report_document(diagnose(snapshot))
    assert document["schema"] == 1
    assert document["probes"][0]["outcome"] == "error"
    assert document["probes"][0]["error_kind"] == "timed_out"
    interim = {**serialize.to_data(failed), "outcome": "failed"}  # builds of 2026-12-04 wrote this
    assert serialize.from_data(model.ProbeResult, interim) == failed
