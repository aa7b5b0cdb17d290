"""The domain of nodewatch: pools, vdevs, disks, findings.

Everything here is a frozen dataclass so a Snapshot can be shared between the
collector, the web server and the alerter without copies or locks, and so
that two parsers (JSON and text) can be checked for equality field by field.
Nothing in this module does I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import NewType

# A ZFS guid is an unsigned 64-bit integer: exact in Python, lossy in
# JavaScript, so serialisation writes it as a decimal string (see serialize.py).
Guid = NewType("Guid", int)


# ─── pools ──────────────────────────────────────────────────────────────────


class VdevType(enum.StrEnum):
    """What a node of the vdev tree is. Class groups are nodes too, so the
    tree mirrors what `zpool status` prints."""

    ROOT = "root"
    DISK = "disk"
    FILE = "file"
    MIRROR = "mirror"
    RAIDZ1 = "raidz1"
    RAIDZ2 = "raidz2"
    RAIDZ3 = "raidz3"
    DRAID = "draid"
    SPARE = "spare"  # spare-N: a member being stood in for by a hot spare
    REPLACING = "replacing"
    INDIRECT = "indirect"  # left behind by `zpool remove`
    MISSING = "missing"
    HOLE = "hole"
    # class groups
    LOGS = "logs"
    CACHE = "cache"
    SPECIAL = "special"
    DEDUP = "dedup"
    SPARES = "spares"
    UNKNOWN = "unknown"


# The class groups: nodes under the root that hold top-level vdevs of a special class.
CLASS_GROUPS = frozenset({VdevType.LOGS, VdevType.CACHE, VdevType.SPECIAL, VdevType.DEDUP, VdevType.SPARES})


# States as `zpool status` text prints them. The JSON output says CANT_OPEN
# where the text says UNAVAIL; parsers normalise to these spellings.
ONLINE = "ONLINE"
DEGRADED = "DEGRADED"
FAULTED = "FAULTED"
OFFLINE = "OFFLINE"
UNAVAIL = "UNAVAIL"
REMOVED = "REMOVED"
SUSPENDED = "SUSPENDED"
AVAIL = "AVAIL"  # spare states
INUSE = "INUSE"
HEALTHY_STATES = frozenset({ONLINE, AVAIL, INUSE})


@dataclass(frozen=True, slots=True)
class Vdev:
    """One node of a pool's vdev tree, the same whichever output it came from.

    Naming convention (parse/zpool_names.py), so `zpool status` text and
    `zpool status -j` give equal Vdevs: `name` is what plain `zpool status`
    prints (short device name, `raidz1-0`, the pool name for the root, the
    guid of a missing member); `path` is the full device path when the output
    gives it (`-P` text, JSON, a missing member's `was …`). The root's children
    are the top-level vdevs, then class groups (logs, cache, special, dedup,
    spares) as nodes of those types with an empty state.
    """

    name: str  # as zpool prints it: wwn-0x…, raidz1-0, a guid for a missing one
    type: VdevType
    state: str  # ONLINE, DEGRADED, … (kept verbatim if unknown)
    guid: Guid | None = None
    path: str | None = None  # device path ZFS opens (with -part1 for whole disks)
    devid: str | None = None  # by-id name ZFS recorded, e.g. ata-MODEL_SERIAL-part1
    phys_path: str | None = None  # by-path name ZFS recorded
    was_path: str | None = None  # "was /dev/…": the path of a member that is not present
    not_present: bool = False
    read_errors: int = 0
    write_errors: int = 0
    checksum_errors: int = 0
    note: str = ""  # trailing text: "too many errors", "(resilvering)", "was /dev/…"
    children: tuple[Vdev, ...] = ()

    @property
    def is_leaf(self) -> bool:
        return self.type in (VdevType.DISK, VdevType.FILE)

    def walk(self) -> tuple[Vdev, ...]:
        """Return this vdev and all below it, depth first, in print order."""
        out: list[Vdev] = [self]
        for child in self.children:
            out.extend(child.walk())
        return tuple(out)


class ScanFunction(enum.StrEnum):
    NONE = "none"
    SCRUB = "scrub"
    RESILVER = "resilver"
    REBUILD = "rebuild"  # sequential (dRAID/mirror) rebuild
    ERRORSCRUB = "errorscrub"


class ScanState(enum.StrEnum):
    NONE = "none"  # never scanned
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"
    CANCELED = "canceled"
    PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class Scan:
    function: ScanFunction = ScanFunction.NONE
    state: ScanState = ScanState.NONE
    start_time: datetime | None = None  # node-local wall time, naive, as zpool prints it
    end_time: datetime | None = None
    percent_done: float | None = None
    rate_bytes_per_second: int | None = None
    eta_seconds: int | None = None  # None = "no estimated completion time"
    scanned_bytes: int | None = None
    issued_bytes: int | None = None
    total_bytes: int | None = None
    repaired_bytes: int | None = None  # "repaired" (scrub) or "resilvered" amount
    errors: int | None = None
    duration_seconds: int | None = None
    text: str = ""  # the scan: lines as printed, for humans


@dataclass(frozen=True, slots=True)
class Capacity:
    size_bytes: int
    allocated_bytes: int
    free_bytes: int
    fragmentation_percent: int | None = None
    capacity_percent: int | None = None


@dataclass(frozen=True, slots=True)
class Pool:
    name: str
    state: str
    guid: Guid | None = None
    status: str | None = None  # "status:" prose, whitespace folded
    action: str | None = None
    msgid: str | None = None  # ZFS-8000-xx
    see_url: str | None = None
    scan: Scan = field(default_factory=Scan)
    root: Vdev | None = None  # the tree; its children are top-level vdevs and class groups
    error_count: int | None = None  # data errors; None when not said
    errors_text: str | None = None  # "No known data errors", …
    error_files: tuple[str, ...] = ()
    capacity: Capacity | None = None
    unparsed_lines: tuple[str, ...] = ()  # lines the parser did not understand, kept verbatim

    def vdevs(self) -> tuple[Vdev, ...]:
        """Return every vdev below the root, depth first."""
        return self.root.walk()[1:] if self.root else ()

    def leaves(self) -> tuple[Vdev, ...]:
        return tuple(v for v in self.vdevs() if v.is_leaf)


class PoolSource(enum.StrEnum):
    JSON = "json"  # zpool status -j (OpenZFS ≥ 2.3)
    TEXT = "text"  # zpool status -P -v text, every version


@dataclass(frozen=True, slots=True)
class PoolStatus:
    """What one read of `zpool status` gave: the pools, and what was not understood."""

    pools: tuple[Pool, ...] = ()
    source: PoolSource = PoolSource.TEXT
    unparsed_lines: tuple[str, ...] = ()  # outside any pool


# ─── disks ──────────────────────────────────────────────────────────────────


class Transport(enum.StrEnum):
    """How a disk is attached, or, for a block device that is no disk at all, what it is
    (optical, device-mapper: listed from a by-id listing, never a replacement candidate).
    Decided once, in the inventory; everyone else reads it."""

    SATA = "sata"
    USB = "usb"  # behind a USB bridge (see UsbBridge)
    NVME = "nvme"
    MMC = "mmc"  # SD card / eMMC
    VIRTIO = "virtio"
    SCSI = "scsi"  # SAS / plain SCSI
    UNKNOWN = "unknown"
    OPTICAL = "optical"  # a CD/DVD/Blu-ray drive (sr0), on whatever bus: not a disk
    DEVICE_MAPPER = "device-mapper"  # dm-N: a LUKS mapping or LVM volume on other disks

    @property
    def is_disk(self) -> bool:
        return self not in (Transport.OPTICAL, Transport.DEVICE_MAPPER)


@dataclass(frozen=True, slots=True)
class ByIdLink:
    name: str  # the name under /dev/disk/by-id/, e.g. ata-WDC_WD40EFZX-68AWUN0_WD-WX62D229KY5H
    kind: str  # its prefix: ata, wwn, usb, nvme, nvme-eui, mmc, scsi, virtio, dm, md, …
    positional: bool = False  # usb-…-0:N names that follow the bay, not the drive
    # Other devices claiming the same name (two bridges reporting one serial): udev points
    # the link at one of them, not always the same one, so it names no device for sure.
    shared_with: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return f"/dev/disk/by-id/{self.name}"

    @property
    def shared(self) -> bool:
        return bool(self.shared_with)


# By-id kinds in the order a human should use them: the drive's own identity first.
_LINK_KIND_ORDER = ("ata", "nvme", "wwn", "scsi", "usb", "virtio", "mmc")


def preferred_link(links: tuple[ByIdLink, ...]) -> ByIdLink | None:
    """Given a disk's or a partition's by-id links, return the one to type: names that follow
    the drive before those that follow the bay, then by kind (ata, nvme, wwn, …), then by name.
    A name another device claims as well is never one to type: None when only such are left."""
    ranked = sorted(
        (link for link in links if not link.shared),
        key=lambda link: (
            link.positional,
            _LINK_KIND_ORDER.index(link.kind) if link.kind in _LINK_KIND_ORDER else len(_LINK_KIND_ORDER),
            link.name,
        ),
    )
    return ranked[0] if ranked else None


@dataclass(frozen=True, slots=True)
class UsbBridge:
    driver: str  # "uas" or "usb-storage"
    vendor_id: str | None = None  # "152d"
    product_id: str | None = None  # "0578"
    vendor_name: str | None = None
    product_name: str | None = None
    port_path: str | None = None  # USB topology, e.g. "0:1:1.0" from ID_PATH
    serial: str | None = None  # the serial the bridge reports
    serial_is_drives: bool | None = None  # True when it matches the drive's own serial
    bogus_serial_reason: str | None = None  # why the serial cannot identify a drive


@dataclass(frozen=True, slots=True)
class ZfsMember:
    """A partition whose ZFS label says it belongs to a pool (from udev/blkid)."""

    pool_name: str | None
    pool_guid: Guid | None
    vdev_guid: Guid | None


@dataclass(frozen=True, slots=True)
class Partition:
    devnode: str  # /dev/sdc1
    number: int | None = None
    size_bytes: int | None = None
    fs_type: str | None = None
    fs_label: str | None = None
    fs_uuid: str | None = None
    partuuid: str | None = None
    by_id: tuple[ByIdLink, ...] = ()
    by_partuuid: str | None = None
    mountpoints: tuple[str, ...] = ()
    zfs: ZfsMember | None = None


@dataclass(frozen=True, slots=True)
class SmartAttribute:
    """One row of an ATA drive's SMART attribute table."""

    id: int
    name: str
    value: int | None = None  # normalised, as the vendor scales it
    worst: int | None = None
    threshold: int | None = None  # the vendor's THRESH; the attribute fails at or below it
    raw: int | None = None  # the first number of the printed raw value (packed fields cut off)
    raw_string: str = ""
    prefailure: bool = False  # Pre-fail (P) rather than Old_age
    when_failed: str = ""  # "now", "past" or "" (smartctl's WHEN_FAILED / FAIL column)


@dataclass(frozen=True, slots=True)
class SmartInfo:
    """What smartctl (JSON or text) said of one disk, reduced to what nodewatch judges.

    Facts only; the verdict on them is nodewatch/diagnose/smart.py.
    """

    available: bool
    reason: str | None = None  # why not available, or why incomplete
    device_type: str | None = None  # the -d type that worked: sat, nvme, …
    in_standby: bool = False  # not read, to avoid spinning the disk up
    passed: bool | None = None  # overall health self-assessment
    exit_flags: tuple[str, ...] = ()  # names of the smartctl exit-status bits set
    model: str | None = None
    serial: str | None = None  # the drive's own serial, read through any bridge
    wwn: str | None = None
    firmware: str | None = None
    temperature_celsius: int | None = None
    power_on_hours: int | None = None
    reallocated_sectors: int | None = None  # ATA 5
    pending_sectors: int | None = None  # ATA 197
    offline_uncorrectable: int | None = None  # ATA 198
    udma_crc_errors: int | None = None  # ATA 199
    last_self_test: str | None = None
    nvme_critical_warning: int | None = None
    nvme_percentage_used: int | None = None
    nvme_media_errors: int | None = None  # "Media and Data Integrity Errors"
    protocol: str | None = None  # ATA, NVMe, SCSI
    source: str = "json"  # json (smartctl -j) or text (plain smartctl output)
    device: str | None = None  # the device smartctl was asked about (/dev/sdc)
    reported_uncorrectable: int | None = None  # ATA 187
    command_timeouts: int | None = None  # ATA 188
    attributes: tuple[SmartAttribute, ...] = ()
    temperature_limit_celsius: int | None = None  # the drive's own: SCT op limit, NVMe WCTEMP, SCSI trip
    temperature_critical_celsius: int | None = None  # SCT absolute limit, NVMe CCTEMP
    nvme_available_spare: int | None = None  # percent
    nvme_available_spare_threshold: int | None = None
    nvme_error_log_entries: int | None = None
    scsi_grown_defects: int | None = None
    scsi_uncorrected_errors: int | None = None  # read + write + verify
    error_log_count: int | None = None  # ATA error log: errors the drive recorded over its life
    self_test_failures: int | None = None  # failed entries in the self-test log
    last_self_test_passed: bool | None = None  # None: no self-test logged, or still running
    bridge_ids: str | None = None  # "152d:0578" when smartctl named a USB bridge it does not know


@dataclass(frozen=True, slots=True)
class Disk:
    devnode: str  # /dev/sdc
    transport: Transport
    model: str | None = None
    vendor: str | None = None
    serial: str | None = None  # best known serial of the drive itself
    wwn: str | None = None
    size_bytes: int | None = None
    rotational: bool | None = None
    removable: bool | None = None
    by_id: tuple[ByIdLink, ...] = ()
    by_path: tuple[str, ...] = ()
    bridge: UsbBridge | None = None
    partitions: tuple[Partition, ...] = ()
    smart: SmartInfo | None = None
    warnings: tuple[str, ...] = ()  # known-problem model, bogus serial, positional name
    # udev's DEVPATH (/devices/…/usb2/2-1/2-1.2/2-1.2:1.0/host1/…/block/sdc): the kernel names
    # (USB port 2-1.2, ata3, host1) its log lines use for this disk; None in older snapshots
    sysfs_path: str | None = None

    def preferred_by_id(self) -> ByIdLink | None:
        """Return the by-id name a human should use: drive identity over bay position."""
        return preferred_link(self.by_id)


class InventorySource(enum.StrEnum):
    """Where an inventory came from: how much of a disk it can know."""

    UDEV = "udev"  # the live udev database (and SMART) of this node
    UDEV_DB = "udev-db"  # a saved `udevadm info --export-db`: no SMART
    BY_ID_LISTING = "by-id-listing"  # a saved `ls -l /dev/disk/by-id`: names only


@dataclass(frozen=True, slots=True)
class Inventory:
    disks: tuple[Disk, ...] = ()
    source: InventorySource = InventorySource.UDEV
    problems: tuple[str, ...] = ()  # entries that could not be understood, kept


# ─── collection ─────────────────────────────────────────────────────────────


class ProbeOutcome(enum.StrEnum):
    OK = "ok"
    NO_DATA = "no_data"  # the thing is not there (no ZFS, no smartctl): not an error
    # It is there but failed: timeout, permission, garbage, module not loaded. Written "error",
    # the word JSON schema 1 gave it (docs/json.md); `error_kind` says which failure.
    FAILED = "error"

    @classmethod
    def _missing_(cls, value: object) -> ProbeOutcome | None:
        # Snapshots written by the builds of 2026-12-04 (bad85f1 up to the fix) said "failed".
        return cls.FAILED if value == "failed" else None


class ProbeErrorKind(enum.StrEnum):
    """Why a probe gave no data or failed, for code to act on (the reason says it to people)."""

    NOT_INSTALLED = "not_installed"  # the program or library is not on this node (no_data)
    ABSENT = "absent"  # what it reads is not there: no udev database, no /proc (no_data)
    # zpool is installed but cannot reach ZFS: module not loaded, no /dev/zfs, libzfs init failed
    ZFS_UNAVAILABLE = "zfs_unavailable"
    PERMISSION_DENIED = "permission_denied"
    TIMED_OUT = "timed_out"  # killed at its timeout, or not started: the pass's deadline had passed
    BAD_OUTPUT = "bad_output"  # ran, but printed something that is not what it claims to be
    COMMAND_FAILED = "command_failed"  # exited non-zero for another reason
    READ_FAILED = "read_failed"  # a file or library read failed part way


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """How one probe went. `error_kind` is None exactly when `outcome` is OK."""

    name: str  # zpool, kstat, mounts, udev, smartctl
    outcome: ProbeOutcome
    reason: str | None = None  # "`zpool status -j` did not finish within 20 s (killed)", …
    duration_seconds: float = 0.0
    error_kind: ProbeErrorKind | None = None


@dataclass(frozen=True, slots=True)
class RawOutput:
    """One command's output as collected, kept so a Snapshot can be re-parsed."""

    command: str
    stdout: str
    returncode: int | None = None
    stderr: str = ""
    probe: str | None = None  # the probe that ran it (zpool, smartctl); None in older snapshots


@dataclass(frozen=True, slots=True)
class Mount:
    """One mount of /proc/self/mountinfo: which ZFS datasets are in use, whether a pool holds /,
    and where a partition is mounted."""

    source: str  # device or dataset: bigdata/media
    target: str  # mountpoint
    fstype: str
    device: str = ""  # major:minor, to find a block device's mountpoints
    read_only: bool = False  # mounted ro (by choice, or remounted after errors)


# ─── btrfs ──────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class BtrfsDeviceErrors:
    """One device's error counters (`btrfs device stats`): kept on disk by btrfs, they grow
    for the filesystem's whole life until reset with `btrfs device stats -z`."""

    write_io: int = 0  # writes the device failed
    read_io: int = 0  # reads the device failed
    flush_io: int = 0  # cache flushes the device failed
    corruption: int = 0  # blocks read whose checksum did not match (bad data, or a bad copy)
    generation: int = 0  # blocks older than expected (a write that never reached the disk)

    @property
    def total(self) -> int:
        return self.write_io + self.read_io + self.flush_io + self.corruption + self.generation


@dataclass(frozen=True, slots=True)
class BtrfsDevice:
    """One device of a btrfs filesystem (`btrfs filesystem show`)."""

    devid: int
    path: str | None  # /dev/sdb1; None: btrfs knows no path (a missing device)
    size: int | None = None  # bytes
    used: int | None = None  # bytes allocated on it
    missing: bool = False
    errors: BtrfsDeviceErrors | None = None  # None: `btrfs device stats` not read


class BtrfsScrubStatus(enum.StrEnum):
    NEVER = "never"  # "no stats available"
    RUNNING = "running"
    FINISHED = "finished"
    ABORTED = "aborted"  # cancelled
    INTERRUPTED = "interrupted"  # stopped by an unmount or a reboot; `btrfs scrub resume`


@dataclass(frozen=True, slots=True)
class BtrfsScrub:
    """The last scrub of a filesystem, as `btrfs scrub status` tells it."""

    status: BtrfsScrubStatus
    started: datetime | None = None  # node local wall time, naive (as printed)
    duration_seconds: int | None = None
    errors: dict[str, int] = field(default_factory=dict)  # read, super, verify, csum → count
    corrected: int = 0
    uncorrectable: int = 0
    unverified: int = 0


@dataclass(frozen=True, slots=True)
class BtrfsAllocation:
    """Chunks of one kind and profile (`Metadata,DUP: Size:…, Used:…`)."""

    kind: str  # Data, Metadata, System
    profile: str  # single, DUP, RAID1, RAID1C3, RAID10, RAID5, RAID6, RAID0, as printed
    size: int  # bytes allocated to it (before the profile's copies)
    used: int  # bytes of it in use


@dataclass(frozen=True, slots=True)
class BtrfsUsage:
    """`btrfs filesystem usage -b`: raw space on the devices and the chunks carved from it."""

    device_size: int | None = None
    device_allocated: int | None = None
    device_unallocated: int | None = None  # where new chunks come from
    device_missing: int | None = None
    used: int | None = None
    free_estimated: int | None = None
    global_reserve: int | None = None
    global_reserve_used: int | None = None
    allocations: tuple[BtrfsAllocation, ...] = ()


@dataclass(frozen=True, slots=True)
class BtrfsFilesystem:
    """One mounted btrfs filesystem: its devices with their error counters, its last scrub,
    its profiles and space. A field left None was not read (the probe result says why)."""

    uuid: str
    mountpoint: str  # where nodewatch read it (the first mount of it)
    label: str | None = None
    total_devices: int | None = None  # how many devices the filesystem has
    devices: tuple[BtrfsDevice, ...] = ()
    some_missing: bool = False  # `*** Some devices missing`
    usage: BtrfsUsage | None = None
    scrub: BtrfsScrub | None = None


class ExpectedFrom(enum.StrEnum):
    """Why nodewatch believes a pool should be imported on this node."""

    CACHE_FILE = "cache_file"  # listed in /etc/zfs/zpool.cache: the boot import tries it
    BOOT_IMPORT = "boot_import"  # the boot's zfs-import-* service tried it and said why it failed
    CONFIG = "config"  # named in nodewatch's config ([zfs] expected_pools; the NixOS module fills it)
    HISTORY = "history"  # the service saw it imported before
    IMPORT_LISTING = "import_listing"  # a pasted `zpool import` listing shows it (replay)


@dataclass(frozen=True, slots=True)
class ExpectedPool:
    """A pool that should be imported here, and what says so."""

    name: str
    guid: Guid | None = None
    sources: tuple[ExpectedFrom, ...] = ()
    boot_error: str | None = None  # "cannot import 'tank': one or more devices is currently unavailable"
    member_paths: tuple[str, ...] = ()  # where the cache file recorded its leaves


class KernelEventKind(enum.StrEnum):
    """What a kernel log line says happened to a disk's link, the disk, or the node's power."""

    USB_RESET = "usb_reset"  # usb 1-1.2: reset high-speed USB device number 3 …
    USB_DISCONNECT = "usb_disconnect"  # usb 1-1.2: USB disconnect, device number 3
    UAS_ABORT = "uas_abort"  # sd 0:0:0:0: [sdc] tag#2 uas_eh_abort_handler …
    UAS_RESET = "uas_reset"  # scsi host0: uas_eh_device_reset_handler start
    IO_ERROR = "io_error"  # I/O error, dev sdc, sector …
    ATA_LINK_RESET = "ata_link_reset"  # ata3: hard resetting link
    ATA_FAILED_COMMAND = "ata_failed_command"  # ata3.00: failed command: READ FPDMA QUEUED
    UNDER_VOLTAGE = "under_voltage"  # Under-voltage detected! (Pi firmware, hwmon)
    ZIO_ERROR = "zio_error"  # zio pool=tank vdev=/dev/… error=5 …
    READ_ONLY_REMOUNT = "read_only_remount"  # EXT4-fs (mmcblk0p2): Remounting filesystem read-only
    MMC_ERROR = "mmc_error"  # mmcblk0: error -110 sending status command, retrying


@dataclass(frozen=True, slots=True)
class KernelEvent:
    """One kernel log line about a disk, its link or the power, and the kernel name it names."""

    kind: KernelEventKind
    device: str  # sdc, USB port 1-1.2, ata3, host0, a vdev path (zio); "" for the node (power)
    line: str  # the message as logged, without the timestamp
    when: str = ""  # the timestamp as printed (journal, dmesg -T, dmesg uptime), "" if none
    # when the stamp names a full date and time: aware (ISO with offset) or node-local (dmesg -T)
    time: datetime | None = None
    pool: str | None = None  # zio lines name their pool


@dataclass(frozen=True, slots=True)
class KernelLog:
    """What the kernel log said (`journalctl -k`, `dmesg`): None in a Snapshot means not read."""

    events: tuple[KernelEvent, ...] = ()
    lines: int = 0  # lines read
    # Read live (probe/kernel_log.py): where from ("journal", "kmsg"), where the next read
    # starts (a journal cursor, or the last /dev/kmsg sequence number), and how many events
    # of this boot were let go to keep the list short (the oldest first).
    source: str = ""
    cursor: str | None = None
    dropped: int = 0


class ThrottleBit(enum.IntEnum):
    """The bits of the Raspberry Pi firmware's get_throttled word (vcgencmd get_throttled)."""

    UNDER_VOLTAGE = 0
    FREQUENCY_CAPPED = 1
    THROTTLED = 2
    SOFT_TEMPERATURE_LIMIT = 3
    UNDER_VOLTAGE_OCCURRED = 16
    FREQUENCY_CAPPED_OCCURRED = 17
    THROTTLED_OCCURRED = 18
    SOFT_TEMPERATURE_LIMIT_OCCURRED = 19


@dataclass(frozen=True, slots=True)
class Throttling:
    """The Pi firmware's throttling flags, as get_throttled reports them."""

    value: int  # the word: bit 0 under-voltage now … bit 19 soft temperature limit since boot
    source: str  # the file or command read: /sys/…/get_throttled, `vcgencmd get_throttled`, hwmon
    # hwmon's in0_lcrit_alarm (mainline kernels) knows under-voltage now and nothing else
    under_voltage_only: bool = False

    def has(self, bit: ThrottleBit) -> bool:
        return bool(self.value >> int(bit) & 1)


class SensorKind(enum.StrEnum):
    SOC = "soc"  # the CPU/SoC: thermal zones, cpu_thermal / coretemp / k10temp hwmon
    DRIVE = "drive"  # a disk's own sensor (drivetemp, nvme hwmon)
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Temperature:
    """One temperature sensor of the node, in °C, with the limits its driver reports."""

    sensor: str  # thermal zone type (cpu-thermal) or hwmon name (drivetemp), with its label
    kind: SensorKind
    celsius: float
    path: str  # the sysfs file read
    high: float | None = None  # where it throttles or warns (passive trip point, temp*_max)
    critical: float | None = None  # where the kernel shuts down or the driver says critical
    device: str | None = None  # the disk a drive sensor belongs to: sda, nvme0n1


@dataclass(frozen=True, slots=True)
class FlashWear:
    """An eMMC's own wear report (eMMC 5.0+, sysfs life_time / pre_eol_info)."""

    device: str  # mmcblk0
    life_time_a: int | None = None  # 0x01 = 0–10 % used … 0x0A = 90–100 %, 0x0B = past its life
    life_time_b: int | None = None
    pre_eol: int | None = None  # 0x01 normal, 0x02 warning (80 % of reserve used), 0x03 urgent
    name: str = ""  # the card's name (sysfs name), model-like


@dataclass(frozen=True, slots=True)
class FilesystemSpace:
    """How full one of the node's own filesystems is (/, /boot, /nix), from statvfs."""

    mountpoint: str
    size_bytes: int
    available_bytes: int  # to unprivileged writers, as df counts it
    used_bytes: int
    read_only: bool = False
    source: str = ""  # the mounted device: /dev/mmcblk0p2
    fstype: str = ""

    @property
    def used_percent(self) -> int:
        """Used of what can be used, rounded up as df prints Use%."""
        usable = self.used_bytes + self.available_bytes
        return 0 if usable <= 0 else -(-self.used_bytes * 100 // usable)


@dataclass(frozen=True, slots=True)
class NixosSystems:
    """The NixOS system the node booted and the one it runs now (/run/booted-system and
    /run/current-system): after a switch without a reboot, a new kernel is not running."""

    booted: str  # store path
    current: str
    booted_kernel: str | None = None  # the system's `kernel` link target
    current_kernel: str | None = None
    booted_modules: str | None = None  # the system's `kernel-modules` link target (ZFS's module)
    current_modules: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    hostname: str
    collected_at: datetime  # aware, UTC
    local_time: datetime | None = None  # node wall clock, naive, to age scan times against
    zfs_version: str | None = None  # userland, e.g. "2.3.2"
    pool_status: PoolStatus | None = None  # None: pools unavailable (see probes)
    inventory: Inventory | None = None
    mounts: tuple[Mount, ...] = ()
    btrfs: tuple[BtrfsFilesystem, ...] = ()  # mounted btrfs filesystems (probe btrfs)
    kstat_states: dict[str, str] = field(default_factory=dict)  # pool → state from /proc/spl/kstat
    expected_pools: tuple[ExpectedPool, ...] = ()  # pools that should be imported (cache file, boot, …)
    importable: PoolStatus | None = None  # `zpool import` listing (read-only); None: not looked
    kernel_log: KernelLog | None = None  # disk/link/power events of the kernel log; None: not read
    throttling: Throttling | None = None  # Pi firmware flags; None: not a Pi, or not read
    temperatures: tuple[Temperature, ...] = ()
    flash_wear: tuple[FlashWear, ...] = ()  # eMMC wear reports
    filesystems: tuple[FilesystemSpace, ...] = ()  # /, /boot, /nix
    nixos: NixosSystems | None = None  # booted vs current system; None: not NixOS, or not read
    probes: tuple[ProbeResult, ...] = ()
    raw: tuple[RawOutput, ...] = ()
    schema: int = 1

    @property
    def pools(self) -> tuple[Pool, ...]:
        return self.pool_status.pools if self.pool_status else ()

    @property
    def disks(self) -> tuple[Disk, ...]:
        return self.inventory.disks if self.inventory else ()


# ─── diagnosis ──────────────────────────────────────────────────────────────


class Severity(enum.IntEnum):
    """How bad a finding is; the value is its monitoring-plugin exit status."""

    INFO = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3  # could not tell: pools unavailable, probe failed


@dataclass(frozen=True, slots=True)
class Action:
    command: str  # one shell line, every argument quoted
    why: str  # one line: what it does
    check_first: str | None = None  # what to verify before running it
    destructive: bool = False  # loses data or costs a full resilver


@dataclass(frozen=True, slots=True)
class DiskRef:
    """The physical disk a finding is about, as a human would find it."""

    devnode: str | None = None
    by_id: str | None = None
    model: str | None = None
    serial: str | None = None
    transport: Transport | None = None
    port: str | None = None


@dataclass(frozen=True, slots=True)
class KnownMember:
    """The disk a pool member was last seen on, remembered by the service (history) so that
    diagnose can name a member whose disk is gone: model, serials, where it was plugged."""

    vdev_guid: Guid
    pool: str
    last_seen: datetime  # aware, UTC
    devnode: str | None = None
    model: str | None = None
    serial: str | None = None  # the drive's own serial
    bridge_serial: str | None = None  # what a USB bridge reports instead, if different
    wwn: str | None = None
    by_id: tuple[str, ...] = ()
    transport: Transport | None = None
    port: str | None = None  # "USB 0:1:1.0", a by-path name


@dataclass(frozen=True, slots=True, order=True)
class FindingKey:
    """What a finding is about, apart from its words: the same problem keeps its key from one
    report to the next while its summary (counters, ages, device names) changes.

    A pool member is named by its vdev guid, which survives renames and moves between ports;
    only a finding about a disk outside any known member falls back to the disk's identity.
    """

    code: str
    pool: str = ""
    vdev_guid: Guid | None = None
    # serial:…, by-id:…, dev:…, port:… when there is no vdev guid; fs:<mountpoint> (then |disk)
    # for a finding about a mounted filesystem; "" otherwise
    disk: str = ""

    def __str__(self) -> str:
        guid = "" if self.vdev_guid is None else str(self.vdev_guid)
        return "|".join((self.code, self.pool, guid, self.disk))

    @classmethod
    def parse(cls, text: str) -> FindingKey:
        """Return the key `str(key)` wrote."""
        code, pool, guid, disk = text.split("|", 3)
        return cls(code, pool, Guid(int(guid)) if guid else None, disk)


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    code: str  # stable, documented in docs/findings.md
    summary: str
    detail: str = ""
    pool: str | None = None
    vdev_guid: Guid | None = None
    disk: DiskRef | None = None
    evidence: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    filesystem: str | None = None  # the mounted filesystem (btrfs) it is about: its mountpoint

    @property
    def key(self) -> FindingKey:
        """The finding's identity across reports (see FindingKey)."""
        disk = ""
        if self.vdev_guid is None and self.disk is not None:
            ref = self.disk
            if ref.serial:
                disk = f"serial:{ref.serial}"
            elif ref.by_id:
                disk = f"by-id:{ref.by_id}"
            elif ref.devnode:
                disk = f"dev:{ref.devnode}"
            elif ref.port:
                disk = f"port:{ref.port}"
        if self.filesystem is not None:
            disk = f"fs:{self.filesystem}" + (f"|{disk}" if disk else "")
        return FindingKey(self.code, self.pool or "", self.vdev_guid, disk)


@dataclass(frozen=True, slots=True)
class Report:
    snapshot: Snapshot
    findings: tuple[Finding, ...] = ()
    schema: int = 1

    @property
    def exit_status(self) -> int:
        """Monitoring-plugin convention: 0 ok, 1 warning, 2 critical, 3 unknown.
        A known critical outranks an unknown: it is the thing to act on."""
        present = {finding.severity for finding in self.findings}
        for severity in (Severity.CRITICAL, Severity.UNKNOWN, Severity.WARNING):
            if severity in present:
                return int(severity)
        return 0
