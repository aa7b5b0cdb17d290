"""One scenario's lab: its machine, disk files, recorder and the project's wheels."""

from __future__ import annotations

import time
from collections.abc import Callable
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
    # The image with nodewatch installed, made once per flavour and run (guestpkg.installed_layer)
    installed: Callable[[], Path | None] = lambda: None

    def boot(self, disks: list[Disk], install: bool = False) -> Machine:
        """Power on with these disks; install: nodewatch is in the guest from the first boot on."""
        from_layer = install and self.machine.boots == 0 and self._start_from_installed()
        self.machine.boot(disks)
        if self.machine.boots == 1:
            self.rec.begin(self.machine)
        self.rec.save_devices(self.machine.boots, disks)
        if install and not from_layer:
            start = time.monotonic()
            ok = guestpkg.install(self.machine, self.wheels)
            log(f"nodewatch installed in the guest: {ok} ({time.monotonic() - start:.0f} s)")
        return self.machine

    def _start_from_installed(self) -> bool:
        layer = self.installed()
        if layer is not None:
            self.machine.base = layer
            log(f"{self.machine.name}: nodewatch already installed (layer {layer})")
        return layer is not None
