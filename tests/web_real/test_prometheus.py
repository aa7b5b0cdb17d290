"""Prometheus for real: promtool lints /metrics and the rules, runs the rules' unit tests, and a
Prometheus from Debian's package scrapes `nodewatch serve --demo` on loopback until the degraded-pool
alert fires."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from nodewatch.web import metrics
from nodewatch.web.app import create_app
from nodewatch.web.source import ReplaySource, Status
from tests.unit.web import reports
from tests.web_real.conftest import free_port, need

DOCS = Path(__file__).resolve().parents[2] / "docs" / "prometheus"
DEMO_FIRST_COMMAND = (
    "zpool set path=/dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0-part1 bigdata"
    " 4497337729894654865 && zpool online bigdata 4497337729894654865"
)


def _metrics_text(report: Any) -> str:
    client = Client(create_app(ReplaySource(report, "demo")))
    return client.get("/metrics").get_data(as_text=True)


@pytest.mark.parametrize(
    "build",
    [reports.demo, reports.zoo, lambda: reports.hostile(reports.zoo())],
    ids=["demo", "zoo", "hostile"],
)
def test_promtool_check_metrics_passes(build):
    promtool = need("promtool")["promtool"]
    result = subprocess.run(
        [promtool, "check", "metrics"],
        input=_metrics_text(build()),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == ""  # no lint remarks either


def test_alert_rules_pass_promtool_check_and_their_unit_tests():
    promtool = need("promtool")["promtool"]
    for argv in (["check", "rules", "nodewatch-rules.yml"], ["test", "rules", "nodewatch-rules.test.yml"]):
        result = subprocess.run(
            [promtool, *argv], cwd=DOCS, capture_output=True, text=True, check=False, timeout=120
        )
        assert result.returncode == 0, result.stdout + result.stderr


def _exported_labels() -> dict[str, set[str]]:
    """Every sample name nodewatch exports (zoo, demo, no data yet), with its label names."""
    zoo, demo = reports.zoo(), reports.demo()
    out: dict[str, set[str]] = {}
    statuses = (
        Status(zoo, False, 1.0, zoo.snapshot.probes),
        Status(demo, False, 1.0),
        Status(None, True, None),
    )
    for status in statuses:
        for family in metrics.families(status):
            for sample in family.samples:
                out.setdefault(sample.name, set()).update(sample.labels)
    # Families without samples in the zoo still have their name and labels in the collector.
    out.setdefault("nodewatch_pool_scan_progress_ratio", {"pool", "function", "state"})
    return out


def test_the_rules_tests_feed_series_nodewatch_really_exports():
    exported = _exported_labels()
    text = (DOCS / "nodewatch-rules.test.yml").read_text()
    series = re.findall(r"series: '(\w+)\{([^}]*)\}'", text)
    assert len(series) > 10
    for name, labels in series:
        if name == "up":
            continue
        names = set(re.findall(r'(\w+)="', labels)) - {"instance", "job"}
        assert name in exported, name
        assert names == exported[name], (name, names, exported[name])


def _queries() -> list[str]:
    """Every PromQL expression of the shipped rules and dashboard."""
    rules = (DOCS / "nodewatch-rules.yml").read_text()
    exprs = re.findall(r"expr: \|\n((?:          .*\n)+)", rules)
    exprs += re.findall(r"expr: (up.*)\n", rules)
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text())
    for panel in dashboard["panels"]:
        exprs += [target["expr"].replace("$instance", ".*") for target in panel["targets"]]
    return [" ".join(expr.split()) for expr in exprs]


def test_the_dashboard_and_rules_use_only_metrics_nodewatch_exports():
    exported = _exported_labels()
    used = {name for query in _queries() for name in re.findall(r"\bnodewatch_\w+", query)}
    assert used
    assert used <= set(exported), used - set(exported)


# ─── a real Prometheus ──────────────────────────────────────────────────────


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback URL we built)
        return json.loads(response.read())


def _query(base: str, expr: str) -> Any:
    return _get(f"{base}/api/v1/query?{urllib.parse.urlencode({'query': expr})}")


@pytest.fixture
def prometheus(tmp_path: Path, serve_demo: str) -> Iterator[str]:
    binary = need("prometheus")["prometheus"]
    target = urllib.parse.urlsplit(serve_demo).netloc
    (tmp_path / "nodewatch-rules.yml").write_text((DOCS / "nodewatch-rules.yml").read_text())
    (tmp_path / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 2s\n  evaluation_interval: 2s\n"
        "rule_files: [nodewatch-rules.yml]\n"
        "scrape_configs:\n"
        f"  - job_name: nodewatch\n    static_configs:\n      - targets: ['{target}']\n"
    )
    port = free_port()
    log = (tmp_path / "prometheus.log").open("w")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/-/ready", timeout=2):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("prometheus did not become ready:\n" + (tmp_path / "prometheus.log").read_text())
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_a_real_prometheus_scrapes_the_demo_and_the_degraded_pool_alert_fires(prometheus):
    base = prometheus
    # The pool's series arrive with the first scrape.
    deadline = time.monotonic() + 60
    result: list[Any] = []
    while time.monotonic() < deadline and not result:
        result = _query(base, 'nodewatch_pool_state{pool="bigdata",state="degraded"} == 1')["data"]["result"]
        time.sleep(1)
    assert result, "no nodewatch_pool_state series for bigdata"
    assert result[0]["metric"]["job"] == "nodewatch"
    vdev = _query(base, 'nodewatch_vdev_state{pool="bigdata",guid="4497337729894654865",state="unavail"}')
    assert vdev["data"]["result"][0]["value"][1] == "1"
    # Every expression of the shipped rules and dashboard is valid PromQL here.
    for expr in _queries():
        assert _query(base, expr)["status"] == "success", expr
    # The shipped rule has `for: 1m`: pending first, then firing, with the node and first command.
    deadline = time.monotonic() + 150
    alert: dict[str, Any] = {}
    while time.monotonic() < deadline:
        alerts = _get(f"{base}/api/v1/alerts")["data"]["alerts"]
        alert = next((a for a in alerts if a["labels"]["alertname"] == "NodewatchPoolDegraded"), {})
        if alert.get("state") == "firing":
            break
        time.sleep(2)
    assert alert.get("state") == "firing", alert
    assert alert["labels"]["pool"] == "bigdata"
    assert alert["labels"]["hostname"] == "lab-vm"
    assert alert["annotations"]["node"].startswith("lab-vm (127.0.0.1:")
    assert alert["annotations"]["first_command"] == DEMO_FIRST_COMMAND
