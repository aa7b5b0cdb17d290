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
    "0123456789ABCDEF": f"JMicron 'Generic' enclosures report it (152d:0580, {OMV_RULES})",
}
RANDOM_SERIAL_PREFIX = "RANDOM__"  # JMS551 and OWC bridges (OMV_RULES)
# WWNs that a bridge makes up for every LUN (ASM236x, truenas/middleware#19651).
BOGUS_BRIDGE_WWNS: dict[str, str] = {
    "0x5000000000000001": "ASMedia ASM236x bridges report it for every LUN (truenas/middleware#19651)",
}


# Serials that are no drive's: firmware defaults and sample values, compared in upper case.
PLACEHOLDER_SERIALS: dict[str, str] = {
    "TO BE FILLED BY O.E.M.": "AMI firmware's default text for a field the maker never filled in",
}


def bogus_serial_reason(serial: str | None) -> str | None:
    """Given a serial as udev, a bridge or a smartctl reading reports it, return why it cannot
    tell drives apart (a sentence with its source), or None when nothing is known against it.
    The one decision on placeholder serials: the inventory and the `--smartctl` join read it."""
    if not serial:
        return None
    text = serial.strip()
    if text and not any(c.isalnum() for c in text):
        # hw-probe (linuxhw/SMART) publishes every serial as "--"; others mask with "****"
        return f"serial {text} has no letter or digit: masked or a placeholder, not a drive serial"
    if text.upper() in PLACEHOLDER_SERIALS:
        return f"serial {text} is a placeholder ({PLACEHOLDER_SERIALS[text.upper()]}), not a drive serial"
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


# ─── which smartctl -d type reaches the drive behind a USB bridge ───────────

DRIVEDB = (
    "smartmontools drivedb/drivedb.h (github.com/smartmontools/smartmontools,"
    " commit f1d0da9ce840f9eac637bb89e11aa2980fa2419d)"
)


@dataclass(frozen=True, slots=True)
class BridgeSmart:
    """What smartmontools knows about reaching SMART through one USB bridge."""

    pattern: re.Pattern[str]  # vendor:product, lower-case hex, as drivedb's regular expression
    chip: str
    device_type: str | None  # the -d type known to work; None: smartmontools knows none
    line: int  # where in drivedb.h
    caution: str | None = None


def _bridge(
    pattern: str, chip: str, device_type: str | None, line: int, caution: str | None = None
) -> BridgeSmart:
    return BridgeSmart(re.compile(pattern), chip, device_type, line, caution)


_JMS583_RESET = (
    "on the JMS583's USB-to-SATA variant (same ids) -d sntjmicron issues an ATA hardware reset"
    " (drivedb.h comment); check that the drive is NVMe first"
)
# Most specific first: the first match wins (drivedb's own order within one vendor).
USB_BRIDGE_SMART: tuple[BridgeSmart, ...] = (
    _bridge(
        r"152d:0539", "JMicron JMS539", "sat", 7097, "old firmware (bcdDevice 0x0100) needs -d usbjmicron"
    ),
    _bridge(r"152d:0551", "JMicron (port multiplier)", "usbjmicron,x", 7104),
    _bridge(r"152d:056[1257]", "JMicron JMS561/562/565/567", "sat", 7110),
    _bridge(r"152d:05(7[789]|80)", "JMicron JMS577/578/579/580", "sat", 7134),
    _bridge(r"152d:0581", "JMicron JMS581 (USB to SATA and NVMe)", "sntjmicron", 7140, "SATA drives: -d sat"),
    _bridge(r"152d:0583", "JMicron JMS583 (USB to NVMe)", "sntjmicron", 7152, _JMS583_RESET),
    _bridge(r"152d:0901", "JMicron JMS578", "sat", 7165),
    _bridge(r"152d:[19]561", "JMicron JMS561", "sat", 7177),
    _bridge(r"152d:[01a]576", "JMicron JMS576", "sat", 7183),
    _bridge(r"152d:2329", "JMicron JM20329", "usbjmicron", 7189),
    _bridge(r"152d:2336", "JMicron JM20336", "usbjmicron,x", 7195),
    _bridge(r"152d:233[78]", "JMicron JM20337/8", "usbjmicron", 7201),
    _bridge(r"152d:2339", "JMicron JM20339", "usbjmicron,x", 7213),
    _bridge(r"152d:2566", "JMicron JMS566", "usbjmicron,x", 7243),
    _bridge(r"152d:(2567|2590|3562|3569)", "JMicron JMS567", "sat", 7249),
    _bridge(r"152d:(578e|a5(78|80)|b567)", "JMicron", "sat", 7273),
    _bridge(
        r"152d:[ab]581", "JMicron JMS581 (USB to SATA and NVMe)", "sntjmicron", 7285, "SATA drives: -d sat"
    ),
    _bridge(r"152d:a583", "JMicron JMS583 (USB to NVMe)", "sntjmicron", 7291),
    _bridge(r"174c:236[24]", "ASMedia ASM236x (USB to NVMe)", "sntasmedia", 7312),
    _bridge(r"174c:2463", "ASMedia ASM2464PD (USB4 to NVMe)", "sntasmedia", 7318),
    _bridge(r"174c:[0-9a-f]{4}", "ASMedia", "sat", 7324),
    _bridge(r"0bda:9201", "Realtek RTL9201", "sat", 6846),
    _bridge(r"(0bda|0dd8):9210", "Realtek RTL9210 (USB to NVMe)", "sntrealtek", 6852),
    _bridge(r"(0bda|2eb9):9211", "Realtek RTL9211 (USB to NVMe)", "sntrealtek", 6858),
    _bridge(r"0bda:9220", "Realtek RTL9220 (USB to NVMe)", "sntrealtek", 6870),
    _bridge(r"2109:0700", "VIA VL700", "sat,12", 7493),
    _bridge(r"2109:(0561|0701|0711|071[567])", "VIA VL701/711/715/716/717", "sat", 7499),
    _bridge(
        r"04b4:6830",
        "Cypress CY7C68300B/C (AT2LP)",
        "usbcypress",
        6237,
        "revision 0x0001 (AT2) is unsupported",
    ),
    _bridge(r"067b:2507", "Prolific PL2507", "usbjmicron,0", 6589),
    _bridge(r"067b:(2571|277[135])", "Prolific PL2571/2771/2773/2775", "usbprolific", 6595),
    _bridge(r"067b:3507", "Prolific PL3507", "usbjmicron,p", 6601),
    _bridge(r"13fd:16[45]0", "Initio", "sat,12", 7064),
    _bridge(r"0bc2:0503", "Seagate External Drive (Cypress)", "usbcypress", 6821),
    _bridge(r"0bc2:(3008|50(31|a1))", "Seagate FreeAgent", "sat,12", 6827),
    _bridge(r"0bc2:aa1a", "Seagate FireCuda Gaming SSD (ASM2364)", "sntasmedia", 6833),
    _bridge(r"0bc2:[0-9a-f]{4}", "Seagate external drive", "sat", 6839),
    _bridge(r"1058:0701", "WD My Passport IDE (Cypress)", "usbcypress", 6995),
    _bridge(r"1058:266e", "Western Digital (ASM236x, NVMe)", "sntasmedia", 7001),
    _bridge(r"1058:[0-9a-f]{4}", "Western Digital external drive", "sat", 7007),
    _bridge(r"04e8:(4001|61fb|61fd)", "Samsung Portable SSD T7/T9 (ASM2362)", "sntasmedia", 6270),
    _bridge(r"04e8:61f5", "Samsung Portable SSD T5", "sat", 6330),
    _bridge(r"0781:55(a[ef]|bb)", "SanDisk Extreme (ASM2362)", "sntasmedia", 6635),
    _bridge(r"0634:560[37]", "Crucial X9 Pro/X10", "sntasmedia", 6575),
    _bridge(r"21c4:(0003|b06a)", "Lexar ES3/E6 (JMicron)", "sntjmicron", 7537),
    _bridge(r"21c4:b083", "Lexar E300 (Realtek)", "sntrealtek", 7543),
    _bridge(r"2e8a:0030", "Raspberry Pi USB Flash Drive", "sat,12", 7578),
    _bridge(r"7825:a2a4", "USB3 to SATA", "sat", 7705),
    _bridge(r"0402:5621", "ALi M5621", None, 6166),
    _bridge(r"040d:6204", "VIA VT6204", None, 6173),
    _bridge(r"05e3:0702", "Genesys Logic GL881E", None, 6555),
    _bridge(r"0928:000[02]", "Oxford", None, 6718),
)


def bridge_smart(ids: str | None) -> BridgeSmart | None:
    """Given "vendor:product" of a USB bridge (hex, any case), return what smartmontools
    knows of reaching SMART through it, or None when drivedb does not list it."""
    if not ids:
        return None
    key = ids.lower()
    return next((entry for entry in USB_BRIDGE_SMART if entry.pattern.fullmatch(key)), None)
