"""Every `zpool status`/`zpool list` recording the e2e lab writes into
tests/fixtures/lab/ (real OpenZFS 2.3 and 2.1 in QEMU) parses completely.

New recordings are picked up without code changes; the JSON/text agreement
on the same steps is in test_zpool_json.py.
"""

import re
from pathlib import Path

import pytest

from nodewatch.parse.zpool_list import parse_zpool_list_json
from nodewatch.parse.zpool_status import parse_zpool_status
from tests.support.recordings import LAB, body, lab_outputs

STATUS = sorted(
    path for path in LAB.glob("**/*zpool-status*") if path.suffix in (".txt", ".json")
)  # an output unchanged since an earlier step is kept (and parsed) once
LISTS = lab_outputs("**/*zpool-list-j.json")


def _step(path: Path) -> str:
    return path.name.split("zpool-")[0]


@pytest.mark.parametrize("path", STATUS, ids=lambda path: str(path.relative_to(LAB)))
def test_lab_zpool_status_recording_is_understood_line_for_line(path):
    status = parse_zpool_status(path.read_text(encoding="utf-8"), source=str(path))
    unparsed = list(status.unparsed_lines) + [line for pool in status.pools for line in pool.unparsed_lines]
    assert unparsed == []
    for pool in status.pools:
        assert pool.state and pool.root is not None and pool.leaves()
        assert all(re.fullmatch(r"[A-Z_]+", vdev.state) for vdev in pool.vdevs() if vdev.state)


@pytest.mark.parametrize("path", LISTS, ids=lambda path: str(path.relative_to(LAB)))
def test_lab_zpool_list_json_gives_capacity_for_the_pools_of_the_same_step(path):
    capacities = parse_zpool_list_json(body(path))
    status_path = path.with_name(f"{_step(path)}zpool-status-j.json")
    pools = parse_zpool_status(body(status_path)).pools
    assert sorted(capacities) == sorted(pool.name for pool in pools)
    for capacity in capacities.values():
        assert capacity.size_bytes == capacity.allocated_bytes + capacity.free_bytes
