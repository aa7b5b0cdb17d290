"""A minimal QMP client: commands, and waiting for events such as DEVICE_DELETED."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class QmpError(RuntimeError):
    pass


@dataclass
class Qmp:
    """One connection to QEMU's QMP socket. Events that arrive while waiting for
    a reply are kept, so a later ``wait_event`` still sees them."""

    path: Path
    sock: socket.socket | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    _buf: bytes = b""

    def connect(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(str(self.path))
                break
            except OSError:
                s.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.sock = s
        self._read_message(10.0)  # the greeting
        self.execute("qmp_capabilities")

    def close(self) -> None:
        if self.sock:
            self.sock.close()
            self.sock = None

    def _read_message(self, timeout: float) -> dict[str, Any]:
        assert self.sock is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no QMP message")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise QmpError("QMP socket closed (QEMU exited?)")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def execute(self, command: str, timeout: float = 30.0, **arguments: Any) -> Any:
        assert self.sock is not None
        msg: dict[str, Any] = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read_message(timeout)
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise QmpError(f"{command} {arguments}: {reply['error'].get('desc')}")
            return reply.get("return")

    def wait_event(self, name: str, timeout: float = 30.0, **data: Any) -> dict[str, Any]:
        """Wait for an event whose data contains ``data`` (e.g. device='disk3')."""
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev.get("event") == name and all(ev.get("data", {}).get(k) == v for k, v in data.items()):
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {name} event with {data} in {timeout} s")
            try:
                self.events.append(self._read_message(left))
            except TimeoutError:
                continue
