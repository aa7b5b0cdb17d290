"""Every route of the web app through Werkzeug's test client, with hostile strings in every field."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from werkzeug.test import Client

from nodewatch import model
from nodewatch.config import WebSettings
from nodewatch.present.disks import smart_badge, smart_line
from nodewatch.present.terminal import safe
from nodewatch.web import auth, page
from nodewatch.web.app import CONTENT_SECURITY_POLICY, create_app
from nodewatch.web.source import Event, ReplaySource, Status
from tests.unit.web import reports

ROUTES = ("/", "/api/v1/status", "/api/v1/events", "/healthz", "/metrics", "/static/page.js")


class FixedSource:
    def __init__(self, status: Status, events: Sequence[Event] = ()) -> None:
        self._status = status
        self._events = tuple(events)

    def status(self) -> Status:
        return self._status

    def events(self, limit: int = 50) -> Sequence[Event]:
        return self._events[:limit]


def _client(source: object, web: WebSettings | None = None) -> Client:
    return Client(create_app(source, web))  # type: ignore[arg-type]


def _events(report: model.Report) -> tuple[Event, ...]:
    at = report.snapshot.collected_at
    return tuple(
        Event(
            at=at - timedelta(minutes=i),
            change="new",
            severity=finding.severity,
            code=finding.code,
            summary=finding.summary,
            pool=finding.pool,
            device=finding.disk.devnode if finding.disk else None,
        )
        for i, finding in enumerate(report.findings)
    )


class Tags(HTMLParser):
    """Collects every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


# ─── the page ───────────────────────────────────────────────────────────────


def test_page_of_the_demo_names_the_usb_disk_and_shows_the_fix_to_copy():
    report = reports.demo()
    html = _client(ReplaySource(report, "demo")).get("/").get_data(as_text=True)
    assert "lab-vm" in html
    assert ">CRITICAL<" in html
    assert "Replayed snapshot (demo)" in html
    assert '<span class="badge transport usb">USB bridge usb-storage</span>' in html
    assert '<span class="badge transport sata">SATA/ATA</span>' in html
    first = report.findings[0].actions[0].command
    assert first.startswith("zpool set path=/dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0-part1")
    assert f"<pre><code>{first.replace('&', '&amp;')}</code></pre>" in html
    # The missing member's row names the disk whose label carries its guid.
    assert '<a href="#disk-sdc">/dev/sdc</a>' in html


def test_page_of_the_zoo_shows_scan_progress_scrub_age_smart_and_failed_probes():
    report = reports.zoo()
    now = report.snapshot.collected_at + timedelta(seconds=90)
    status = Status(
        report=report,
        stale=False,
        age_seconds=90,
        probes=report.snapshot.probes,
        booted_at=now - timedelta(days=3, hours=4),
        started_at=now - timedelta(hours=2),
    )
    view = page.build(status, _events(report), now=now)
    vz = next(pool for pool in view.pools if pool.name == "vz")
    assert vz.scan_percent == pytest.approx(66.46)
    volumes = next(pool for pool in view.pools if pool.name == "volumes")
    assert volumes.last_scrub_age == "661 d 23 h ago"
    sdb = next(disk for disk in view.disks if disk.devnode == "/dev/sdb")
    assert (sdb.smart_verdict, sdb.smart_css) == ("FAILING", "critical")
    # The NVMe says PASSED, yet its 7 media errors mean "replace soon": the verdict, not the flag.
    nvme = next(disk for disk in view.disks if disk.devnode == "/dev/nvme0n1")
    assert (nvme.smart_verdict, nvme.smart_css) == ("replace soon", "warning")
    assert nvme.smart_line.startswith("replace soon (7 media and data integrity errors (NVMe)) · PASSED")
    # Every disk's SMART words on the page are the disks view's (the CLI's), word for word.
    for disk in report.snapshot.disks:
        shown = next(d for d in view.disks if d.devnode == disk.devnode)
        assert shown.smart_verdict == smart_badge(disk)
        assert shown.smart_line in ("", smart_line(disk))
    assert view.uptime == "3 d 4 h"
    assert view.collected_age == "1 min ago"
    assert view.failed_probes == (("smartctl", "smartctl timed out after 30 s"),)
    html = _client(FixedSource(status, _events(report))).get("/").get_data(as_text=True)
    assert '<span class="badge smart warning">replace soon</span>' in html
    assert '<progress max="100" value="66.46">' in html
    assert "smartctl</strong> failed: smartctl timed out after 30 s" in html
    assert "badge transport nvme" in html
    assert "badge transport mmc" in html
    assert "badge transport virtio" in html
    # Findings come worst first, the informational ones folded after them.
    severities = [f.text.severity for f in view.findings]
    assert severities == sorted(severities, key=["CRITICAL", "UNKNOWN", "WARNING"].index)
    assert all(f.text.severity == "INFO" for f in view.quiet)


def test_page_badges_an_optical_drive_and_device_mapper_volumes_for_what_they_are():
    """openvstorage/framework#1647's by-id listing beside the lab's 4J paste, served as a replay."""
    from nodewatch.diagnose import diagnose
    from nodewatch.replay import snapshot_from_outputs

    fixtures = Path(__file__).parents[2] / "fixtures"
    snapshot = snapshot_from_outputs(
        (fixtures / "zpool-status-text" / "lab-2.3.2-raidz1-member-missing-4J.txt").read_text(
            encoding="utf-8"
        ),
        by_id=(fixtures / "by-id" / "openvstorage-1647-cdrom-luks1-lvm-excerpt.txt").read_text(
            encoding="utf-8"
        ),
    )
    html = _client(ReplaySource(diagnose(snapshot), "paste")).get("/").get_data(as_text=True)
    assert '<span class="badge transport optical">optical drive</span>' in html
    assert html.count('<span class="badge transport device-mapper">device-mapper</span>') == 3
    assert "SATA/ATA" not in html and "unknown bus" not in html


@pytest.mark.parametrize("build", [reports.demo, reports.zoo], ids=["demo", "zoo"])
def test_hostile_strings_in_every_field_are_text_on_the_page(build):
    report = reports.hostile(build())
    source = FixedSource(
        Status(
            report=report,
            stale=True,
            age_seconds=4000,
            probes=reports.hostile((model.ProbeResult("zpool", model.ProbeOutcome.FAILED, "hung"),)),
        ),
        _events(report),
    )
    html = _client(source).get("/").get_data(as_text=True)
    parsed = _parse(html)
    tags = [tag for tag, _ in parsed.tags]
    assert tags.count("script") == 1  # ours, from /static
    assert "b" not in tags
    assert "<script>alert" not in html
    text = "".join(parsed.text)
    # Shown as text, intact but for control characters made visible (present.terminal.safe):
    # the model string, a pool name, a finding's summary and its first command.
    disk = next(d for d in report.snapshot.disks if d.model)
    assert safe(disk.model) in text
    assert safe(report.snapshot.pools[0].name) in text
    assert safe(report.findings[0].summary) in text
    assert "\\x0a" in safe(disk.model)
    if report.findings[0].actions:
        assert safe(report.findings[0].actions[0].command) in text
    for _tag, attrs in parsed.tags:
        assert not any(name.startswith("on") or name == "style" for name in attrs)
    # Anchors built from device names stay plain identifiers.
    for _tag, attrs in parsed.tags:
        if attrs.get("id", "").startswith("disk-"):
            assert all(c.isalnum() or c == "-" for c in attrs["id"] or "")


def test_page_is_self_contained_with_no_inline_script_or_style():
    html = _client(ReplaySource(reports.demo(), "demo")).get("/").get_data(as_text=True)
    parsed = _parse(html)
    for tag, attrs in parsed.tags:
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), "inline script"
        if tag == "link":
            assert (attrs.get("href") or "").startswith("/static/"), "external asset"
        if tag in ("img", "iframe", "style", "object", "embed"):
            pytest.fail(f"unexpected <{tag}>")
        assert "style" not in attrs
    assert "<script>" not in html


def test_stale_data_is_marked_with_its_age_and_the_probe_that_failed():
    report = reports.demo()
    status = Status(
        report=report,
        stale=True,
        age_seconds=3 * 3600 + 5 * 60,
        probes=(model.ProbeResult("zpool", model.ProbeOutcome.FAILED, "zpool status timed out after 20 s"),),
    )
    html = _client(FixedSource(status)).get("/").get_data(as_text=True)
    assert "STALE: data is 3 h 5 min old; the latest collection failed (zpool)" in html
    assert "zpool</strong> failed: zpool status timed out after 20 s" in html


def test_before_the_first_collection_the_page_says_so():
    status = Status(report=None, stale=True, age_seconds=None)
    client = _client(FixedSource(status))
    html = client.get("/").get_data(as_text=True)
    assert "No collection has finished yet." in html
    assert client.get("/healthz").status_code == 503
    assert client.get("/api/v1/status").get_json()["exit_status"] == 3
    assert client.get("/metrics").status_code == 200


# ─── the API ────────────────────────────────────────────────────────────────


def test_status_api_is_the_diagnose_report_with_guids_as_strings_and_freshness():
    report = reports.demo()
    document = _client(ReplaySource(report, "demo")).get("/api/v1/status").get_json()
    assert document["schema"] == 1
    assert document["host"] == "lab-vm"
    assert document["exit_status"] == 2
    assert document["findings"][0]["code"] == report.findings[0].code
    guids = [v["guid"] for v in _walk(document["pools"][0]["root"]) if v["guid"] is not None]
    assert "4497337729894654865" in guids  # past 2**53: exact only as a string
    assert all(isinstance(g, str) and g.isdigit() for g in guids)
    assert document["freshness"] == {
        "stale": False,
        "age_seconds": None,
        "last_attempt_at": report.snapshot.collected_at.isoformat(),
        "replayed": "demo",
        "latest_probes": [
            {
                "name": p.name,
                "outcome": p.outcome.value,
                "reason": p.reason,
                "duration_seconds": 0.0,
                "error_kind": None,
            }
            for p in report.snapshot.probes
        ],
    }


def _walk(vdev: dict) -> list[dict]:
    out = [vdev]
    for child in vdev["children"]:
        out.extend(_walk(child))
    return out


@pytest.mark.parametrize("build", [reports.demo, reports.zoo], ids=["demo", "zoo"])
def test_hostile_strings_come_back_intact_from_the_api(build):
    report = reports.hostile(build())
    client = _client(FixedSource(Status(report, False, 1.0), _events(report)))
    response = client.get("/api/v1/status")
    assert response.content_type == "application/json"
    document = json.loads(response.get_data(as_text=True))
    assert document["host"] == report.snapshot.hostname
    assert document["pools"][0]["name"] == report.snapshot.pools[0].name
    assert document["findings"][0]["actions"][0]["command"] == report.findings[0].actions[0].command
    events = client.get("/api/v1/events").get_json()["events"]
    assert events[0]["summary"] == report.findings[0].summary
    assert reports.HOSTILE in events[0]["code"]


def test_events_api_pages_and_rejects_a_bad_limit():
    report = reports.zoo()
    client = _client(FixedSource(Status(report, False, 1.0), _events(report)))
    document = client.get("/api/v1/events?limit=2").get_json()
    assert document["schema"] == 1
    assert [e["code"] for e in document["events"]] == [f.code for f in report.findings[:2]]
    assert document["events"][0]["severity"] == int(report.findings[0].severity)
    assert datetime.fromisoformat(document["events"][0]["at"]).tzinfo is not None
    for bad in ("0", "-1", "x", "501", "1.5"):
        response = client.get(f"/api/v1/events?limit={bad}")
        assert response.status_code == 400
        assert "limit" in response.get_json()["detail"]


def test_healthz_is_503_when_stale_and_names_the_age():
    report = reports.demo()
    fresh = _client(FixedSource(Status(report, False, 30.0))).get("/healthz")
    assert fresh.status_code == 200
    assert fresh.get_json()["ok"] is True
    stale = _client(
        FixedSource(Status(report, True, 1800.0, (model.ProbeResult("zpool", model.ProbeOutcome.FAILED),)))
    ).get("/healthz")
    assert stale.status_code == 503
    assert stale.get_json() == {
        "ok": False,
        "reason": "stale: data is 30 min old",
        "age_seconds": 1800.0,
        "failed_probes": ["zpool"],
    }


@pytest.mark.parametrize("route", ROUTES)
def test_every_route_sends_the_security_headers(route):
    response = _client(ReplaySource(reports.demo(), "demo")).get(route)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("route", ROUTES[:-1])
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_nothing_can_be_changed_through_the_app(route, method):
    response = getattr(_client(ReplaySource(reports.demo(), "demo")), method)(route)
    assert response.status_code == 405


def test_unknown_paths_are_404_in_json():
    response = _client(ReplaySource(reports.demo(), "demo")).get("/etc/passwd")
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not Found"


# ─── basic auth ─────────────────────────────────────────────────────────────


@pytest.fixture
def hash_file(tmp_path: Path) -> Path:
    path = tmp_path / "web.hash"
    # Few iterations keep the test quick; the default is checked below.
    path.write_text(auth.make_hash("correct horse", "pbkdf2:sha256:1000") + "\n")
    return path


def _basic(user: str, password: str) -> dict[str, str]:
    import base64

    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.mark.parametrize("route", (*ROUTES[:-1], "/static/page.css"))
def test_basic_auth_guards_every_route_but_healthz(route, hash_file):
    web = WebSettings(basic_auth_user="admin", basic_auth_password_hash_file=str(hash_file))
    client = _client(ReplaySource(reports.demo(), "demo"), web)
    anonymous = client.get(route)
    if route == "/healthz":
        assert anonymous.status_code == 200
        return
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith('Basic realm="nodewatch"')
    assert client.get(route, headers=_basic("admin", "wrong")).status_code == 401
    assert client.get(route, headers=_basic("root", "correct horse")).status_code == 401
    assert client.get(route, headers=_basic("admin", "correct horse")).status_code == 200
    # Once checked, the credentials are remembered (as an HMAC), and still checked.
    assert client.get(route, headers=_basic("admin", "correct horse")).status_code == 200
    assert client.get(route, headers=_basic("admin", "correct horsE")).status_code == 401


def test_basic_auth_stores_no_password_and_compares_in_constant_time(hash_file):
    checker = auth.from_config(
        WebSettings(basic_auth_user="admin", basic_auth_password_hash_file=str(hash_file))
    )
    assert checker is not None
    assert "correct horse" not in checker.password_hash
    assert checker.password_hash.startswith("pbkdf2:sha256:1000$")
    assert auth.make_hash("x").startswith("pbkdf2:sha256:200000$")
    assert checker.check("admin", "correct horse")
    assert all(b"correct horse" not in digest for digest in checker._remembered)


def test_basic_auth_hash_file_problems_name_the_key(tmp_path):
    missing = WebSettings(basic_auth_user="admin", basic_auth_password_hash_file=str(tmp_path / "nope"))
    with pytest.raises(auth.AuthConfigError, match=r"cfg\.toml: web\.basic_auth_password_hash_file: cannot"):
        auth.from_config(missing, Path("cfg.toml"))
    plain = tmp_path / "plain"
    plain.write_text("correct horse\n")
    garbage = WebSettings(basic_auth_user="admin", basic_auth_password_hash_file=str(plain))
    with pytest.raises(auth.AuthConfigError, match="does not hold a password hash"):
        create_app(ReplaySource(reports.demo(), "demo"), garbage)
    assert auth.from_config(WebSettings()) is None


# ─── events ─────────────────────────────────────────────────────────────────


def test_event_times_are_shown_in_utc():
    event = Event(
        at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        change="cleared",
        severity=model.Severity.WARNING,
        code="x",
        summary="s",
        pool="tank",
    )
    view = page.build(Status(None, True, None), [event], now=datetime.now(UTC))
    assert view.events[0].at == "2026-01-02 03:04 UTC"
    assert view.events[0].where == "tank"


@pytest.mark.parametrize("method", ["pbkdf2:sha256:1000", "pbkdf2:sha512:1000", "scrypt:1024:8:1"])
def test_hashes_are_werkzeugs_format_both_ways(method):
    """Hash files made by Werkzeug (what the app read before) still work, and ours read in Werkzeug."""
    from werkzeug.security import check_password_hash, generate_password_hash

    theirs = generate_password_hash("correct horse", method=method)
    assert auth.check_password_hash(theirs, "correct horse")
    assert not auth.check_password_hash(theirs, "correct horsE")
    ours = auth.make_hash("correct horse", method)
    assert check_password_hash(ours, "correct horse")
    assert not check_password_hash(ours, "Correct horse")


@pytest.mark.parametrize(
    "broken", ["", "pbkdf2:sha256:1000", "pbkdf2:nohash:10$s$00", "pbkdf2:sha256:x$s$00", "md5$s$00"]
)
def test_a_broken_hash_matches_no_password(broken):
    assert not auth.check_password_hash(broken, "")


# ─── plain WSGI, as Werkzeug answered ───────────────────────────────────────


def test_head_options_and_cached_static_files():
    client = _client(ReplaySource(reports.demo(), "demo"))
    page_response = client.get("/")
    head = client.head("/")
    assert head.status_code == 200
    assert head.get_data() == b""
    assert head.headers["Content-Length"] == str(len(page_response.get_data()))
    options = client.options("/api/v1/status")
    assert (options.status_code, options.headers["Allow"]) == (200, "HEAD, GET, OPTIONS")
    script = client.get("/static/page.js")
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert script.headers["Cache-Control"] == "public, max-age=3600"
    again = client.get("/static/page.js", headers={"If-None-Match": script.headers["ETag"]})
    assert (again.status_code, again.get_data()) == (304, b"")
    assert client.get("/static/page.js", headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get("/static/../app.py").status_code == 404
    assert client.post("/static/page.js").status_code == 405


def test_a_failing_source_is_a_500_with_the_headers_and_nothing_else(caplog):
    class Broken:
        def status(self) -> Status:
            raise RuntimeError("the state is gone")

        def events(self, limit: int = 50) -> Sequence[Event]:
            return ()

    response = _client(Broken()).get("/")
    assert response.status_code == 500
    assert response.get_data() == b"Internal Server Error\n"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "the state is gone" in caplog.text


def test_serving_loads_no_web_framework(tmp_path):
    """The memory budget (bench/bench_web.py): every route, with basic auth, loads no Flask or Werkzeug."""
    import subprocess
    import sys

    hash_file = tmp_path / "hash"
    hash_file.write_text(auth.make_hash("pw", "pbkdf2:sha256:1000"))
    code = (
        "import base64, sys\n"
        "from nodewatch import diagnose, replay\n"
        "from nodewatch.config import WebSettings\n"
        "from nodewatch.web.app import create_app\n"
        "from nodewatch.web.source import ReplaySource\n"
        f"web = WebSettings(basic_auth_user='a', basic_auth_password_hash_file={str(hash_file)!r})\n"
        "app = create_app(ReplaySource(diagnose.diagnose(replay.demo_snapshot()), 'demo'), web)\n"
        "token = 'Basic ' + base64.b64encode(b'a:pw').decode()\n"
        "seen = []\n"
        f"for route in {(*ROUTES, '/static/page.css')!r}:\n"
        "    environ = {'REQUEST_METHOD': 'GET', 'PATH_INFO': route, 'HTTP_AUTHORIZATION': token}\n"
        "    b''.join(app(environ, lambda status, headers: seen.append(status)))\n"
        "print(seen, sorted(m for m in ('flask', 'werkzeug', 'click') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).parents[3],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"{['200 OK'] * (len(ROUTES) + 1)} []"
