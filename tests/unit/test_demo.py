"""The bundled demo is the seed story's degraded step, replayed from the lab recordings."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nodewatch import replay
from nodewatch.serialize import to_data
from tests.recordings import LAB, lab_snapshot

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    not (LAB / "seed-usb-reattach").is_dir(), reason="lab recordings are not in this checkout"
)
def test_bundled_demo_is_regenerated_from_the_current_recordings_and_parsers():
    committed = json.loads((REPO / "nodewatch" / "demo" / replay.DEMO).read_text())
    fresh = to_data(lab_snapshot("seed-usb-reattach", "zfs23", "02-degraded"))
    assert committed == json.loads(json.dumps(fresh)), (
        "regenerate: python3 -m tests.recordings seed-usb-reattach zfs23 02-degraded"
        " > nodewatch/demo/seed-usb-reattach.json"
    )


def test_diagnose_demo_shows_the_seed_story_and_exits_critical():
    result = subprocess.run(
        [sys.executable, "-m", "nodewatch", "diagnose", "--demo"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 2, result.stderr
    assert "member-present-elsewhere" in result.stdout
    assert (
        "zpool set path=/dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0-part1 bigdata"
        in result.stdout
    )
