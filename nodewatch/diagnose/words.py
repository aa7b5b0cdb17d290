"""Sentences about disks, for people: where a disk is, and why its name changed."""

from __future__ import annotations

from nodewatch.model import Disk, DiskRef, Transport, Vdev

TRANSPORT_WORDS = {
    Transport.SATA: "on a SATA port",
    Transport.USB: "behind a USB bridge",
    Transport.NVME: "an NVMe drive",
    Transport.MMC: "an SD/MMC card",
    Transport.VIRTIO: "a virtio disk",
    Transport.SCSI: "on a SCSI/SAS controller",
    Transport.UNKNOWN: "on an unknown bus",
}


def disk_ref(disk: Disk) -> DiskRef:
    preferred = disk.preferred_by_id()
    port = None
    if disk.bridge and disk.bridge.port_path:
        port = f"USB {disk.bridge.port_path}"
    elif disk.by_path:
        port = disk.by_path[0].rsplit("/", 1)[-1]
    return DiskRef(
        devnode=disk.devnode,
        by_id=preferred.name if preferred else None,
        model=disk.model,
        serial=(disk.smart.serial if disk.smart and disk.smart.serial else disk.serial),
        transport=disk.transport,
        port=port,
    )


def describe(disk: Disk) -> str:
    """'/dev/sdd, a WDC WD40EFZX-68AWUN0 behind a USB bridge (usb-storage, 46f4:0001)'."""
    parts = [disk.devnode + ","]
    if disk.model:
        parts.append(f"a {disk.model}")
    parts.append(TRANSPORT_WORDS[disk.transport])
    text = " ".join(parts)
    if disk.bridge:
        ids = ":".join(x for x in (disk.bridge.vendor_id, disk.bridge.product_id) if x)
        text += f" ({', '.join(x for x in (disk.bridge.driver, ids) if x)})"
    return text


def why_renamed(disk: Disk, old_path: str | None) -> str:
    """Answer 'why is this disk usb-… while the others are ata-…, and where did its wwn- link go?'."""
    old_name = old_path.rsplit("/", 1)[-1] if old_path else None
    now = ", ".join(link.name for link in disk.by_id) or disk.devnode
    if disk.transport is Transport.USB:
        serial_owner = {
            True: "the drive's own serial",
            False: "the bridge's serial, not the drive's",
            None: "whatever serial the bridge reports",
        }[disk.bridge.serial_is_drives if disk.bridge else None]
        sentence = (
            "Because it is behind a USB bridge, udev names it from what the bridge reports"
            f" (vendor, model and {serial_owner}): {now}."
        )
        if not disk.wwn and old_name and old_name.startswith("wwn-"):
            sentence += (
                f" Its {old_name.removesuffix('-part1')} link vanished because the bridge does not pass"
                " the drive's WWN through, and ZFS was still looking for that path."
            )
        elif old_name:
            sentence += f" The name ZFS was using, {old_name}, no longer exists."
        return sentence
    if old_name:
        return f"It is now known as {now}; the name ZFS was using, {old_name}, no longer exists."
    return f"It is now known as {now}."


def siblings_differ(disk: Disk, siblings: list[Disk | None]) -> str:
    """Why this member's name looks unlike the others': they are on another bus."""
    others = [sibling for sibling in siblings if sibling and sibling.transport is not disk.transport]
    if not others:
        return ""
    kinds = sorted({sibling.transport for sibling in others}, key=lambda t: t.value)
    names = ", ".join(sibling.devnode for sibling in others)
    return (
        f"The other members ({names}) are {' and '.join(TRANSPORT_WORDS[kind] for kind in kinds)},"
        " which is why their names differ from this one's."
    )


def recorded_as(vdev: Vdev) -> str:
    """What ZFS remembers of a missing member, in words."""
    bits = []
    if vdev.devid:
        bits.append(f"ZFS recorded it as {vdev.devid}")
    if vdev.was_path or vdev.path:
        bits.append(f"last opened at {vdev.was_path or vdev.path}")
    return "; ".join(bits)
