"""Every kind of disk QEMU can emulate here, recorded for the inventory parser:
SATA with WWN, USB-SATA bridge (usb-bot), plain usb-storage, UAS, NVMe, SD card,
virtio — plus what hot-plug and hot-unplug look like."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .lab.disks import Disk, GiB, behind_usb_bridge, wd_sata
from .lab.expect import expect
from .lab.guestpkg import NODEWATCH, nodewatch_json
from .lab.qmp import QmpError
from .lab.session import Lab
from .lab.vm import Machine, log
from .lab.zfs import snapshot

pytestmark = pytest.mark.e2e


def zoo(lab: Lab) -> list[Disk]:
    d = lab.disks_dir
    return [
        wd_sata(d, 1, port=0),
        wd_sata(d, 2, port=1),
        behind_usb_bridge(wd_sata(d, 3, port=2)),
        Disk("stick", d / "stick.raw", "usb-storage", serial="AA00000000001234"),
        Disk("uas1", d / "uas1.raw", "uas", serial="UAS0000000000042", vendor="Samsung", product="PSSD T7"),
        Disk("nvme1", d / "nvme1.raw", "nvme", serial="S4EWNX0R123456"),
        Disk("sd1", d / "sd1.raw", "sd", size=1 * GiB),  # an SD card's size must be a power of two
        Disk("virt1", d / "virt1.raw", "virtio", serial="VIRTSERIAL01"),
    ]


@pytest.mark.parametrize("flavour", ["zfs23"])
def test_disks_zoo(lab_factory: Callable[[str, str], Lab], flavour: str) -> None:
    lab = lab_factory(flavour, "disks-zoo")
    disks = zoo(lab)
    m = lab.boot(disks, install=True)
    rec = lab.rec
    by_id = m.sh("ls /dev/disk/by-id")
    log("by-id at boot:\n" + by_id)
    expected = [
        "ata-WDC_WD40EFZX-68AWUN0_WD-WX62D229KY5H",
        "wwn-0x50014ee21522fe55",
        "usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0",
        "usb-QEMU_QEMU_HARDDISK_AA00000000001234-0:0",
        "nvme-QEMU_NVMe_Ctrl_S4EWNX0R123456",
        "virtio-VIRTSERIAL01",
    ]
    for name in expected:
        assert name in by_id.split(), f"{name} missing from /dev/disk/by-id"
    # The disk behind the USB bridge has no wwn- link: the heart of the seed story.
    assert "wwn-0x50014ee21522fca7" not in by_id
    assert any(n.startswith("mmc-") for n in by_id.split()), "SD card has no by-id link"
    drivers = m.run("udevadm info --export-db | grep -E '^E: ID_USB_DRIVER=' | sort | uniq -c").out
    log(f"USB drivers of the disks: {drivers.strip()}")
    assert "usb-storage" in drivers
    if "uas" not in drivers:
        log("!! the UAS device did not bind the uas driver: recorded as it is")
    snapshot(m, rec, "boot")
    check_nodewatch_disks(m)
    check_node_health(m)
    rec.save("boot", "lsblk-tran", m.run("lsblk -d -o NAME,TRAN,VENDOR,MODEL,SERIAL,WWN,SIZE"))
    rec.save("boot", "lsusb-lspci", m.run("lsusb; lsusb -t; lspci -nn"))

    # Hot-unplug the USB bridge and the NVMe, then plug a new stick and NVMe.
    m.detach("disk3")
    m.detach("nvme1")
    snapshot(m, rec, "unplugged-usb-bridge-and-nvme", udev=False, smart=False)
    assert "usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0" not in m.sh("ls /dev/disk/by-id")
    m.attach(Disk("stick2", lab.disks_dir / "stick2.raw", "usb-storage", serial="4C530001230815117384"))
    m.attach(Disk("nvme2", lab.disks_dir / "nvme2.raw", "nvme", serial="S5GXNG0N901234"))
    m.attach(behind_usb_bridge(wd_sata(lab.disks_dir, 3, port=2)))
    after = m.sh("ls /dev/disk/by-id").split()
    assert "usb-QEMU_QEMU_HARDDISK_4C530001230815117384-0:0" in after
    assert "nvme-QEMU_NVMe_Ctrl_S5GXNG0N901234" in after
    assert "usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0" in after
    snapshot(m, rec, "hotplugged")
    rec.save("hotplugged", "dmesg", m.run("dmesg | tail -n 80"))

    # Only one SD slot, and QEMU cannot hot-plug a card into it: record what it says.
    try:
        m.qmp.execute("device_add", driver="sd-card", id="sd2", bus="sd-bus")  # type: ignore[union-attr]
        sd_hotplug = "accepted"
    except QmpError as exc:
        sd_hotplug = str(exc)
    log(f"SD card hot-plug: {sd_hotplug}")


# by-id name → the transport `nodewatch disks` must give the disk that carries it.
ZOO_TRANSPORTS = {
    "ata-WDC_WD40EFZX-68AWUN0_WD-WX62D229KY5H": "sata",
    "usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0": "usb",
    "usb-QEMU_QEMU_HARDDISK_AA00000000001234-0:0": "usb",
    "nvme-QEMU_NVMe_Ctrl_S4EWNX0R123456": "nvme",
    "virtio-VIRTSERIAL01": "virtio",
}


def check_nodewatch_disks(m: Machine) -> None:
    """`nodewatch disks` in the guest lists every disk with the right transport, plain and JSON."""
    report = nodewatch_json(m, "disks")
    if report is None:
        return
    by_name = {link["name"]: disk for disk in report["disks"] for link in disk["by_id"]}
    for name, transport in ZOO_TRANSPORTS.items():
        got = by_name.get(name, {}).get("transport")
        expect(got == transport, f"nodewatch disks: {name} is {transport} (got {got})", m.name)
    bridged = by_name.get("usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0", {})
    expect(
        (bridged.get("bridge") or {}).get("driver") == "usb-storage" and not bridged.get("wwn"),
        "nodewatch disks: the bridged WD has a usb-storage bridge and no WWN",
        m.name,
    )
    expect(
        any(disk["transport"] == "mmc" for disk in report["disks"]),
        "nodewatch disks: the SD card is mmc",
        m.name,
    )
    plain = m.run(f"{NODEWATCH} disks", timeout=120)
    expect(
        plain.rc == 0 and all(name in plain.out for name in ZOO_TRANSPORTS),
        "nodewatch disks (plain) names every disk",
        m.name,
    )


def check_node_health(m: Machine) -> None:
    """The node-health probes on a real kernel and journal (issue 13). A QEMU guest has no Pi
    firmware, no eMMC and is not NixOS: those probes say nothing. The SD
    card, ext4 with errors=remount-ro mounted at /nix, gets an ext4 error (the kernel's own
    trigger_fs_error): the kernel remounts it read-only and logs it, and nodewatch reads the
    line from the journal (journalctl -k --show-cursor): one critical finding, though the mount
    still reads rw on this kernel."""
    card = next(name for name in m.sh("ls /dev/disk/by-id").split() if name.startswith("mmc-"))
    device = m.sh(f"readlink -f /dev/disk/by-id/{card}").strip()
    name = device.removeprefix("/dev/")
    m.sh(f"mkfs.ext4 -q -F {device} && mkdir -p /nix && mount -o errors=remount-ro {device} /nix")
    m.sh(f"echo nodewatch-lab > /sys/fs/ext4/{name}/trigger_fs_error && sleep 1")
    said = m.run("journalctl -k -b -o cat | grep -iE 'read-only|nodewatch-lab'").out
    log(f"kernel after trigger_fs_error on {name}:\n{said}")
    # Observed here (Debian 12, Linux 6.1): the kernel says "Remounting filesystem read-only" but
    # ext4 now shuts the filesystem down instead of setting SB_RDONLY, so mountinfo (mount and
    # superblock options alike) still says rw: only the kernel log tells. Recorded, not asserted.
    mounted = m.sh("awk '$5 == \"/nix\" {print $6, $NF}' /proc/self/mountinfo").strip()
    write = m.run("touch /nix/after-the-error")
    log(f"/nix after the error: mount and superblock options {mounted}; a write: rc={write.rc} {write.err}")
    report = nodewatch_json(m, "diagnose")
    if report is None:
        return
    probes = {probe["name"]: probe["outcome"] for probe in report["probes"]}
    expect(probes.get("kernel_log") == "ok" and probes.get("space") == "ok", f"probes: {probes}", m.name)
    expect(
        not {"power", "flash", "nixos"} & set(probes),
        "no Pi firmware, eMMC or NixOS in the guest: those probes say nothing",
        m.name,
    )
    log(f"thermal probe in the guest: {probes.get('thermal', 'skipped: no sensor')}")
    read_only = [f for f in report["findings"] if f["code"] == "filesystem-read-only"]
    expect(
        [(f["severity"], f["summary"]) for f in read_only]
        == [(2, f"{device} (/nix) was remounted read-only by the kernel after errors")],
        f"nodewatch diagnose: one critical filesystem-read-only for {device} (got {read_only})",
        m.name,
    )
    m.run("umount /nix")
