"""The kernel_log probe: this boot's kernel log, read a little more each pass.

Where systemd's journal runs the node: `journalctl -k -b -o short-iso-precise --show-cursor`,
then on each later pass `--after-cursor` the cursor the previous Snapshot kept, so only the
lines logged since are read (short-iso lines are a tenth of `-o json`'s bytes, with the
same cursor). Elsewhere: /dev/kmsg, kept open between passes by this process, so each pass
reads only the records logged since (the first read returns the whole ring buffer).

Only the lines about disks, links and power (parse/kernel_log.py) are kept, the last
KEEP_EVENTS of them; the Snapshot's raw output holds them as journal text, so a saved
snapshot's kernel log can be fed to `nodewatch diagnose --kernel-log` again.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import re
import shutil
import threading
from datetime import timedelta
from pathlib import Path

from nodewatch.model import KernelEvent, KernelLog, ProbeErrorKind, RawOutput
from nodewatch.parse.kernel_log import parse_kernel_log, parse_line
from nodewatch.probe.host import boot_time
from nodewatch.probe.result import Deadline, Reading, Stopwatch
from nodewatch.probe.run import CommandError, run

NAME = "kernel_log"
KEEP_EVENTS = 2000
_TIMEOUT = 20.0
_CURSOR = re.compile(r"^-- cursor: (?P<cursor>\S+)\s*$", re.MULTILINE)
_KMSG = "dev/kmsg"
_RECORD = re.compile(r"^(?P<pri>\d+),(?P<seq>\d+),(?P<usec>\d+),[^;]*;(?P<message>.*)$")


def read_kernel_log(
    previous: KernelLog | None,
    root: Path = Path("/"),
    *,
    deadline: Deadline | None = None,
    journalctl: str = "journalctl",
) -> Reading[KernelLog]:
    """Given the kernel log a previous pass kept (None: none), return it with what was
    logged since: from the journal where systemd runs the node, else from /dev/kmsg."""
    watch = Stopwatch(NAME)
    deadline = deadline or Deadline(None)
    if (root / "run/systemd/system").is_dir() and shutil.which(journalctl) is not None:
        return _from_journal(previous, journalctl, deadline, watch)
    return _from_kmsg(previous, root, deadline, watch)


def _from_journal(
    previous: KernelLog | None, journalctl: str, deadline: Deadline, watch: Stopwatch
) -> Reading[KernelLog]:
    base = [journalctl, "-k", "-b", "--no-pager", "-q", "-o", "short-iso-precise", "--show-cursor"]
    cursor = previous.cursor if previous is not None and previous.source == "journal" else None
    try:
        result = run([*base, f"--after-cursor={cursor}"] if cursor else base, deadline.timeout(_TIMEOUT))
        if cursor and result.returncode != 0:  # the cursor is gone (journal vacuumed): read it whole
            cursor = None
            result = run(base, deadline.timeout(_TIMEOUT))
    except CommandError as err:
        return Reading(previous, watch.failed(err.kind, str(err)))
    if result.returncode != 0:
        reason = " ".join(result.stderr.split())[:200] or f"exit status {result.returncode}"
        return Reading(
            previous, watch.failed(ProbeErrorKind.COMMAND_FAILED, f"`{result.command_line}`: {reason}")
        )
    found = _CURSOR.search(result.stdout)
    text = _CURSOR.sub("", result.stdout)
    fresh = parse_kernel_log(text)
    log = _merged(
        previous if cursor else None,
        fresh.events,
        fresh.lines,
        "journal",
        found["cursor"] if found else cursor,
    )
    return Reading(log, watch.ok(), (_raw(log, result.command_line),))


class _Kmsg:
    """/dev/kmsg opened once by this process: each read returns the records logged since."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        self.last_seq: int | None = None
        self.partial = ""

    def read(self, deadline: Deadline) -> list[tuple[int, int, str]]:
        """Return (sequence, microseconds since boot, message) of the records logged since
        the last read; a regular file (tests) gives its appended lines the same way."""
        records = []
        while not deadline.passed:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                break
            except OSError as err:
                if err.errno == errno.EPIPE:  # records overwritten before they were read: go on
                    continue
                raise
            if not chunk:
                break
            text = self.partial + chunk.decode("utf-8", errors="replace")
            lines = text.split("\n")
            self.partial = lines.pop()
            for line in lines:
                match = _RECORD.match(line)  # continuation lines (" SUBSYSTEM=…") do not match
                if match:
                    seq = int(match["seq"])
                    if self.last_seq is None or seq > self.last_seq:
                        records.append((seq, int(match["usec"]), _unescape(match["message"])))
                        self.last_seq = seq
        return records

    def close(self) -> None:
        os.close(self.fd)


_readers: dict[str, _Kmsg] = {}
_readers_lock = threading.Lock()


def _from_kmsg(
    previous: KernelLog | None, root: Path, deadline: Deadline, watch: Stopwatch
) -> Reading[KernelLog]:
    path = root / _KMSG
    with _readers_lock:
        reader = _readers.get(str(path))
        # Go on from where this process left off only if `previous` is that same reading.
        fresh_start = (
            reader is None
            or previous is None
            or previous.source != "kmsg"
            or previous.cursor != (str(reader.last_seq) if reader.last_seq is not None else None)
        )
        try:
            if reader is None or fresh_start:
                if reader is not None:
                    reader.close()
                reader = _readers[str(path)] = _Kmsg(path)
            records = reader.read(deadline)
        except FileNotFoundError:
            return Reading(
                None, watch.no_data(ProbeErrorKind.ABSENT, f"no journal and no {path}"), skipped=True
            )
        except PermissionError as err:
            _readers.pop(str(path), None)
            reason = f"cannot read {path}: {err.strerror} (the service reads it as root, or with CAP_SYSLOG)"
            return Reading(previous, watch.failed(ProbeErrorKind.PERMISSION_DENIED, reason))
        except OSError as err:
            _readers.pop(str(path), None)
            return Reading(
                previous, watch.failed(ProbeErrorKind.READ_FAILED, f"cannot read {path}: {err.strerror}")
            )
        booted = boot_time(root)
        events = []
        for _seq, usec, message in records:
            event = parse_line(message)
            if event is None:
                continue
            if booted is not None:
                when = booted + timedelta(microseconds=usec)
                event = dataclasses.replace(event, when=when.isoformat(timespec="microseconds"), time=when)
            events.append(event)
        cursor = str(reader.last_seq) if reader.last_seq is not None else None
    log = _merged(None if fresh_start else previous, events, len(records), "kmsg", cursor)
    return Reading(log, watch.ok(), (_raw(log, f"read {path}"),))


def _merged(
    previous: KernelLog | None,
    events: tuple[KernelEvent, ...] | list[KernelEvent],
    lines: int,
    source: str,
    cursor: str | None,
) -> KernelLog:
    """The previous pass's events and the new ones, the newest KEEP_EVENTS of them."""
    kept = [*(previous.events if previous else ()), *events]
    dropped = (previous.dropped if previous else 0) + max(0, len(kept) - KEEP_EVENTS)
    return KernelLog(
        events=tuple(kept[-KEEP_EVENTS:]),
        lines=(previous.lines if previous else 0) + lines,
        source=source,
        cursor=cursor,
        dropped=dropped,
    )


def _raw(log: KernelLog, command: str) -> RawOutput:
    """The kept events as journal text (`--kernel-log` reads it back)."""
    lines = [
        f"{event.when} localhost kernel: {event.line}" if event.time else event.line for event in log.events
    ]
    return RawOutput(command=f"{command} (the lines kept)", stdout="\n".join(lines), probe=NAME)


def _unescape(message: str) -> str:
    """/dev/kmsg writes non-printable bytes as \\xNN."""
    if "\\x" not in message:
        return message
    return re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m[1], 16)), message)


def reset() -> None:
    """Close the /dev/kmsg readers kept open (tests)."""
    with _readers_lock:
        for reader in _readers.values():
            reader.close()
        _readers.clear()
