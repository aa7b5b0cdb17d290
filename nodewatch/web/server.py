"""Serving the app: the [web] listen address, and waitress in a thread of the service.

waitress is a production WSGI server in pure Python that runs on a Pi; two
threads are enough for one person's browser and one Prometheus.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nodewatch.web.wsgi import WsgiApp

DEFAULT_PORT = 8427  # nodewatch's documented port (config.py [web] listen)
THREADS = 2


class ListenError(Exception):
    """web.listen cannot be used; the message names the key and the value."""


def parse_listen(value: str) -> tuple[str, int]:
    """'127.0.0.1:8427' → ('127.0.0.1', 8427); '[::1]:8427' → ('::1', 8427).

    0.0.0.0 or [::] listen on every address; a host name is resolved by waitress.
    """
    host, sep, port_text = value.rpartition(":")
    if not sep or not host:
        raise ListenError(f"web.listen must be ADDRESS:PORT (e.g. 127.0.0.1:{DEFAULT_PORT}), got {value!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ListenError(
            f"web.listen: write an IPv6 address in brackets ([::1]:{DEFAULT_PORT}), got {value!r}"
        )
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ListenError(f"web.listen: port must be 1 to 65535, got {value!r}")
    return host, int(port_text)


@dataclass
class WebServer:
    """A running waitress server; close() stops it."""

    server: Any
    thread: threading.Thread

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.server.socket.getsockname()[:2]
        return str(host), int(port)

    def close(self) -> None:
        """Stop serving: the server's own thread closes its sockets, then the workers stop."""

        def stop() -> None:
            for channel in list(self.server._map.values()):
                channel.close()

        self.server.trigger.pull_trigger(stop)
        self.thread.join(timeout=5)
        self.server.task_dispatcher.shutdown()


def start(app: WsgiApp, listen: str) -> WebServer:
    """Given the app and web.listen, bind and serve in a daemon thread; return the running server.

    Raise ListenError when the address is malformed or cannot be bound (in use, not ours).
    Port 0 is not accepted in config but the tests bind it through start_on().
    """
    host, port = parse_listen(listen)
    return start_on(app, host, port, listen)


def start_on(app: WsgiApp, host: str, port: int, shown: str | None = None) -> WebServer:
    from waitress.server import create_server

    try:
        server = create_server(app, host=host, port=port, threads=THREADS, ident="nodewatch")
    except OSError as err:
        raise ListenError(
            f"web.listen: cannot listen on {shown or f'{host}:{port}'}: {err.strerror}"
        ) from None
    thread = threading.Thread(target=server.run, name="nodewatch-web", daemon=True)
    thread.start()
    return WebServer(server, thread)
