"""Levels with hysteresis (diagnose/threshold.py) and the capacity rule that uses them."""

import dataclasses

import pytest

from nodewatch.config import DiagnoseSettings
from nodewatch.diagnose import diagnose
from nodewatch.diagnose.threshold import Threshold
from nodewatch.model import Capacity, Severity
from tests.support.recordings import lab_snapshot

W, C = Severity.WARNING, Severity.CRITICAL
CAPACITY = Threshold(warning=80, critical=90, clear_margin=5)


@pytest.mark.parametrize(
    ("value", "standing", "expected"),
    [
        (79, None, None),
        (80, None, W),
        (89.9, None, W),
        (90, None, C),
        # raised: holds down to the margin, clears below it
        (79, W, W),
        (75, W, W),
        (74.9, W, None),
        (85, C, C),
        (84.9, C, W),
        (76, C, W),
        (74, C, None),
        # a standing level never lowers what the value says now
        (95, W, C),
        (10, Severity.INFO, None),
    ],
)
def test_judge(value, standing, expected):
    assert CAPACITY.judge(value, standing) is expected


def test_without_a_margin_the_value_alone_decides():
    plain = Threshold(80, 90)
    assert plain.judge(79.9, C) is None
    assert plain.judge(89, C) is W


def _full(percent):
    """The lab's healthy tank (a real recording), its capacity set to `percent`."""
    snapshot = lab_snapshot("removed-replug", "zfs23", "01-healthy")
    assert snapshot.pool_status is not None
    pools = tuple(
        dataclasses.replace(
            pool,
            capacity=Capacity(
                size_bytes=100, allocated_bytes=percent, free_bytes=100 - percent, capacity_percent=percent
            ),
        )
        for pool in snapshot.pool_status.pools
    )
    return dataclasses.replace(snapshot, pool_status=dataclasses.replace(snapshot.pool_status, pools=pools))


def _capacity(report):
    return [f for f in report.findings if f.code == "capacity-high"]


def test_capacity_hovering_at_the_line_stays_one_finding():
    settings = DiagnoseSettings()
    standing: tuple = ()
    seen = []
    for percent in (79, 81, 79, 78, 80, 76, 74, 79):
        [*found] = _capacity(diagnose(_full(percent), settings, standing=standing))
        seen.append(found[0].severity if found else None)
        standing = tuple(found)
    assert seen == [None, W, W, W, W, W, None, None]


def test_a_held_level_says_why_it_is_still_there():
    [raised] = _capacity(diagnose(_full(82)))
    [held] = _capacity(diagnose(_full(77), standing=(raised,)))
    assert held.summary == "tank is 77% full"
    assert "reached 80% earlier" in held.detail and "below 75%" in held.detail
    assert "reached" not in raised.detail


def test_a_one_shot_diagnosis_judges_the_value_alone():
    assert _capacity(diagnose(_full(79))) == []


def test_the_margin_is_configurable():
    [raised] = _capacity(diagnose(_full(81)))
    settings = DiagnoseSettings(clear_margin_percent=0)
    assert _capacity(diagnose(_full(79), settings, standing=(raised,))) == []
