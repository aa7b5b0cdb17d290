"""`nodewatch serve`: the per-node service (service/loop.py), with the page when [web] listens."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nodewatch.cli import common

if TYPE_CHECKING:
    from nodewatch.config import Config
    from nodewatch.service.loop import Service
    from nodewatch.web.server import WebServer

log = logging.getLogger("nodewatch.serve")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_config_argument(parser)
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--demo",
        action="store_true",
        help="run the whole service (history, alerts, page) over the bundled demo instead of this node",
    )
    source.add_argument(
        "--from", dest="snapshot_file", metavar="SNAPSHOT", help="run it over a `nodewatch snapshot` file"
    )


def run(args: argparse.Namespace) -> int:
    from nodewatch import log, replay
    from nodewatch.service.loop import Service

    log.setup(verbose=args.verbose, service=True)
    config = common.load_config(args)
    snapshot, replayed = None, None
    try:
        if args.demo:
            snapshot, replayed = replay.demo_snapshot(), "demo"
        elif args.snapshot_file:
            snapshot, replayed = replay.snapshot_from_file(args.snapshot_file), args.snapshot_file
    except replay.ReplayError as err:
        raise common.UserError(str(err)) from None
    state_directory = Path(config.service.state_directory)
    if snapshot is not None:
        state_directory = _replay_state_directory(state_directory)
    service = Service(config, replay=snapshot, replayed=replayed, state_directory=state_directory)
    server = _start_web(config, service)
    try:
        return service.run()
    finally:
        if server is not None:
            server.close()


def _replay_state_directory(configured: Path) -> Path:
    """A replay keeps its history apart from the node's: <state_directory>/replay, or a
    temporary directory when that cannot be made (a user trying the demo)."""
    directory = configured / "replay"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".writable"
        probe.touch()
        probe.unlink()
    except OSError:
        directory = Path(tempfile.mkdtemp(prefix="nodewatch-replay-"))
        log.info("replay history kept in %s (%s is not writable)", directory, configured)
    return directory


class LazyApp:
    """The page's WSGI app, built on its first request: jinja2 and prometheus-client (~5 MiB)
    stay out of the service until someone looks (a Pi Zero has 512 MB for everything)."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._app: Any = None
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self._app is None:
            with self._lock:
                if self._app is None:
                    self._app = self._build()
        return self._app(environ, start_response)


def _start_web(config: Config, service: Service) -> WebServer | None:
    if not config.web.listen:
        return None
    from nodewatch.probe.host import boot_time
    from nodewatch.service.state import ServiceState
    from nodewatch.web import auth
    from nodewatch.web.server import ListenError, start

    source = ServiceState(service, booted_at=boot_time())

    def build() -> Any:
        from nodewatch.web.app import create_app

        return create_app(source, config.web, config_path=config.path)

    try:
        auth.from_config(config.web, config.path)  # a bad auth setting stops the start, not a request
        server = start(LazyApp(build), config.web.listen)
    except (ListenError, auth.AuthConfigError) as err:
        print(f"nodewatch serve: {err}", file=sys.stderr)
        raise SystemExit(3) from None
    host, port = server.address[:2]
    log.info("status page on http://%s:%s/", host, port)
    return server
