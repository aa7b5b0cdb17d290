"""Record mode: save every command's raw output as a fixture for the unit tests.

Layout: ``tests/fixtures/lab/<scenario>/<flavour>/<NN>-<step>-<what>.<ext>``.
Text outputs start with a header of ``# key: value`` lines ending in ``# ---``;
JSON outputs are saved byte for byte and their header goes to a sibling
``<file>.source`` (so a parser test can load them as they are). A JSON output
byte-identical to the one the same command gave at an earlier step of the run
is not written again: only its ``.source`` is, with an ``unchanged: <file>``
line naming the file that holds the bytes (tests/support/recordings.py reads
through it). See tests/fixtures/lab/README.md.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from .agent import Result
from .vm import Machine

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lab"
# The header of the boot*-qemu-devices.txt files: what the harness told QEMU, not a guest command.
ORIGIN_OF_DEVICES = "the lab harness (tests/e2e/lab/record.py): the disks QEMU emulated, not a guest command"


def guest_facts(m: Machine) -> dict[str, str]:
    """Versions that go into every fixture header."""
    facts = {
        "kernel": m.run("uname -r").out.strip(),
        "zfs": " / ".join(m.run("zfs version 2>&1 || modinfo -F version zfs").out.split()),
        "udev": m.run("udevadm --version").out.strip(),
        "systemd": m.run("dpkg-query -W -f '${Version}' systemd").out.strip(),
        "smartmontools": m.run("dpkg-query -W -f '${Version}' smartmontools").out.strip(),
        "btrfs_progs": m.run("dpkg-query -W -f '${Version}' btrfs-progs 2>/dev/null").out.strip(),
        "os": m.run(". /etc/os-release && echo $PRETTY_NAME").out.strip(),
    }
    return facts


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.:-]+", "-", text).strip("-")


@dataclass
class Recorder:
    """Writes fixtures when enabled; otherwise only counts steps."""

    scenario: str
    flavour: str
    enabled: bool
    root: Path = FIXTURES
    step: int = 0
    facts: dict[str, str] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    last_disks: str = ""  # by-id listing when udev was last saved
    # what (`zpool-status-j`) → (file holding the bytes, its output): the "unchanged" rule
    json_written: dict[str, tuple[str, str]] = field(default_factory=dict)
    by: str = "tests/e2e (record mode)"  # what ran the guest, for the header

    @property
    def dir(self) -> Path:
        return self.root / self.scenario / self.flavour

    def begin(self, m: Machine) -> None:
        if self.enabled:
            self.facts = guest_facts(m)
            if self.dir.exists():  # a re-record replaces the old set as a whole
                for old in self.dir.iterdir():
                    old.unlink()

    def header(self, res: Result, step: str, note: str = "", unchanged: str = "") -> str:
        lines = [
            f"command: {res.cmd}",
            f"scenario: {self.scenario} (flavour {self.flavour}), step {step}",
            *(f"{k}: {v}" for k, v in self.facts.items()),
            f"rc: {res.rc}",
            f"recorded: {time.strftime('%Y-%m-%d', time.gmtime())} by {self.by}",
        ]
        if note:
            lines.append(f"note: {note}")
        if unchanged:
            lines.append(f"unchanged: {unchanged}")
        if res.err.strip():
            lines += [f"stderr: {line}" for line in res.err.strip().splitlines()[:20]]
        return "".join(f"# {line}\n" for line in lines) + "# ---\n"

    def save(self, step: str, what: str, res: Result, json_output: bool = False, note: str = "") -> None:
        if not self.enabled:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        base = self.dir / f"{self.step:02d}-{_slug(step)}-{_slug(what)}"
        if json_output and res.out.strip().startswith(("{", "[")):
            path = base.with_name(base.name + ".json")
            earlier = self.json_written.get(what)
            if earlier and earlier[1] == res.out:
                # The same bytes as an earlier step: the header alone, naming that file.
                source = path.with_name(path.name + ".source")
                source.write_text(self.header(res, step, note, unchanged=earlier[0]))
                self.written.append(source)
                return
            path.write_text(res.out)
            path.with_name(path.name + ".source").write_text(self.header(res, step, note))
            self.json_written[what] = (path.name, res.out)
        else:
            path = base.with_name(base.name + ".txt")
            path.write_text(self.header(res, step, note) + res.out)
        self.written.append(path)

    def save_devices(self, boot: int, disks: list) -> None:
        """What the emulated disks of a boot were, for a reader of the fixtures."""
        if not self.enabled:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        lines = [
            f"# origin: {ORIGIN_OF_DEVICES}",
            f"# scenario: boot {boot} of {self.scenario} (flavour {self.flavour}),"
            f" before step {self.step + 1}",
            "# ---",
        ]
        for d in disks:
            ident = {
                k: getattr(d, k) for k in ("serial", "model", "wwn", "vendor", "product") if getattr(d, k)
            }
            lines.append(
                f"{d.id}: bus={d.bus} size={d.size} " + " ".join(f"{k}={v!r}" for k, v in ident.items())
            )
        path = self.dir / f"boot{boot}-qemu-devices.txt"
        path.write_text("\n".join(lines) + "\n")
        self.written.append(path)

    def next_step(self) -> None:
        self.step += 1
