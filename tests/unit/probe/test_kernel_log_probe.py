"""The live kernel log: read whole once, then only what was logged since the cursor the
previous pass kept (a fake journalctl that honours --after-cursor, and /dev/kmsg as a
file that grows), on the messages of a public Raspberry Pi log (raspberrypi/linux#3814)."""

from __future__ import annotations

import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nodewatch.model import KernelEventKind, ProbeOutcome
from nodewatch.parse.kernel_log import parse_kernel_log
from nodewatch.probe import kernel_log
from tests.support.recordings import body

PUBLIC = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "kernel-log"
    / "rpi-linux-3814-uas-abort-reset-superspeed.txt"
)
_PREFIX = re.compile(r"^> \[\s*\d+\.\d+\] ")


def _messages() -> list[str]:
    return [_PREFIX.sub("", line).rstrip() for line in body(PUBLIC).splitlines() if _PREFIX.match(line)]


@pytest.fixture(autouse=True)
def _closed_readers():
    yield
    kernel_log.reset()


def _journal(tmp_path: Path) -> tuple[Path, str, Path]:
    """A root where systemd runs, a fake journalctl over a log file, and the file of its calls."""
    root = tmp_path / "root"
    (root / "run/systemd/system").mkdir(parents=True)
    log = tmp_path / "journal.txt"
    calls = tmp_path / "calls"
    script = tmp_path / "journalctl"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {calls}\n'
        "after=0\n"
        'for a in "$@"; do case "$a" in --after-cursor=*) after=${a#--after-cursor=s=};; esac; done\n'
        f'if [ "$after" = gone ]; then echo "Failed to seek to cursor" >&2; exit 1; fi\n'
        f"total=$(wc -l < {log})\n"
        f"tail -n +$((after + 1)) {log}\n"
        'echo "-- cursor: s=$total"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return root, str(script), log


def _journal_lines(messages: list[str], start_second: int) -> str:
    return "".join(
        f"2026-12-04T23:{(start_second + n) // 60 + 10:02d}:{(start_second + n) % 60:02d}.000000+00:00"
        f" pi kernel: {message}\n"
        for n, message in enumerate(messages)
    )


def test_the_journal_is_read_whole_once_then_after_the_cursor(tmp_path):
    root, journalctl, log = _journal(tmp_path)
    messages = _messages()
    log.write_text(_journal_lines(messages[:10], 0))
    first = kernel_log.read_kernel_log(None, root, journalctl=journalctl)
    assert first.ok and first.value is not None
    assert first.value.source == "journal" and first.value.cursor == "s=10" and first.value.lines == 10
    before = len(first.value.events)
    log.write_text(log.read_text() + _journal_lines(messages[10:], 10))
    second = kernel_log.read_kernel_log(first.value, root, journalctl=journalctl)
    assert second.value is not None and second.value.cursor == f"s={len(messages)}"
    calls = (tmp_path / "calls").read_text().splitlines()
    assert "--after-cursor=s=10" in calls[1] and "--after-cursor" not in calls[0]
    assert second.value.lines == len(messages)  # 10 then the rest: nothing read twice
    whole = parse_kernel_log(_journal_lines(messages, 0))
    assert [e.line for e in second.value.events] == [e.line for e in whole.events]
    assert len(second.value.events) > before
    kinds = {e.kind for e in second.value.events}
    assert {KernelEventKind.UAS_ABORT, KernelEventKind.UAS_RESET, KernelEventKind.USB_RESET} <= kinds
    assert all(e.time is not None for e in second.value.events)  # journal times: the last-hour window
    # the kept lines are in the snapshot as journal text, which --kernel-log reads back
    [raw] = second.raw
    assert [e.line for e in parse_kernel_log(raw.stdout).events] == [e.line for e in second.value.events]


def test_a_cursor_the_journal_no_longer_has_reads_it_whole_again(tmp_path):
    root, journalctl, log = _journal(tmp_path)
    log.write_text(_journal_lines(_messages(), 0))
    first = kernel_log.read_kernel_log(None, root, journalctl=journalctl).value
    assert first is not None
    stale = type(first)(events=first.events, lines=first.lines, source="journal", cursor="s=gone")
    again = kernel_log.read_kernel_log(stale, root, journalctl=journalctl).value
    assert again is not None and again.cursor == first.cursor
    assert [e.line for e in again.events] == [e.line for e in first.events]  # not doubled


def _record(seq: int, usec: int, message: str) -> str:
    return f"4,{seq},{usec},-;{message}\n"


def test_kmsg_is_kept_open_and_read_from_where_it_left_off(tmp_path):
    root = tmp_path / "root"
    (root / "dev").mkdir(parents=True)
    (root / "proc").mkdir()
    (root / "proc/stat").write_text("cpu  1 2 3\nbtime 1796425200\n")
    messages = _messages()
    kmsg = root / "dev/kmsg"
    kmsg.write_text(
        "".join(_record(n, 6382291188 + n, m) for n, m in enumerate(messages[:10]))
        + " SUBSYSTEM=scsi\n DEVICE=+scsi:0:0:0:0\n"
    )
    first = kernel_log.read_kernel_log(None, root)
    assert first.ok and first.value is not None and first.value.source == "kmsg" and first.value.cursor == "9"
    with kmsg.open("a") as more:
        more.write("".join(_record(n, 6382291188 + n, m) for n, m in enumerate(messages) if n >= 10))
    second = kernel_log.read_kernel_log(first.value, root)
    assert second.value is not None and second.value.lines == len(messages)
    assert second.value.cursor == str(len(messages) - 1)
    whole = parse_kernel_log("\n".join(messages))
    assert [e.line for e in second.value.events] == [e.line for e in whole.events]
    event = second.value.events[0]
    assert event.time == datetime.fromtimestamp(1796425200, UTC) + timedelta(
        microseconds=6382291188
    )  # btime + uptime


def test_kmsg_after_another_reading_starts_again(tmp_path):
    root = tmp_path / "root"
    (root / "dev").mkdir(parents=True)
    (root / "dev/kmsg").write_text("".join(_record(n, n, m) for n, m in enumerate(_messages())))
    first = kernel_log.read_kernel_log(None, root).value
    second = kernel_log.read_kernel_log(None, root).value  # no previous: the whole buffer again
    assert first is not None and second is not None and first.events == second.events


def test_no_journal_and_no_kmsg_is_skipped(tmp_path):
    reading = kernel_log.read_kernel_log(None, tmp_path)
    assert reading.skipped and reading.result.outcome is ProbeOutcome.NO_DATA


def test_only_the_newest_events_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(kernel_log, "KEEP_EVENTS", 5)
    root = tmp_path / "root"
    (root / "dev").mkdir(parents=True)
    (root / "dev/kmsg").write_text("".join(_record(n, n, m) for n, m in enumerate(_messages())))
    log = kernel_log.read_kernel_log(None, root).value
    every = parse_kernel_log("\n".join(_messages())).events
    assert log is not None and len(log.events) == 5 and log.dropped == len(every) - 5
    assert [e.line for e in log.events] == [e.line for e in every[-5:]]
