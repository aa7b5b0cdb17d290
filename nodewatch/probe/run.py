"""The one place nodewatch starts external commands.

Every command runs with LC_ALL=C (parsers read English, `.` decimals), no
stdin, and a timeout: a suspended pool can hang `zpool status` forever, and a
USB bridge can hang `smartctl` for a minute.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from dataclasses import dataclass


class CommandError(Exception):
    """A command could not be run or did not finish; the message says which and why."""


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


def run(argv: list[str] | tuple[str, ...], timeout: float) -> CommandResult:
    """Run argv and return its result, whatever its exit status.

    Raise CommandError if the program is missing, not executable, or runs past
    `timeout` seconds (it is killed).
    """
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    started = time.monotonic()
    try:
        completed = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env=env,
            check=False,
        )
    except FileNotFoundError:
        raise CommandError(f"{argv[0]}: not found") from None
    except PermissionError as err:
        raise CommandError(f"{argv[0]}: permission denied ({err.strerror})") from None
    except subprocess.TimeoutExpired:
        raise CommandError(f"`{shlex.join(argv)}` did not finish within {timeout:g} s (killed)") from None
    return CommandResult(
        argv=tuple(argv),
        returncode=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        duration_seconds=time.monotonic() - started,
    )
