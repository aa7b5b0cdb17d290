"""Emulated disks: which bus, which identity (model, serial, WWN, USB bridge).

Every disk's backing store is a sparse raw file on the host, so the same
"physical" disk can be detached from the SATA bus and attached behind a USB
bridge, as happens in the seed story. ``Disk.on(bus, ...)`` gives the same
backing file a new identity.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

Bus = Literal["sata", "usb-bot", "usb-storage", "uas", "nvme", "sd", "virtio"]

GiB = 1 << 30


@dataclass(frozen=True)
class Disk:
    """One emulated disk. ``id`` names the QEMU device (and block node)."""

    id: str
    backing: Path
    bus: Bus
    size: int = 2 * GiB
    serial: str = ""
    model: str = ""  # ATA model (sata)
    wwn: str = ""  # 0x... (sata)
    vendor: str = ""  # SCSI INQUIRY vendor behind a USB bridge (usb-bot, uas)
    product: str = ""  # SCSI INQUIRY product behind a USB bridge
    sata_port: int = 0  # ide.N on the q35 AHCI
    usb_port: str = ""  # port on the xhci (usb-bot, usb-storage, uas); "" = the first free one

    def create_backing(self) -> None:
        """Sparse file: a 2 GiB disk costs only what ZFS writes to it."""
        if not self.backing.exists():
            self.backing.parent.mkdir(parents=True, exist_ok=True)
            with self.backing.open("wb") as fh:
                os.ftruncate(fh.fileno(), self.size)

    def on(self, bus: Bus, **identity: Any) -> Disk:
        """The same backing file on another bus, with another identity."""
        blank: dict[str, Any] = {
            "serial": "",
            "model": "",
            "wwn": "",
            "vendor": "",
            "product": "",
            "usb_port": "",
        }
        return replace(self, bus=bus, **(blank | identity))

    @property
    def node(self) -> str:
        return f"n-{self.id}"

    @property
    def hotpluggable(self) -> bool:
        # QEMU's AHCI does not hot-plug; the SD slot is one fixed card.
        return self.bus not in ("sata", "sd")

    # ---------------------------------------------------------------- cold plug

    def blockdev_cli(self) -> list[str]:
        return [
            "-blockdev",
            f"driver=raw,node-name={self.node},file.driver=file,file.filename={self.backing},"
            "file.aio=threads",
        ]

    def device_specs(self) -> list[dict[str, Any]]:
        """QEMU device property sets (first is the top device: unplugging it
        removes the rest). Used for both -device and QMP device_add."""
        scsi: dict[str, Any] = {"driver": "scsi-hd", "drive": self.node}
        if self.vendor:
            scsi["vendor"] = self.vendor
        if self.product:
            scsi["product"] = self.product
        if self.bus == "sata":
            dev = {"driver": "ide-hd", "id": self.id, "bus": f"ide.{self.sata_port}", "drive": self.node}
            dev |= {k: v for k, v in (("serial", self.serial), ("model", self.model)) if v}
            if self.wwn:
                dev["wwn"] = int(self.wwn, 16)
            return [dev]
        port = {"port": self.usb_port} if self.usb_port else {}
        if self.bus == "usb-bot":
            # A USB-SATA bridge: the USB serial is the bridge's, not the drive's.
            top = {"driver": "usb-bot", "id": self.id, "bus": "xhci.0", **port}
            if self.serial:
                top["serial"] = self.serial
            return [top, {**scsi, "id": f"{self.id}-hd", "bus": f"{self.id}.0", "scsi-id": 0, "lun": 0}]
        if self.bus == "uas":
            top = {"driver": "usb-uas", "id": self.id, "bus": "xhci.0", **port}
            if self.serial:
                top["serial"] = self.serial
            return [top, {**scsi, "id": f"{self.id}-hd", "bus": f"{self.id}.0", "scsi-id": 0, "lun": 0}]
        if self.bus == "usb-storage":
            dev = {"driver": "usb-storage", "id": self.id, "bus": "xhci.0", "drive": self.node, **port}
            if self.serial:
                dev["serial"] = self.serial
            return [dev]
        if self.bus == "nvme":
            return [{"driver": "nvme", "id": self.id, "drive": self.node, "serial": self.serial or self.id}]
        if self.bus == "sd":
            return [{"driver": "sd-card", "id": self.id, "drive": self.node, "bus": "sd-bus"}]
        if self.bus == "virtio":
            dev = {"driver": "virtio-blk-pci", "id": self.id, "drive": self.node}
            if self.serial:
                dev["serial"] = self.serial
            return [dev]
        raise ValueError(self.bus)

    def blockdev_qmp(self) -> dict[str, Any]:
        return {
            "driver": "raw",
            "node-name": self.node,
            "file": {"driver": "file", "filename": str(self.backing), "aio": "threads"},
        }


def device_cli(specs: list[dict[str, Any]]) -> list[str]:
    """-device arguments; QEMU's syntax doubles commas inside values."""
    args: list[str] = []
    for spec in specs:
        props = [spec["driver"]] + [
            f"{k}={str(v).replace(',', ',,')}" for k, v in spec.items() if k != "driver"
        ]
        args += ["-device", ",".join(props)]
    return args


# ------------------------------------------------------------------ the cast
# Identities modelled on the seed story's WD Red disks.

WD_MODEL = "WDC WD40EFZX-68AWUN0"


def wd_sata(dir: Path, n: int, port: int) -> Disk:
    serials = ("WD-WX62D229KY5H", "WD-WX72D122955L", "WD-WX12D000FCA7", "WD-WX92D555A1B2", "WD-WXA2D777C3D4")
    wwns = (
        "0x50014ee21522fe55",
        "0x50014ee26a782728",
        "0x50014ee21522fca7",
        "0x50014ee2b0c0ffee",
        "0x50014ee2deadbe01",
    )
    return Disk(
        id=f"disk{n}",
        backing=dir / f"disk{n}.raw",
        bus="sata",
        serial=serials[n - 1],
        model=WD_MODEL,
        wwn=wwns[n - 1],
        sata_port=port,
    )


def behind_usb_bridge(disk: Disk, serial: str = "000000123AE8", usb_port: str = "") -> Disk:
    """The seed story's USB-SATA bridge: WD's INQUIRY strings, the bridge's own
    serial, no WWN passed through."""
    return disk.on("usb-bot", serial=serial, vendor="WDC", product="WD40EFZX-68AWUN0", usb_port=usb_port)
