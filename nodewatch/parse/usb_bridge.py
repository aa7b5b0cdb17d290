"""What a disk's USB bridge is, and whether the serial it reports is the drive's.

usb_id (systemd) names a USB disk from the SCSI INQUIRY the bridge answers
(vendor, model) and the bridge's own USB iSerial; when ata_id can talk to the
drive through the bridge it uses the drive's ATA IDENTIFY instead (then
ID_BUS=ata, and systemd ≥ 252 keeps the bridge's facts under ID_USB_*).
"""

from __future__ import annotations

import re

from nodewatch import known_hardware
from nodewatch.model import UsbBridge
from nodewatch.parse.by_id_names import usb_port_path
from nodewatch.parse.udev_record import (
    BUS_USB,
    ID_BUS,
    ID_MODEL,
    ID_MODEL_ENC,
    ID_MODEL_FROM_DATABASE,
    ID_MODEL_ID,
    ID_PATH,
    ID_SERIAL_SHORT,
    ID_USB_DRIVER,
    ID_USB_MODEL_ID,
    ID_USB_SERIAL_SHORT,
    ID_USB_VENDOR_ID,
    ID_VENDOR,
    ID_VENDOR_ENC,
    ID_VENDOR_FROM_DATABASE,
    ID_VENDOR_ID,
    USB_ID_PRODUCT,
    USB_ID_VENDOR,
    USB_MANUFACTURER,
    USB_PRODUCT,
    USB_SERIAL,
    UdevDevice,
    decode_udev,
)

# Western Digital drive serials (WD-WX62D229KY5H): no bridge makes these up.
_DRIVE_SERIAL = re.compile(r"^WD-W[A-Z0-9]{8,}$")


def text_property(device: UdevDevice, encoded_key: str, plain_key: str) -> str | None:
    """Given a device, return a udev string property decoded (`\\x20` → space) and stripped."""
    encoded = device.get(encoded_key)
    if encoded:
        return decode_udev(encoded).strip() or None
    plain = device.get(plain_key)
    return plain.replace("_", " ").strip() if plain else None


def bridge_serial(device: UdevDevice) -> str | None:
    """Given a USB disk's udev record, return the serial its bridge reports."""
    if device.usb_device.get(USB_SERIAL):
        return device.usb_device[USB_SERIAL].strip() or None
    if device.get(ID_USB_SERIAL_SHORT):
        return device.get(ID_USB_SERIAL_SHORT)
    if device.get(ID_BUS) == BUS_USB:
        return device.get(ID_SERIAL_SHORT)
    return None


def inquiry_model(device: UdevDevice) -> str | None:
    """Given a USB disk, return the model its bridge answers to SCSI INQUIRY.

    Many SAT bridges cut the ATA model after 8 characters into the vendor field
    (`WDC WD50` + `00AAKB-00H8A0`), so a vendor with a space in it is glued back on.
    """
    vendor = text_property(device, ID_VENDOR_ENC, ID_VENDOR)
    model = text_property(device, ID_MODEL_ENC, ID_MODEL)
    if vendor and model:
        return f"{vendor}{model}" if " " in vendor else f"{vendor} {model}"
    return model or vendor


def build_bridge(
    device: UdevDevice,
    usb_parent: UdevDevice | None,
    *,
    drive_serial: str | None,
    shared_with: tuple[str, ...] = (),
) -> UsbBridge:
    """Given a USB disk's udev record, the udev record of its USB device (from a dump)
    and the drive's own serial when known (SMART, or ata_id through the bridge), return
    its bridge: driver, ids, names, port, the serial it reports and whose that is."""
    live = device.usb_device
    parent = usb_parent.properties if usb_parent else {}
    vendor_id = live.get(USB_ID_VENDOR) or parent.get(ID_VENDOR_ID) or device.get(ID_USB_VENDOR_ID)
    product_id = live.get(USB_ID_PRODUCT) or parent.get(ID_MODEL_ID) or device.get(ID_USB_MODEL_ID)
    if not vendor_id and device.get(ID_BUS) == BUS_USB:
        vendor_id, product_id = device.get(ID_VENDOR_ID), device.get(ID_MODEL_ID)
    chip = known_hardware.bridge_chip(vendor_id, product_id)
    # Names from the USB descriptors (live sysfs, or the usb_device record of a dump),
    # then the hwdb, then our table: never the SCSI INQUIRY strings, which may be the drive's.
    vendor_name = live.get(USB_MANUFACTURER) or parent.get(ID_VENDOR_FROM_DATABASE)
    product_name = live.get(USB_PRODUCT) or parent.get(ID_MODEL_FROM_DATABASE)
    if usb_parent:
        vendor_name = vendor_name or text_property(usb_parent, ID_VENDOR_ENC, ID_VENDOR)
        product_name = product_name or text_property(usb_parent, ID_MODEL_ENC, ID_MODEL)
    product_name = product_name or (chip.name if chip else None)
    serial = bridge_serial(device)
    reasons = []
    if shared_with:
        reasons.append(
            f"serial {serial} is reported for {', '.join(shared_with)} as well: it is the bridge's, not"
            " a drive's"
        )
    known = known_hardware.bogus_serial_reason(serial)
    if known:
        reasons.append(known)
    reason = "; ".join(reasons) or None
    return UsbBridge(
        driver=device.get(ID_USB_DRIVER) or "unknown",
        vendor_id=vendor_id.lower() if vendor_id else None,
        product_id=product_id.lower() if product_id else None,
        vendor_name=vendor_name.strip() if vendor_name else None,
        product_name=product_name.strip() if product_name else None,
        port_path=usb_port_path(device.get(ID_PATH)),
        serial=serial,
        serial_is_drives=serial_is_drives(serial, drive_serial, bogus=reason is not None),
        bogus_serial_reason=reason,
    )


def drive_serial(bridge: UsbBridge) -> str | None:
    """Given a disk's bridge, return the drive's own serial as far as the bridge tells it:
    the serial it reports when that is the drive's, else None (SMART may know better)."""
    return bridge.serial if bridge.serial_is_drives else None


def serial_is_drives(serial: str | None, drive_serial: str | None, *, bogus: bool) -> bool | None:
    """Given the serial a bridge reports and the drive's own when known (SMART, ata_id),
    say whether the bridge's is the drive's: True, False, or None when it cannot be told.
    The one place this is decided, for live udev, udev dumps and by-id listings alike."""
    if not serial:
        return None
    if bogus:
        return False
    if drive_serial:
        return _normalise(serial) == _normalise(drive_serial)
    if _DRIVE_SERIAL.match(serial.strip().upper()):
        return True
    return None  # nothing to compare with: say so rather than guess


def _normalise(serial: str) -> str:
    return re.sub(r"[\s_-]+", "", serial).upper()
