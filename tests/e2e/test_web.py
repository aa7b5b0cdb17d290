"""The status page served in the guest, by `nodewatch serve`, shows the disk that was just pulled.

A raidz1 of two SATA disks and one behind a USB-SATA bridge; nodewatch serve
runs in the guest as a transient systemd unit with its page on loopback; the
USB disk is pulled while the pool is imported (REMOVED). The page and
/api/v1/status, fetched inside the guest, must show the pool DEGRADED, the
member REMOVED in the vdev tree, and a finding about it, within a few
collection intervals; /healthz answers 200 throughout. zfs23 only: the page
reads the same report on both flavours, which the other scenarios cover.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from .lab.disks import behind_usb_bridge, wd_sata
from .lab.expect import expect
from .lab.guestpkg import GUEST_VENV, has_subcommand
from .lab.session import Lab
from .lab.vm import Machine, log
from .lab.zfs import status
from .test_scenarios import create_pool

pytestmark = pytest.mark.e2e

LabFactory = Callable[[str, str], Lab]
PORT = 8427
CONFIG = f"""\
[service]
collect_interval_seconds = 5
state_directory = "/var/lib/nodewatch-e2e"
[smart]
enabled = false
[web]
listen = "127.0.0.1:{PORT}"
"""
FETCH = (
    f"{GUEST_VENV}/bin/python -c "
    "'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=20).read().decode())'"
)


def fetch(m: Machine, path: str) -> str | None:
    res = m.run(f"{FETCH} http://127.0.0.1:{PORT}{path}", timeout=60)
    return res.out if res.rc == 0 else None


def wait_page(m: Machine, path: str, ok: Callable[[str], bool], timeout: float, what: str) -> str | None:
    deadline = time.monotonic() + timeout
    body = None
    while time.monotonic() < deadline:
        body = fetch(m, path)
        if body is not None and ok(body):
            return body
        time.sleep(3)
    log(f"!! gave up waiting for {what} after {timeout:.0f} s; last answer: {(body or '')[:300]}")
    return body


def _vdevs(vdev: dict[str, Any]) -> list[dict[str, Any]]:
    out = [vdev]
    for child in vdev.get("children", []):
        out.extend(_vdevs(child))
    return out


def test_the_page_in_the_guest_shows_the_pulled_disk(lab_factory: LabFactory) -> None:
    lab = lab_factory("zfs23", "web-pulled-disk")
    d = lab.disks_dir
    disks = [wd_sata(d, 1, port=0), wd_sata(d, 2, port=1), behind_usb_bridge(wd_sata(d, 3, port=2))]
    m = lab.boot(disks, install=True)
    if not has_subcommand(m, "serve"):
        pytest.skip("this tree's nodewatch has no `serve` command yet")
    create_pool(m, "tank", "raidz1", disks)
    m.sh("mkdir -p /etc/nodewatch")
    m.sh(f"cat > /etc/nodewatch/e2e.toml <<'EOF'\n{CONFIG}EOF")
    m.sh(
        "systemd-run --unit=nodewatch-e2e --property=Restart=no"
        f" {GUEST_VENV}/bin/nodewatch serve --config /etc/nodewatch/e2e.toml"
    )
    try:
        healthy = wait_page(m, "/api/v1/status", lambda b: '"ONLINE"' in b, 120, "the first collection")
        assert healthy is not None, m.run("journalctl -u nodewatch-e2e --no-pager | tail -40").out
        assert json.loads(healthy)["pools"][0]["state"] == "ONLINE"

        usb = m.detach(disks[2].id)
        log(f"pulled {usb.id}")
        st = status(m, "tank")
        log(st.text)
        body = wait_page(
            m, "/api/v1/status", lambda b: json.loads(b)["pools"][0]["state"] == "DEGRADED", 90, "DEGRADED"
        )
        assert body is not None
        report = json.loads(body)
        pool = report["pools"][0]
        assert pool["state"] == "DEGRADED", pool
        gone = [v for v in _vdevs(pool["root"]) if v["state"] in ("REMOVED", "UNAVAIL", "FAULTED")]
        assert gone, pool
        member = gone[0]
        log(f"the page's report: member {member['name']} {member['state']}")
        findings = [f for f in report["findings"] if f.get("pool") == "tank" and f["severity"] >= 1]
        expect(bool(findings), "the page's report has a finding about the pulled member", m.name)

        html = fetch(m, "/")
        assert html is not None
        assert '<span class="badge state warning">DEGRADED</span>' in html
        # The vdev tree's row of the pulled member, in its state colour.
        row_name = member["name"].replace("&", "&amp;")
        assert row_name in html, member["name"]
        assert f'<span class="state critical">{member["state"]}</span>' in html or (
            f'<span class="state warning">{member["state"]}</span>' in html
        )
        # The finding names the pulled disk: its USB by-id name or the bridge.
        assert "usb-WDC_WD40EFZX" in html
        for finding in findings:
            summary = finding["summary"].replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;")
            expect(summary in html, f"the page shows the finding {finding['code']}", m.name)
        health = m.run(f"{FETCH} http://127.0.0.1:{PORT}/healthz", timeout=60)
        assert health.rc == 0, health.err  # fresh data: 200 (urlopen raises on 503)
    finally:
        log(m.run("journalctl -u nodewatch-e2e --no-pager | tail -20").out)
        m.run("systemctl stop nodewatch-e2e")
