"""The one place nodewatch starts external commands.

Every command runs with LC_ALL=C (parsers read English, `.` decimals), no
stdin, in a session of its own, and with a timeout: a suspended pool can hang
`zpool status` forever, and a USB bridge can hang `smartctl` for a minute. On
timeout the whole process group is killed, so nothing the command started
(a helper, a shell's children) is left running.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass

from nodewatch.model import ProbeErrorKind, RawOutput

log = logging.getLogger(__name__)
# After the group is killed, how long to wait for the pipes to close (a child that left
# the session may still hold them): past this they are closed unread.
_DRAIN_SECONDS = 1.0


class CommandError(Exception):
    """A command could not be run or did not finish; `kind` says which, the message why."""

    def __init__(self, kind: ProbeErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class CommandResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_seconds: float

    @property
    def command_line(self) -> str:
        return shlex.join(self.argv)

    def raw(self, probe: str) -> RawOutput:
        """Return this output as kept in a Snapshot, for re-parsing."""
        return RawOutput(
            command=self.command_line,
            stdout=self.stdout,
            returncode=self.returncode,
            stderr=self.stderr,
            probe=probe,
        )


def run(argv: list[str] | tuple[str, ...], timeout: float) -> CommandResult:
    """Run argv and return its result, whatever its exit status.

    Raise CommandError if the program is missing (NOT_INSTALLED), cannot be
    executed (PERMISSION_DENIED, COMMAND_FAILED), or runs past `timeout`
    seconds (TIMED_OUT: its process group is killed). A timeout of 0 or less
    means the caller's deadline has passed: the command is not started.
    """
    command_line = shlex.join(argv)
    if timeout <= 0:
        raise CommandError(ProbeErrorKind.TIMED_OUT, f"`{command_line}` not started: the deadline had passed")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            env=env,
            start_new_session=True,  # its own process group, to kill it whole on timeout
        )
    except FileNotFoundError:
        raise CommandError(ProbeErrorKind.NOT_INSTALLED, f"{argv[0]}: not found") from None
    except PermissionError as err:
        raise CommandError(
            ProbeErrorKind.PERMISSION_DENIED, f"{argv[0]}: permission denied ({err.strerror})"
        ) from None
    except OSError as err:
        raise CommandError(ProbeErrorKind.COMMAND_FAILED, f"{argv[0]}: cannot run ({err.strerror})") from None
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        within = f"{round(timeout, 1):g} s"
        log.info("`%s` did not finish within %s: killed its process group", command_line, within)
        raise CommandError(
            ProbeErrorKind.TIMED_OUT, f"`{command_line}` did not finish within {within} (killed)"
        ) from None
    except BaseException:  # KeyboardInterrupt, a thread torn down: leave nothing behind
        _kill_group(process)
        raise
    duration = time.monotonic() - started
    log.debug("`%s` exited %d after %.3f s", command_line, process.returncode, duration)
    return CommandResult(
        argv=tuple(argv),
        returncode=process.returncode,
        stdout=stdout,
        stderr=stderr,
        duration_seconds=duration,
    )


def _kill_group(process: subprocess.Popen[str]) -> None:
    """Kill the process group of `process` (not yet reaped, so its id is still ours) and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:  # already gone, or a set-uid member we may not signal
        process.kill()
    try:
        process.communicate(timeout=_DRAIN_SECONDS)
    except subprocess.TimeoutExpired:
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
        process.wait()
