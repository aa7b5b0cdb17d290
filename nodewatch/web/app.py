"""The web app: the status page, /api/v1, /healthz and /metrics. Read-only.

create_app(source, web_settings) is the factory `nodewatch serve` calls; the
app only reads the StatusSource. Nothing here runs a command or writes a
file. The page is a Jinja template that autoescapes; the
Content-Security-Policy allows no inline script or style, and no asset from
anywhere but this node. The app is plain WSGI (web/wsgi.py): a framework
would cost a fifth of a Pi Zero's memory budget for six routes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nodewatch.config import WebSettings
from nodewatch.web import auth
from nodewatch.web.source import StatusSource
from nodewatch.web.wsgi import (
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    TEXT_TYPE,
    Request,
    Response,
    StartResponse,
    error_response,
    json_response,
)

if TYPE_CHECKING:
    from jinja2 import Template
    from prometheus_client.registry import CollectorRegistry

log = logging.getLogger("nodewatch.web")

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
HERE = Path(__file__).resolve().parent
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
}
READ_METHODS = ("GET", "HEAD")


class App:
    """The WSGI app: auth, then the route, then the security headers on every answer."""

    def __init__(self, source: StatusSource, basic_auth: auth.BasicAuth | None) -> None:
        from nodewatch.web import metrics

        self.source = source
        self.basic_auth = basic_auth
        self.registry: CollectorRegistry = metrics.registry(source)
        self.routes: dict[str, Callable[[Request, str], Response]] = {
            "/": self.index,
            "/api/v1/status": self.api_status,
            "/api/v1/events": self.api_events,
            "/healthz": self.healthz,
            "/metrics": self.metrics,
        }
        self.static = {
            f"/static/{path.name}": _static_file(path)
            for path in sorted((HERE / "static").iterdir())
            if path.suffix in STATIC_TYPES
        }
        self._page: Template | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        try:
            response = self.answer(request, environ.get("SCRIPT_NAME", ""))
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            response = Response(b"Internal Server Error\n", 500, TEXT_TYPE)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        static = request.path.startswith("/static/")
        response.headers["Cache-Control"] = "public, max-age=3600" if static else "no-store"
        return response(start_response, head=request.method == "HEAD")

    def answer(self, request: Request, root: str) -> Response:
        if not self.authorized(request):
            return Response(
                b"Authentication required.\n",
                401,
                TEXT_TYPE,
                {"WWW-Authenticate": 'Basic realm="nodewatch", charset="UTF-8"'},
            )
        route = self.routes.get(request.path)
        if route is None and not request.path.startswith("/static/"):
            return error_response(404, NOT_FOUND)
        if request.method == "OPTIONS":
            return Response(b"", 200, headers={"Allow": "HEAD, GET, OPTIONS"})
        if request.method not in READ_METHODS:
            return error_response(405, METHOD_NOT_ALLOWED)
        if route is not None:
            return route(request, root)
        static = self.static.get(request.path)
        return error_response(404, NOT_FOUND) if static is None else _conditional(static, request)

    def authorized(self, request: Request) -> bool:
        if self.basic_auth is None or request.path in OPEN_PATHS:
            return True
        given = request.basic_credentials()
        return given is not None and self.basic_auth.check(*given)

    # ─── the routes ─────────────────────────────────────────────────────────

    def index(self, request: Request, root: str) -> Response:
        from nodewatch.web import page

        status = self.source.status()
        view = page.build(status, self.source.events(EVENTS_SHOWN), now=datetime.now(UTC))
        return Response(self.page_template().render(view=view, root=root).encode())

    def api_status(self, request: Request, root: str) -> Response:
        from nodewatch.web import page

        return json_response(page.status_document(self.source.status()))

    def api_events(self, request: Request, root: str) -> Response:
        from nodewatch.web import page

        limit = request.query.get("limit", "50")
        if not limit.isdigit() or not 1 <= int(limit) <= EVENTS_API_MAX:
            return error_response(400, f"limit must be a whole number from 1 to {EVENTS_API_MAX}")
        status = self.source.status()
        host = status.report.snapshot.hostname if status.report else None
        return json_response(page.events_document(self.source.events(int(limit)), host))

    def healthz(self, request: Request, root: str) -> Response:
        from nodewatch.web import page

        document = page.health_document(self.source.status())
        return json_response(document, 200 if document["ok"] else 503)

    def metrics(self, request: Request, root: str) -> Response:
        from prometheus_client.exposition import CONTENT_TYPE_LATEST

        from nodewatch.web import metrics

        return Response(metrics.render(self.registry), 200, CONTENT_TYPE_LATEST)

    def page_template(self) -> Template:
        if self._page is None:
            from jinja2 import Environment, FileSystemLoader

            environment = Environment(
                loader=FileSystemLoader(HERE / "templates"), autoescape=True, auto_reload=False
            )
            self._page = environment.get_template("page.html")
        return self._page


def create_app(
    source: StatusSource,
    web: WebSettings | None = None,
    *,
    config_path: Path | None = None,
) -> App:
    """Given what to show and the [web] settings, return the WSGI app.

    Raise auth.AuthConfigError when the basic auth settings are unusable.
    """
    return App(source, auth.from_config(web or WebSettings(), config_path))


def _static_file(path: Path) -> Response:
    body = path.read_bytes()
    return Response(
        body,
        content_type=STATIC_TYPES[path.suffix],
        headers={
            "ETag": '"' + hashlib.sha256(body).hexdigest()[:32] + '"',
            "Content-Disposition": f"inline; filename={path.name}",
        },
    )


def _conditional(file: Response, request: Request) -> Response:
    """The file, or 304 when the browser already holds this version (If-None-Match)."""
    wanted = request.headers.get("if-none-match", "")
    tag = file.headers["ETag"]
    if tag in (part.strip().removeprefix("W/") for part in wanted.split(",")) or wanted.strip() == "*":
        return Response(b"", 304, file.content_type, {"ETag": tag})
    return Response(file.body, 200, file.content_type, dict(file.headers))
