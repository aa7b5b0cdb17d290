"""diagnose/commands.py: every suggested command is built there, each argument shell-quoted."""

from __future__ import annotations

import shlex

from nodewatch.diagnose import commands


def test_space_used_lists_a_pool_recursively_and_quotes_its_name() -> None:
    line = commands.space_used("tank 2")
    assert line == "zfs list -o name,used,usedbysnapshots -S used -r 'tank 2'"
    assert shlex.split(line)[-1] == "tank 2"


def test_capacity_advice_uses_the_built_command() -> None:
    from datetime import UTC, datetime

    from nodewatch import diagnose
    from nodewatch.model import Capacity, Pool, PoolStatus, Snapshot

    pool = Pool("big;data", "ONLINE", capacity=Capacity(100, 95, 5, capacity_percent=95))
    snapshot = Snapshot("node", datetime(2026, 12, 4, tzinfo=UTC), pool_status=PoolStatus(pools=(pool,)))
    (finding,) = [f for f in diagnose.diagnose(snapshot).findings if f.code == "capacity-high"]
    assert finding.actions[0].command == commands.space_used("big;data")
    assert "'big;data'" in finding.actions[0].command
