"""A real HTTP receiver on loopback for apprise's json:// notifications, started by a test.

apprise `json://127.0.0.1:PORT/` POSTs {"version", "title", "message", "type"} as JSON; the
receiver keeps every body it was sent and can be told to refuse the next N posts (HTTP 500),
to test retries. Run as a script (`python3 receiver.py PORT FILE`, stdlib only) it appends
each body, with the wall-clock time it arrived, as a JSON line to FILE: the e2e lab runs it
in the guest.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class Receiver:
    def __init__(self, port: int = 0, log_file: Path | None = None) -> None:
        self.received: list[dict[str, Any]] = []
        self.refused = 0
        self.refuse_next = 0
        self._lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    if receiver.refuse_next > 0:
                        receiver.refuse_next -= 1
                        receiver.refused += 1
                        self.send_response(500)
                        self.end_headers()
                        return
                    data = json.loads(body)
                    receiver.received.append(data)
                    if log_file is not None:
                        with log_file.open("a", encoding="utf-8") as out:
                            out.write(json.dumps({**data, "received_at": time.time()}) + "\n")
                    receiver._lock.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"json://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Return the bodies once at least count arrived; raise AssertionError after timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"received {len(self.received)} notifications, expected {count}")
                self._lock.wait(left)
            return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    import sys

    Receiver(int(sys.argv[1]), Path(sys.argv[2]))._thread.join()
