"""The bundled demo is the seed story's degraded step, replayed from the lab recordings."""

import subprocess
import sys
from pathlib import Path

from nodewatch import replay
from tests.support.recordings import lab_snapshot

REPO = Path(__file__).resolve().parents[2]


def test_bundled_demo_is_regenerated_from_the_current_recordings_and_parsers():
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "regenerate_demo.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_demo_is_the_seed_storys_degraded_step():
    demo = replay.demo_snapshot()
    assert demo == lab_snapshot("seed-usb-reattach", "zfs23", "02-degraded")


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
