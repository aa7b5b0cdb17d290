"""/proc/self/mounts parsing.

SYNTHETIC lines, written by hand in the format of proc_pid_mounts(5) (octal
escapes for spaces); the e2e lab checks the parser on a real guest's mounts.
"""

from nodewatch.parse.mounts import parse_mounts

PROC_MOUNTS = (
    "rpool/root / zfs rw,relatime,xattr,posixacl,casesensitive 0 0\n"
    "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
    "bigdata/media /mnt/my\\040media zfs rw,noatime,xattr,noacl,casesensitive 0 0\n"
    "garbage\n"
)


def test_parse_mounts_reads_zfs_datasets_and_unescapes_spaces():
    mounts = parse_mounts(PROC_MOUNTS)
    assert [(m.source, m.target, m.fstype) for m in mounts] == [
        ("rpool/root", "/", "zfs"),
        ("proc", "/proc", "proc"),
        ("bigdata/media", "/mnt/my media", "zfs"),
    ]
