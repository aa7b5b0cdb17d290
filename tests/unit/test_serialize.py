"""The JSON codec shared by snapshots, --json outputs and the web API."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nodewatch import model, serialize


def _pool(guid: int) -> model.Pool:
    leaf = model.Vdev("wwn-0x50014ee21522fe55", model.VdevType.DISK, "ONLINE", guid=model.Guid(guid))
    root = model.Vdev("bigdata", model.VdevType.ROOT, "ONLINE", children=(leaf,))
    return model.Pool("bigdata", "ONLINE", guid=model.Guid(guid), root=root)


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
