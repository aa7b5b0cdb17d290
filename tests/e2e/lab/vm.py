"""Boot the guest under QEMU and drive it: commands, disks, power.

A ``Machine`` is one lab computer: its root disk is a qcow2 overlay on the
cached image (or on a ``base`` layer over it: the image with nodewatch installed
once for the whole run), kept across power cycles (the pool cache file and
anything the scenario installed survive a reboot, as on real hardware). Each ``boot`` is a
fresh QEMU process with the disks given for that boot; disks that can be
hot-plugged are then added and removed through QMP.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .agent import Agent, AgentError, Result
from .disks import Disk, device_cli
from .image import Image
from .qmp import Qmp, QmpError

ROOT_PORTS = 6  # PCIe root ports for hot-pluggable NVMe/virtio disks


def accel_args() -> tuple[list[str], str]:
    """Real KVM where it works, else TCG.

    On these machines /dev/kvm is the PVM module (kvm_pvm), which cannot boot
    a stock kernel (``-cpu host`` aborts, without it the guest hangs), so it
    must not be mistaken for KVM. NODEWATCH_LAB_ACCEL=kvm|tcg overrides.
    """
    choice = os.environ.get("NODEWATCH_LAB_ACCEL", "")
    if not choice:
        usable = os.access("/dev/kvm", os.R_OK | os.W_OK)
        pvm = Path("/sys/module/kvm_pvm").exists()
        native = Path("/sys/module/kvm_intel").exists() or Path("/sys/module/kvm_amd").exists()
        choice = "kvm" if usable and native and not pvm else "tcg"
    if choice == "kvm":
        return ["-accel", "kvm", "-cpu", "host"], "kvm"
    return ["-accel", "tcg,thread=multi", "-cpu", "max"], "tcg"


def log(msg: str) -> None:
    print(f"[lab] {msg}", file=sys.stderr, flush=True)


@dataclass
class Machine:
    image: Image
    workdir: Path
    name: str = "lab"
    memory_mb: int = 2048
    base: Path | None = None  # a qcow2 layer over the image to start from instead of the image
    proc: subprocess.Popen[bytes] | None = None
    qmp: Qmp | None = None
    agent: Agent | None = None
    disks: dict[str, Disk] = field(default_factory=dict)
    _root_port: dict[str, int] = field(default_factory=dict)
    boots: int = 0

    @property
    def overlay(self) -> Path:
        return self.workdir / "root.qcow2"

    @property
    def console(self) -> Path:
        return self.workdir / f"console-{self.boots}.log"

    # ------------------------------------------------------------------ power

    def boot(self, disks: list[Disk], timeout: float = 420.0) -> float:
        """Power on with ``disks`` cold-plugged; returns seconds to ready."""
        assert self.proc is None, "already running"
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not self.overlay.exists():
            backing, backing_format = (self.base, "qcow2") if self.base else (self.image.root, "raw")
            subprocess.run(
                [
                    "qemu-img",
                    "create",
                    "-q",
                    "-f",
                    "qcow2",
                    "-F",
                    backing_format,
                    "-b",
                    str(backing),
                    str(self.overlay),
                ],
                check=True,
            )
        self.boots += 1
        self.disks = {}
        self._root_port = {}
        accel, kind = accel_args()
        argv = [
            "qemu-system-x86_64",
            "-name",
            self.name,
            "-machine",
            "q35",
            *accel,
            "-smp",
            "2",
            "-m",
            str(self.memory_mb),
            "-nodefaults",
            "-no-user-config",
            "-display",
            "none",
            "-nic",
            "none",
            "-serial",
            f"file:{self.console}",
            "-qmp",
            f"unix:{self.workdir / 'qmp.sock'},server=on,wait=off",
            "-chardev",
            f"socket,id=qga0,path={self.workdir / 'qga.sock'},server=on,wait=off",
            "-device",
            "virtio-serial-pci,id=vser0",
            "-device",
            "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
            "-blockdev",
            f"driver=qcow2,node-name=rootdisk,file.driver=file,file.filename={self.overlay}",
            "-device",
            "virtio-blk-pci,drive=rootdisk,bus=pcie.0",
            "-kernel",
            str(self.image.kernel),
            "-initrd",
            str(self.image.initrd),
            "-append",
            "root=/dev/vda rw console=ttyS0 quiet systemd.show_status=0 net.ifnames=0",
            "-device",
            "qemu-xhci,id=xhci",
        ]
        for i in range(1, ROOT_PORTS + 1):
            argv += ["-device", f"pcie-root-port,id=rp{i},chassis={i},slot={i}"]
        if any(d.bus == "sd" for d in disks):
            argv += ["-device", "sdhci-pci"]
        for disk in disks:
            disk.create_backing()
            argv += disk.blockdev_cli()
            argv += device_cli(self._place(disk))
            self.disks[disk.id] = disk
        for sock in ("qmp.sock", "qga.sock"):
            (self.workdir / sock).unlink(missing_ok=True)
        start = time.monotonic()
        (self.workdir / "qemu-argv.txt").write_text("\n".join(argv) + "\n")
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=(self.workdir / "qemu.err").open("wb")
        )
        try:
            self.qmp = Qmp(self.workdir / "qmp.sock")
            self.qmp.connect()
            self.agent = Agent(self.workdir / "qga.sock")
            self.agent.wait_ready(timeout)
            # Boot jobs done (zfs-import-cache included) and udev quiet.
            self.run("systemctl is-system-running --wait; udevadm settle", timeout=180)
        except Exception:
            self._dump_console()
            self.kill()
            raise
        took = time.monotonic() - start
        log(f"{self.name}: boot {self.boots} ready in {took:.0f} s ({kind})")
        return took

    def _place(self, disk: Disk) -> list[dict]:
        """Device specs with a free PCIe root port for PCI disks (so they can be unplugged)."""
        specs = disk.device_specs()
        if disk.bus in ("nvme", "virtio"):
            used = set(self._root_port.values())
            port = next(i for i in range(1, ROOT_PORTS + 1) if i not in used)
            self._root_port[disk.id] = port
            specs[0] = {**specs[0], "bus": f"rp{port}"}
        return specs

    def _dump_console(self) -> None:
        try:
            tail = self.console.read_text(errors="replace").splitlines()[-40:]
            log(f"{self.name}: console tail ({self.console}):\n" + "\n".join(tail))
        except OSError:
            pass

    def poweroff(self, timeout: float = 120.0) -> None:
        """Clean shutdown (the pool stays in the cache file, as after a power-off).
        (qemu-ga's own guest-shutdown did not power this guest off: systemctl does.)"""
        if self.proc is None:
            return
        with contextlib.suppress(OSError, TimeoutError, AgentError, json.JSONDecodeError):
            assert self.agent is not None
            self.agent.call("guest-exec", path="/bin/systemctl", arg=["poweroff", "--no-block"])
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log(f"{self.name}: clean poweroff took over {timeout:.0f} s; killing QEMU")
        self.kill()

    def kill(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
        self.proc = None
        for conn in (self.qmp, self.agent):
            if conn is not None:
                conn.close()
        self.qmp = self.agent = None

    def destroy(self) -> None:
        self.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # --------------------------------------------------------------- commands

    def run(self, cmd: str, timeout: float = 120.0) -> Result:
        assert self.agent is not None, "machine is not running"
        return self.agent.run(cmd, timeout)

    def sh(self, cmd: str, timeout: float = 120.0) -> str:
        """Run and require success; returns stdout."""
        return self.run(cmd, timeout).check().out

    # ------------------------------------------------------------------ disks

    def attach(self, disk: Disk, settle: bool = True) -> None:
        """Hot-plug a disk (USB, NVMe, virtio)."""
        assert self.qmp is not None
        if not disk.hotpluggable:
            raise ValueError(f"{disk.bus} disks cannot be hot-plugged in QEMU; boot with them instead")
        disk.create_backing()
        self.qmp.execute("blockdev-add", **disk.blockdev_qmp())
        for spec in self._place(disk):
            self.qmp.execute("device_add", **spec)
        if disk.bus in ("usb-bot", "uas"):
            # A hot-plugged usb-bot stays detached until told otherwise.
            # (usb-uas has no 'attached' property: it attaches by itself.)
            with contextlib.suppress(QmpError):
                self.qmp.execute(
                    "qom-set", path=f"/machine/peripheral/{disk.id}", property="attached", value=True
                )
        self.disks[disk.id] = disk
        if settle:
            self.settle_disks()

    def detach(self, disk_id: str, settle: bool = True) -> Disk:
        """Hot-unplug: what pulling the cable does."""
        assert self.qmp is not None
        disk = self.disks.pop(disk_id)
        self.qmp.execute("device_del", id=disk.id)
        self.qmp.wait_event("DEVICE_DELETED", timeout=60, device=disk.id)
        self._root_port.pop(disk.id, None)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.qmp.execute("blockdev-del", **{"node-name": disk.node})
                break
            except QmpError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        if settle:
            self.settle_disks()
        return disk

    def settle_disks(self) -> None:
        self.run("sleep 2; udevadm settle", timeout=60)
