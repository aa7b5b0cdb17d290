"""Write the bundled demo (nodewatch/demo/seed-usb-reattach.json) from the lab recordings.

The demo is the seed story's degraded step (tests/fixtures/lab/seed-usb-reattach/zfs23),
replayed through the same parsers as a live collection. Run it after a parser or
model change:

    python3 tools/regenerate_demo.py          # rewrite the demo
    python3 tools/regenerate_demo.py --check  # exit 1 if the committed demo is not current

tests/unit/test_demo.py runs the check.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STEP = ("seed-usb-reattach", "zfs23", "02-degraded")


def demo_text() -> str:
    """Return the demo snapshot file as the recordings and parsers make it today."""
    from nodewatch.serialize import to_data
    from tests.support.recordings import lab_snapshot

    return json.dumps(to_data(lab_snapshot(*STEP)), indent=1) + "\n"


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(REPO))  # this checkout's nodewatch and tests, not an installed one
    from nodewatch.replay import DEMO

    path = REPO / "nodewatch" / "demo" / DEMO
    fresh = demo_text()
    if argv == ["--check"]:
        if path.read_text(encoding="utf-8") == fresh:
            return 0
        print(
            f"{path.relative_to(REPO)} is not current: run python3 tools/regenerate_demo.py", file=sys.stderr
        )
        return 1
    if argv:
        print(__doc__, file=sys.stderr)
        return 3
    path.write_text(fresh, encoding="utf-8")
    print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
