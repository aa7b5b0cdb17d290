"""Disks in words: how a disk is attached, whose serial it shows, why it is named so, SMART.

One table of transport words, one explanation of USB names: the rules quote
them in findings (diagnose/), `nodewatch disks` lists them (present/disks.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from nodewatch.model import ByIdLink, Disk, SmartInfo, Transport, UsbBridge, Vdev
from nodewatch.words.articles import with_article


@dataclass(frozen=True, slots=True)
class TransportWords:
    badge: str  # a column or badge: "USB bridge"
    phrase: str  # inside a sentence: "behind a USB bridge"


TRANSPORTS: dict[Transport, TransportWords] = {
    Transport.SATA: TransportWords("SATA/ATA", "on a SATA port"),
    Transport.USB: TransportWords("USB bridge", "behind a USB bridge"),
    Transport.NVME: TransportWords("NVMe", "an NVMe drive"),
    Transport.MMC: TransportWords("SD/MMC", "an SD/MMC card"),
    Transport.VIRTIO: TransportWords("virtio", "a virtio disk"),
    Transport.SCSI: TransportWords("SCSI/SAS", "on a SCSI/SAS controller"),
    Transport.UNKNOWN: TransportWords("unknown bus", "on an unknown bus"),
    Transport.OPTICAL: TransportWords("optical drive", "an optical drive, not a disk"),
    Transport.DEVICE_MAPPER: TransportWords(
        "device-mapper", "a device-mapper volume (LUKS, LVM), not a disk"
    ),
}


def describe(disk: Disk) -> str:
    """'/dev/sdd, a WDC WD40EFZX-68AWUN0 behind a USB bridge (usb-storage, 46f4:0001)'."""
    phrase = TRANSPORTS[disk.transport].phrase
    if not disk.model:
        text = f"{disk.devnode}, {phrase}"
    elif phrase.startswith(("on ", "behind ")):
        text = f"{disk.devnode}, {with_article(disk.model)} {phrase}"
    else:  # the phrase says what the disk is ("an NVMe drive"): it follows the model as an apposition
        text = f"{disk.devnode}, {with_article(disk.model)}, {phrase}"
    if disk.bridge:
        text += f" ({', '.join(x for x in (disk.bridge.driver, bridge_ids(disk.bridge)) if x)})"
    return text


def bridge_ids(bridge: UsbBridge) -> str:
    """'152d:0578', or '' when udev did not say."""
    return ":".join(x for x in (bridge.vendor_id, bridge.product_id) if x)


def bridge_driver(bridge: UsbBridge) -> str | None:
    return None if bridge.driver == "unknown" else bridge.driver


def naming_explanation(disk: Disk, *, mention_wwn: bool = True, name_bridge: bool = True) -> str | None:
    """Given a disk, say why its by-id names look the way they do (None: nothing unusual).

    Answers "why is this disk usb-… while the others are ata-…, and where is its
    wwn- link?" for a disk behind a USB bridge. name_bridge adds its driver and
    ids, mention_wwn why there is no wwn- link (for a sentence that says it itself).
    """
    if disk.transport is not Transport.USB or not disk.bridge:
        return None
    kinds = {link.kind for link in disk.by_id}
    known = ", ".join(x for x in (bridge_driver(disk.bridge), bridge_ids(disk.bridge)) if x)
    where = f"behind a USB bridge ({known})" if known and name_bridge else "behind a USB bridge"
    if "ata" in kinds:
        return (
            f"{where} that passes ATA commands through, so udev reads the drive's own identity and"
            " names it ata-… as it would on a SATA port"
        )
    owner = {
        True: "the drive's serial",
        False: "the bridge's serial",
        None: "the serial the bridge reports",
    }[disk.bridge.serial_is_drives]
    text = (
        f"{where}: udev names it usb-… from what the bridge reports (the vendor and model it"
        f" answers to SCSI INQUIRY, and {owner}), not from the drive's own ATA identity"
    )
    if mention_wwn and "wwn" not in kinds:
        text += ", and no wwn- link exists because the bridge does not pass the drive's WWN through"
    return text


def shared_name(link: ByIdLink) -> str:
    """Why a by-id name that several devices claim is not one to type (empty if it is not shared)."""
    if not link.shared:
        return ""
    others = " and ".join(link.shared_with)
    return (
        f"{link.name} is claimed by {others} as well: udev builds the same name for devices that report"
        " the same serial (cheap USB bridges often do) and points the link at one of them, not always the"
        " same one, nor the disk's and its partition's at the same disk. nodewatch never puts it in a"
        " command: a /dev/disk/by-partuuid/ name (one partition) or /dev/disk/by-path/ name (one port)"
        " tells them apart"
    )


def why_renamed(disk: Disk, old_path: str | None, reachable_as: str) -> str:
    """Say why ZFS no longer finds this disk under the name it was using (old_path).

    reachable_as: the path the commands use for it. A by-id name other devices claim as well
    is not one to type, so it is not given as the disk's name: reachable_as is, when no
    other by-id name is left."""
    old_name = old_path.rsplit("/", 1)[-1] if old_path else None
    own = ", ".join(link.name for link in disk.by_id if not link.shared)
    now = f"known as {own}" if own else f"reachable as {reachable_as}"
    # describe() has named the bridge already in the sentence before this one.
    explanation = naming_explanation(disk, mention_wwn=False, name_bridge=False)
    if explanation is None:
        if old_name:
            return f"It is now {now}; the name ZFS was using, {old_name}, no longer exists."
        return f"It is now {now}."
    sentence = f"It is {explanation}. It is now {now}."
    if not disk.wwn and old_name and old_name.startswith("wwn-"):
        sentence += (
            f" Its {old_name.removesuffix('-part1')} link vanished because the bridge does not pass"
            " the drive's WWN through, and ZFS was still looking for that path."
        )
    elif old_name:
        sentence += f" The name ZFS was using, {old_name}, no longer exists."
    return sentence


def siblings_differ(disk: Disk, siblings: list[Disk | None]) -> str:
    """Why this member's name looks unlike the others': they are on another bus."""
    others = [sibling for sibling in siblings if sibling and sibling.transport is not disk.transport]
    if not others:
        return ""
    kinds = sorted({sibling.transport for sibling in others}, key=lambda t: t.value)
    names = ", ".join(sibling.devnode for sibling in others)
    return (
        f"The other members ({names}) are {' and '.join(TRANSPORTS[kind].phrase for kind in kinds)},"
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


def serial_words(disk: Disk) -> str:
    """Whose serial this is: the drive's own, or only what a USB bridge reports."""
    bridge = disk.bridge
    if not bridge:
        return disk.serial or "unknown"
    if disk.serial and bridge.serial_is_drives:
        return f"{disk.serial} (the drive's own; the bridge reports the same)"
    if disk.serial:
        shown = f"; the bridge reports {bridge.serial}" if bridge.serial else ""
        return f"{disk.serial} (the drive's own, read through the bridge{shown})"
    if bridge.serial and bridge.serial_is_drives is False:
        return f"unknown: the bridge reports {bridge.serial}, which is the bridge's, not the drive's"
    if bridge.serial:
        return (
            f"unknown: the bridge reports {bridge.serial}; whether that is the drive's serial"
            " cannot be told without SMART through the bridge"
        )
    return "unknown"


def smart_verdict(smart: SmartInfo | None) -> str:
    """One word for a badge: 'not read', 'unavailable', 'PASSED', 'FAILED' or 'no verdict'."""
    if smart is None:
        return "not read"
    if not smart.available:
        return "unavailable"
    return {True: "PASSED", False: "FAILED", None: "no verdict"}[smart.passed]


def smart_words(smart: SmartInfo | None) -> str:
    """Given what SMART said (None = not asked), return one line for a person."""
    if smart is None or not smart.available:
        reason = f": {smart.reason or 'no reason given'}" if smart is not None else ""
        return smart_verdict(smart) + reason
    facts = [smart_verdict(smart)]
    counters = [
        ("reallocated", smart.reallocated_sectors),
        ("pending", smart.pending_sectors),
        ("offline-uncorrectable", smart.offline_uncorrectable),
        ("CRC errors", smart.udma_crc_errors),
        ("media errors", smart.nvme_media_errors),
    ]
    facts.extend(f"{name} {value}" for name, value in counters if value is not None)
    if smart.nvme_percentage_used is not None:
        facts.append(f"{smart.nvme_percentage_used}% used")
    if smart.nvme_critical_warning:
        facts.append(f"critical warning {smart.nvme_critical_warning:#x}")
    if smart.temperature_celsius is not None:
        facts.append(f"{smart.temperature_celsius} °C")
    if smart.power_on_hours is not None:
        facts.append(f"{smart.power_on_hours} h on")
    if smart.last_self_test:
        facts.append(f"last self-test {smart.last_self_test}")
    flags = [flag for flag in smart.exit_flags if flag != "smart_command_failed"]
    if flags:
        facts.append(f"smartctl flags: {', '.join(flags)}")
    return ", ".join(facts)
