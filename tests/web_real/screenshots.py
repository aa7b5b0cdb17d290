"""Screenshots of the page for docs/ and the README: `python3 -m tests.web_real.screenshots`.

The demo (the seed story recorded on a real OpenZFS VM) as `nodewatch serve
--demo` serves it (the whole service: uptime, history events) at desktop width
and at phone width, and the zoo (tests/unit/web/reports.py: scans, SMART,
every transport) in dark mode, each from the real page in Chromium.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.unit.web import reports
from tests.web_real.conftest import serve, serve_demo_process
from tests.web_real.test_browser import chromium

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SHOTS = (
    # name, report, what it is, width, height (None = the whole page), dark
    ("page-desktop.png", None, "demo", 1280, None, False),
    ("page-phone.png", None, "demo", 390, 844, False),
    ("page-zoo-dark.png", reports.zoo, "zoo of recordings", 1280, None, True),
)


@contextlib.contextmanager
def _served(build, replayed: str) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if build is None:
        with tempfile.TemporaryDirectory() as work, serve_demo_process(Path(work)) as url:
            yield url
    else:
        yield from serve(build(), replayed)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build, replayed, width, height, dark in SHOTS:
        driver = chromium(width=width, height=height or 900, dark=dark)
        try:
            with _served(build, replayed) as url:
                driver.get(url + "/")
                if height is None:
                    full = driver.execute_script("return document.documentElement.scrollHeight")
                    driver.set_window_size(width, full)
                driver.save_screenshot(str(OUT / name))
                print(OUT / name)
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
