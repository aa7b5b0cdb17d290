"""How far a running scrub, resilver or rebuild is, in the words a finding uses.

`nodewatch pools` says it as exactly as zpool does (present/pools.py
describe_scan: 46.64% done, 07:58:49 to go); a finding rounds it for
someone deciding whether to wait (46.6% done, about 8 h 0 min to go).
"""

from __future__ import annotations

from nodewatch.model import Scan
from nodewatch.words.sizes import rough_duration


def scan_progress(scan: Scan) -> str:
    """'46.6% done, about 8 h 0 min to go', '46.6% done' (no ETA), or 'running'."""
    done = f"{scan.percent_done:.1f}% done" if scan.percent_done is not None else "running"
    eta = f", about {rough_duration(scan.eta_seconds)} to go" if scan.eta_seconds is not None else ""
    return done + eta
