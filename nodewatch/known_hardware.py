"""Hardware with known quirks, each entry with where the fact comes from.

Three tables: serial numbers that USB bridges report instead of the drive's,
USB bridge chips (vendor:product) with what is known to go wrong with them,
and drive-managed SMR models that break resilvers. Nothing here does I/O; the
inventory reads these tables to write Disk.warnings and UsbBridge flags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ─── serials that bridges report instead of the drive's ─────────────────────

OMV_RULES = (
    "OpenMediaVault 61-openmediavault-dev-disk-by-id.rules"
    " (github.com/openmediavault/openmediavault, deb/openmediavault/etc/udev/rules.d/)"
)

# Serial → where it was seen. Every one of these was reported for several
# enclosures at once, so it names the bridge model, not a drive.
BOGUS_BRIDGE_SERIALS: dict[str, str] = {
    "152D00539000": "JMicron bridges report it for every bay (rockstor/rockstor-core#2320)",
    "20170331000C3": f"JMicron JMS567 enclosures report it for every bay ({OMV_RULES})",
    "0000000000CA": "ASMedia ASM236x enclosures report it for every bay (truenas/middleware#19651)",
    "000000000000": "ORICO enclosures report it for every bay (shared/research/ANCHORS.md §5.1)",
    "1234567890123": f"ACASIS / Quad SATA HAT bridges report it ({OMV_RULES})",
}
RANDOM_SERIAL_PREFIX = "RANDOM__"  # JMS551 and OWC bridges (OMV_RULES)
# WWNs that a bridge makes up for every LUN (ASM236x, truenas/middleware#19651).
BOGUS_BRIDGE_WWNS: dict[str, str] = {
    "0x5000000000000001": "ASMedia ASM236x bridges report it for every LUN (truenas/middleware#19651)",
}


def bogus_serial_reason(serial: str | None) -> str | None:
    """Given a serial as udev or a bridge reports it, return why it cannot tell drives
    apart (a sentence with its source), or None when nothing is known against it."""
    if not serial:
        return None
    text = serial.strip()
    if text.upper() in BOGUS_BRIDGE_SERIALS:
        return f"serial {text} is a well-known bridge serial: {BOGUS_BRIDGE_SERIALS[text.upper()]}"
    if text.upper().startswith(RANDOM_SERIAL_PREFIX):
        return (
            f"serial {text} is made up by the bridge at each power-up ({RANDOM_SERIAL_PREFIX}…, {OMV_RULES})"
        )
    if len(set(text)) == 1 and len(text) >= 4:
        return f"serial {text} is one character repeated: a placeholder, not a drive serial"
    return None


# ─── USB bridge chips ───────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class BridgeChip:
    name: str
    note: str | None = None  # a known problem, with its source
    uas_trouble: bool = False  # reported unstable under the uas driver (quirk ":u" helps)


# "vendor:product" in lower-case hex, as lsusb and udev print them.
KNOWN_BRIDGES: dict[str, BridgeChip] = {
    "152d:0578": BridgeChip(
        "JMicron JMS578",
        "drops off the bus under UAS on Raspberry Pi (raspberrypi/linux#5246,"
        " home-assistant/operating-system#3857); usb-storage.quirks=152d:0578:u disables UAS",
        uas_trouble=True,
    ),
    "152d:0567": BridgeChip(
        "JMicron JMS567",
        "multi-bay enclosures report one bridge serial for every bay ("
        + OMV_RULES
        + "); UAS was disabled for it upstream (home-assistant/operating-system#3220)",
        uas_trouble=True,
    ),
    "152d:0561": BridgeChip("JMicron JMS551", f"reports RANDOM__ serials ({OMV_RULES})"),
    "152d:1561": BridgeChip("JMicron JMS561U", f"two-bay bridge that hides drive serials ({OMV_RULES})"),
    "152d:2338": BridgeChip("JMicron JM20337", f"reports a serial of its own ({OMV_RULES})"),
    "152d:0583": BridgeChip(
        "JMicron JMS583 (USB to NVMe)",
        "smartctl needs -d sntjmicron; some commands reset the port (smartmontools#256, #496, PR #622)",
    ),
    "174c:55aa": BridgeChip("ASMedia ASM1051E/1053E/1153E"),
    "174c:1153": BridgeChip("ASMedia ASM1153"),
    "174c:2362": BridgeChip(
        "ASMedia ASM2362 (USB to NVMe)", "smartctl needs -d sntasmedia (shared/research/ANCHORS.md §1.7)"
    ),
    "174c:235c": BridgeChip(
        "ASMedia ASM236x",
        "multi-bay enclosures report serial 0000000000CA and WWN 5000000000000001 for every bay"
        " (truenas/middleware#19651)",
    ),
    "2109:0715": BridgeChip("VIA VL817", f"reports a serial of its own ({OMV_RULES})"),
    "0bda:9210": BridgeChip(
        "Realtek RTL9210 (USB to NVMe)",
        "smartctl needs -d sntrealtek; some firmware fails (smartmontools#505)",
    ),
    "46f4:0001": BridgeChip("QEMU USB storage", "an emulated bridge: passes no ATA commands (lab NOTES.md)"),
}


def bridge_chip(vendor_id: str | None, product_id: str | None) -> BridgeChip | None:
    """Given USB vendor and product ids (hex), return what is known of that bridge, or None."""
    if not vendor_id or not product_id:
        return None
    return KNOWN_BRIDGES.get(f"{vendor_id.lower()}:{product_id.lower()}")


# ─── drive-managed SMR models ───────────────────────────────────────────────

WD_SMR_SOURCE = (
    "openzfs/zfs#10214, openzfs/zfs#15033,"
    " https://www.truenas.com/docs/hardware/notices/componentarticles/wdsmr/"
)


@dataclass(frozen=True, slots=True)
class SmrModel:
    pattern: re.Pattern[str]
    family: str
    source: str


# Exact capacities: WD Red 8 TB and larger EFAX drives are CMR (ANCHORS.md §5.7).
SMR_MODELS: tuple[SmrModel, ...] = (
    SmrModel(re.compile(r"WD(20|30|40|60)EFAX"), "WD Red (not Plus/Pro)", WD_SMR_SOURCE),
    SmrModel(
        re.compile(r"ST5000LM000"),
        "Seagate Barracuda 2.5in",
        "openzfs/zfs#9800 (reported as SMR there); Seagate's CMR/SMR list"
        " https://www.seagate.com/products/cmr-smr-list/",
    ),
)


def smr_warning(model: str | None) -> str | None:
    """Given a drive model string, return a warning with its source when it is a
    drive-managed SMR disk that fails or crawls through resilvers, else None."""
    if not model:
        return None
    compact = re.sub(r"[\s_-]+", "", model.upper())
    for entry in SMR_MODELS:
        if entry.pattern.search(compact):
            return (
                f"{model.strip()} is a drive-managed SMR disk ({entry.family}): resilvers can fail or"
                f" take days, so keep it out of raidz and do not add it as a replacement ({entry.source})"
            )
    return None
