"""The Flask app: the status page, /api/v1, /healthz and /metrics. Read-only.

create_app(source, web_settings) is the factory `nodewatch serve` calls; the
app only reads the StatusSource. Nothing here runs a command or writes a
file. Templates autoescape; the Content-Security-Policy allows no inline
script or style, and no asset from anywhere but this node.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nodewatch.config import WebSettings
from nodewatch.web import auth
from nodewatch.web.source import StatusSource

if TYPE_CHECKING:
    from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
OPEN_PATHS = frozenset({"/healthz"})  # liveness probes carry no credentials and reveal only freshness
EVENTS_SHOWN = 20
EVENTS_API_MAX = 500


def create_app(
    source: StatusSource,
    web: WebSettings | None = None,
    *,
    config_path: Path | None = None,
) -> Flask:
    """Given what to show and the [web] settings, return the WSGI app.

    Raise auth.AuthConfigError when the basic auth settings are unusable.
    """
    from flask import Flask, Response, abort, jsonify, render_template, request

    from nodewatch.web import metrics, page

    basic_auth = auth.from_config(web or WebSettings(), config_path)
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    registry = metrics.registry(source)

    @app.before_request
    def _require_auth() -> Response | None:
        if basic_auth is None or request.path in OPEN_PATHS:
            return None
        given = request.authorization
        if (
            given is not None
            and given.type == "basic"
            and basic_auth.check(given.username or "", given.password or "")
        ):
            return None
        return Response(
            "Authentication required.\n",
            401,
            {"WWW-Authenticate": 'Basic realm="nodewatch", charset="UTF-8"'},
            mimetype="text/plain",
        )

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "public, max-age=3600"
        else:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/")
    def index() -> str:
        status = source.status()
        view = page.build(status, source.events(EVENTS_SHOWN), now=datetime.now(UTC))
        return render_template("page.html", view=view)

    @app.get("/api/v1/status")
    def api_status() -> Response:
        return jsonify(page.status_document(source.status()))

    @app.get("/api/v1/events")
    def api_events() -> Response:
        limit = request.args.get("limit", "50")
        if not limit.isdigit() or not 1 <= int(limit) <= EVENTS_API_MAX:
            abort(400, description=f"limit must be a whole number from 1 to {EVENTS_API_MAX}")
        status = source.status()
        host = status.report.snapshot.hostname if status.report else None
        return jsonify(page.events_document(source.events(int(limit)), host))

    @app.get("/healthz")
    def healthz() -> tuple[Response, int]:
        status = source.status()
        document = page.health_document(status)
        return jsonify(document), 200 if document["ok"] else 503

    @app.get("/metrics")
    def metrics_route() -> Response:
        from prometheus_client.exposition import CONTENT_TYPE_LATEST

        return Response(metrics.render(registry), mimetype=None, content_type=CONTENT_TYPE_LATEST)

    @app.errorhandler(400)
    @app.errorhandler(404)
    @app.errorhandler(405)
    def _error(error: Any) -> tuple[Response, int]:
        return jsonify({"error": error.name, "detail": error.description}), error.code

    return app
