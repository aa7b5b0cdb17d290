"""The little of HTTP the app needs, on WSGI (PEP 3333) as waitress calls it.

The app has six read-only routes, so it does not carry a web framework:
Flask and Werkzeug cost ~8 MiB of RSS in the service (bench/bench_web.py),
a fifth of a Pi Zero 2's budget, for routing six paths. What is here is
what those routes use: the request's path, method, query and basic
credentials; a response with its status line and headers; HEAD and OPTIONS
answered as Werkzeug answers them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: dict[str, str]  # the first value of each name, as Werkzeug's args.get()
    headers: dict[str, str]  # lower-cased names

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        raw_path = environ.get("PATH_INFO", "") or "/"
        # WSGI hands PATH_INFO over as latin-1 decoded bytes; the URL's bytes are UTF-8.
        path = raw_path.encode("latin-1").decode("utf-8", "replace")
        query: dict[str, str] = {}
        for name, value in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True):
            query.setdefault(name, value)
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        return cls(str(environ.get("REQUEST_METHOD", "GET")).upper(), path, query, headers)

    def basic_credentials(self) -> tuple[str, str] | None:
        """The user and password of a Basic Authorization header, None without a readable one."""
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, _, password = decoded.partition(":")
        return user, password


@dataclass(slots=True)
class Response:
    body: bytes
    status: int = 200
    content_type: str = HTML_TYPE
    headers: dict[str, str] = field(default_factory=dict)

    def __call__(self, start_response: StartResponse, *, head: bool = False) -> Iterable[bytes]:
        headers = [("Content-Type", self.content_type), ("Content-Length", str(len(self.body)))]
        headers += list(self.headers.items())
        start_response(f"{self.status} {HTTPStatus(self.status).phrase.upper()}", headers)
        return [] if head else [self.body]


def json_response(document: Any, status: int = 200) -> Response:
    """The document as compact UTF-8 JSON, keys in their order (as the app's Flask version sent it)."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    return Response(text.encode(), status, JSON_TYPE)


def error_response(status: int, detail: str) -> Response:
    return json_response({"error": HTTPStatus(status).phrase, "detail": detail}, status)


NOT_FOUND = (
    "The requested URL was not found on the server."
    " If you entered the URL manually please check your spelling and try again."
)
METHOD_NOT_ALLOWED = "The method is not allowed for the requested URL."
