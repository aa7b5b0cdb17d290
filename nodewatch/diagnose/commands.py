"""Shell-quoted zpool command lines, built in one place.

by-id names contain `:` (usb-…-0:0) and may contain anything a bridge
reports, pool names may contain odd characters: every argument is quoted
with shlex so a suggested command can be pasted as it is.
"""

from __future__ import annotations

import json
import shlex


def zpool(*args: str | int) -> str:
    return shlex.join(["zpool", *(str(arg) for arg in args)])


def both(first: str, second: str) -> str:
    """Two commands on one line, the second only if the first worked."""
    return f"{first} && {second}"


def set_path_and_online(pool: str, guid: int | str, path: str) -> str:
    # Proven on OpenZFS 2.3.2 (shared/lab/NOTES.md): the member comes back with a
    # short resilver of what it missed, while the pool stays imported.
    return both(zpool("set", f"path={path}", pool, guid), zpool("online", pool, guid))


def set_paths_and_online(pool: str, members: list[tuple[int | str, str]]) -> str:
    """Every member pointed at its current name and brought online, in one line: each step
    runs only if the one before worked (proven with two members on OpenZFS 2.3.2, lab
    scenario members-blank)."""
    return " && ".join(set_path_and_online(pool, guid, path) for guid, path in members)


def export_import(pool: str, search_dir: SearchDirs = "/dev/disk/by-id") -> str:
    # Import scans search_dir, finds the member by its label and records the
    # path it found: works on every OpenZFS version, but the pool must be unused.
    # None: the platform's default search (FreeBSD /dev with GEOM labels, illumos /dev/dsk).
    # Several: each `-d` a directory or one device (zpool-import(8) "-d dir|device"), e.g.
    # every member's own path where a by-id scan would miss one (two bridges, one serial).
    return both(zpool("export", pool), import_pool(pool, search_dir))


# Where `zpool import` looks: a directory, several directories or devices (one `-d` each),
# or None for the platform's default search.
SearchDirs = str | tuple[str, ...] | None


def _search_args(search_dir: SearchDirs) -> tuple[str, ...]:
    dirs = (search_dir,) if isinstance(search_dir, str) else search_dir or ()
    return tuple(arg for d in dirs for arg in ("-d", d))


def import_pool(pool: str, search_dir: SearchDirs, *options: str) -> str:
    # Scans search_dir (None: the platform's default search) for the pool's members by label.
    return zpool("import", *_search_args(search_dir), *options, pool)


def import_listing(search_dir: SearchDirs) -> str:
    # Without a pool name `zpool import` only lists what it finds: read-only.
    return zpool("import", *_search_args(search_dir))


def online(pool: str, device: str | int) -> str:
    return zpool("online", pool, device)


def clear(pool: str, device: str | int | None = None) -> str:
    return zpool("clear", pool) if device is None else zpool("clear", pool, device)


def clear_and_online(pool: str, guid: int | str) -> str:
    return both(clear(pool, guid), online(pool, guid))


def replace(pool: str, guid: int | str, new_path: str) -> str:
    # By guid: the old name may no longer resolve (openzfs/zfs#1174).
    return zpool("replace", pool, guid, new_path)


def offline_then_replace(pool: str, guid: int | str, disk_path: str) -> str:
    """Rebuild a member onto the drive that was its own, after taking the member offline.

    ZED knows the drive by its serial (the member's devid): when `zpool replace` partitions it,
    ZED tries to online the missing member on the new partition at the same moment, and the
    replace fails with "cannot open '…-part1': Device or resource busy" (seen in the lab on
    OpenZFS 2.3.2). ZED leaves an offline member alone (cmd/zed/agents/zfs_mod.c,
    zfs_process_add). Proven on 2.3.2 and 2.1.11: lab scenario members-blank.
    """
    return both(zpool("offline", pool, guid), replace(pool, guid, disk_path))


def scrub(pool: str) -> str:
    return zpool("scrub", pool)


def status_all() -> str:
    return zpool("status")


def status_guids(pool: str) -> str:
    return zpool("status", "-g", pool)


def status_verbose(pool: str) -> str:
    return zpool("status", "-v", pool)


def remove(pool: str, device: str | int) -> str:
    return zpool("remove", pool, device)


def detach(pool: str, device: str | int) -> str:
    return zpool("detach", pool, device)


def labelclear_then_replace(pool: str, guid: int | str, partition_path: str, disk_path: str) -> str:
    # The costly path: wipes the label so replace accepts the same disk, then a full resilver.
    return both(zpool("labelclear", "-f", partition_path), replace(pool, guid, disk_path))


def space_used(pool: str) -> str:
    """Which datasets and snapshots of a pool use its space, largest first (read-only)."""
    return shlex.join(["zfs", "list", "-o", "name,used,usedbysnapshots", "-S", "used", "-r", pool])


def smartctl(*args: str) -> str:
    """`smartctl` with its arguments quoted: read-only reads and self-tests only."""
    return shlex.join(["smartctl", *args])


def usb_storage_quirk(vendor_id: str, product_id: str) -> str:
    """The kernel parameter that makes a USB bridge use usb-storage instead of UAS."""
    return f"usb-storage.quirks={vendor_id.lower()}:{product_id.lower()}:u"


def nixos_kernel_params(parameter: str) -> str:
    """A kernel parameter as a NixOS configuration line."""
    return f"boot.kernelParams = [ {json.dumps(parameter)} ];"


def directory_usage(mountpoint: str) -> str:
    """What uses a filesystem's space, one level deep, this filesystem only (read-only)."""
    return shlex.join(["du", "-xh", "-d", "1", mountpoint])


def journal_vacuum(size: str = "200M") -> str:
    """Shrink the systemd journal to `size` (drops the oldest logs only)."""
    return shlex.join(["journalctl", f"--vacuum-size={size}"])


def nix_collect_garbage(older_than: str = "30d") -> str:
    """Delete NixOS system generations older than `older_than`, then unreferenced store paths."""
    return shlex.join(["nix-collect-garbage", "--delete-older-than", older_than])


def nixos_rewrite_boot() -> str:
    """Rewrite the boot loader's entries for the generations that are left (frees /boot)."""
    return shlex.join(["/run/current-system/bin/switch-to-configuration", "boot"])


def reboot() -> str:
    return shlex.join(["systemctl", "reboot"])


def kernel_messages_since_boot() -> str:
    """The kernel log of this boot (read-only)."""
    return shlex.join(["journalctl", "-k", "-b"])


def btrfs(*args: str | int) -> str:
    return shlex.join(["btrfs", *(str(arg) for arg in args)])


def remount(mountpoint: str) -> str:
    # As /etc/fstab says (subvolume, options): a plain `mount <device> <dir>` would mount the
    # default subvolume instead.
    return both(shlex.join(["umount", mountpoint]), shlex.join(["mount", mountpoint]))


def btrfs_scrub_start(mountpoint: str) -> str:
    # Reads every copy of every block, repairs a bad copy from a good one (DUP, RAID1…);
    # runs in the background, `btrfs scrub status` shows its progress and result.
    return btrfs("scrub", "start", mountpoint)


def btrfs_scrub_status(mountpoint: str) -> str:
    return btrfs("scrub", "status", mountpoint)


def btrfs_scrub_resume(mountpoint: str) -> str:
    return btrfs("scrub", "resume", mountpoint)


def btrfs_stats_reset(device: str) -> str:
    # Prints the counters and sets them to zero: new errors stand out afterwards.
    return btrfs("device", "stats", "-z", device)


def btrfs_balance_data(mountpoint: str, usage_percent: int) -> str:
    # The filtered form: only data chunks at most usage_percent full are rewritten, so the
    # work is bounded and whole chunks go back to unallocated space (never a full balance).
    return btrfs("balance", "start", f"-dusage={usage_percent}", mountpoint)


def btrfs_convert_metadata(mountpoint: str, profile: str) -> str:
    # soft: chunks already in the target profile are left alone (resumable, idempotent).
    return btrfs("balance", "start", f"-mconvert={profile},soft", mountpoint)


def btrfs_convert(mountpoint: str, data: str, metadata: str) -> str:
    return btrfs("balance", "start", f"-dconvert={data},soft", f"-mconvert={metadata},soft", mountpoint)


def kernel_log_grep(pattern: str) -> str:
    return shlex.join(["journalctl", "-k", "-g", pattern])
