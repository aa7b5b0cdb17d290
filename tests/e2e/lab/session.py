"""One scenario's lab: its machine, disk files, recorder and the project's wheels."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from . import guestpkg
from .disks import Disk
from .record import Recorder
from .vm import Machine, log


@dataclass
class Lab:
    """One scenario's machine, its disk files and its recorder."""

    flavour: str
    machine: Machine
    disks_dir: Path
    rec: Recorder
    wheels: list[Path]

    def boot(self, disks: list[Disk], install: bool = False) -> Machine:
        self.machine.boot(disks)
        if self.machine.boots == 1:
            self.rec.begin(self.machine)
        self.rec.save_devices(self.machine.boots, disks)
        if install:
            start = time.monotonic()
            ok = guestpkg.install(self.machine, self.wheels)
            log(f"nodewatch installed in the guest: {ok} ({time.monotonic() - start:.0f} s)")
        return self.machine
