"""Run commands in the guest through qemu-guest-agent (no network, no ssh)."""

from __future__ import annotations

import base64
import json
import random
import shlex
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class AgentError(RuntimeError):
    pass


@dataclass(frozen=True)
class Result:
    """What a guest command did. ``rc`` is None when it did not finish in time
    (a suspended pool makes zpool hang in the kernel: the lab must go on)."""

    cmd: str
    rc: int | None
    out: str
    err: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.rc == 0

    @property
    def timed_out(self) -> bool:
        return self.rc is None

    def check(self) -> Result:
        if self.rc != 0:
            raise AgentError(f"guest command failed (rc={self.rc}): {self.cmd}\n{self.out}\n{self.err}")
        return self


class Agent:
    """A line-based JSON channel to qemu-ga over QEMU's virtio-serial unix socket."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock: socket.socket | None = None
        self._buf = b""

    def close(self) -> None:
        if self.sock:
            self.sock.close()
            self.sock = None

    def _connect(self) -> None:
        self.close()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(self.path))
        self.sock = s
        self._buf = b""

    def _send(self, msg: dict[str, Any]) -> None:
        assert self.sock is not None
        self.sock.sendall(json.dumps(msg).encode() + b"\n")

    def _recv(self, timeout: float) -> dict[str, Any]:
        assert self.sock is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("guest agent did not answer")
            self.sock.settimeout(left)
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise AgentError("guest agent socket closed")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        # guest-sync-delimited puts 0xFF before its reply; leftovers from an
        # earlier, abandoned request may precede it too.
        line = line.rsplit(b"\xff", 1)[-1].strip()
        if not line:
            return self._recv(max(0.1, deadline - time.monotonic()))
        return json.loads(line)

    def sync(self, timeout: float = 20.0) -> None:
        """Flush anything stale: only a reply carrying our fresh id counts.
        (Generous timeout: under TCG with a pool retrying failed writes the
        guest can take seconds to answer.)"""
        if self.sock is None:
            self._connect()
        token = random.randint(1, 2**31)
        self._send({"execute": "guest-sync-delimited", "arguments": {"id": token}})
        deadline = time.monotonic() + timeout
        while True:
            reply = self._recv(max(0.1, deadline - time.monotonic()))
            if reply.get("return") == token:
                return

    def wait_ready(self, timeout: float) -> float:
        """Wait until qemu-ga answers; returns the seconds waited."""
        start = time.monotonic()
        while True:
            try:
                self._connect()
                self.sync(timeout=3.0)
                return time.monotonic() - start
            except (OSError, TimeoutError, AgentError, json.JSONDecodeError):
                if time.monotonic() - start > timeout:
                    raise TimeoutError(f"guest agent not ready after {timeout:.0f} s") from None
                time.sleep(1.0)

    def call(self, command: str, timeout: float = 30.0, **arguments: Any) -> Any:
        self.sync()
        msg: dict[str, Any] = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self._send(msg)
        reply = self._recv(timeout)
        if "error" in reply:
            raise AgentError(f"{command}: {reply['error'].get('desc')}")
        return reply.get("return")

    def run(self, cmd: str, timeout: float = 120.0) -> Result:
        """Run ``cmd`` with /bin/sh in the guest. The guest's ``timeout`` kills it
        when it can; if it is stuck in the kernel, we stop waiting and say so."""
        start = time.monotonic()
        wrapped = f"timeout -k 5 {int(timeout)} /bin/sh -c {shlex.quote(cmd)}"
        pid = self.call("guest-exec", path="/bin/sh", arg=["-c", wrapped], **{"capture-output": True})["pid"]
        deadline = start + timeout + 15
        delay = 0.05
        while True:
            try:
                status = self.call("guest-exec-status", pid=pid)
            except (TimeoutError, json.JSONDecodeError):
                # A swamped guest (a pool retrying failed writes under TCG) can
                # leave qemu-ga silent for a while: reconnect and keep polling.
                if time.monotonic() > deadline:
                    return Result(cmd, None, "", "guest agent stopped answering", time.monotonic() - start)
                self._connect()
                continue
            if status.get("exited"):
                out = base64.b64decode(status.get("out-data", "")).decode(errors="replace")
                err = base64.b64decode(status.get("err-data", "")).decode(errors="replace")
                rc = status.get("exitcode", -status.get("signal", 0))
                return Result(cmd, rc, out, err, time.monotonic() - start)
            if time.monotonic() > deadline:
                return Result(
                    cmd, None, "", "timed out (still running in the guest)", time.monotonic() - start
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    def write_file(self, path: str, data: bytes) -> None:
        handle = self.call("guest-file-open", path=path, mode="w")
        try:
            for i in range(0, len(data), 48 * 1024):
                chunk = base64.b64encode(data[i : i + 48 * 1024]).decode()
                self.call("guest-file-write", handle=handle, **{"buf-b64": chunk})
        finally:
            self.call("guest-file-close", handle=handle)
