"""/proc/self/mountinfo parsing.

SYNTHETIC lines, written by hand in the layout of proc_pid_mountinfo(5) (octal
escapes for spaces, optional fields before the `-`); the e2e lab reads a real
guest's mountinfo through the same parser.
"""

from nodewatch.parse.mounts import parse_mountinfo

MOUNTINFO = (
    "22 1 0:25 / / rw,relatime shared:1 - zfs rpool/root rw,xattr,posixacl\n"
    "23 22 0:21 / /proc rw,relatime - proc proc rw\n"
    "40 22 0:44 / /mnt/my\\040media rw,noatime shared:20 master:3 - zfs bigdata/media rw,xattr\n"
    "garbage\n"
    "41 22 8:33 / /srv rw - ext4\n"
)


def test_parse_mountinfo_reads_zfs_datasets_and_unescapes_spaces():
    mounts = parse_mountinfo(MOUNTINFO)
    assert [(m.source, m.target, m.fstype, m.device) for m in mounts] == [
        ("rpool/root", "/", "zfs", "0:25"),
        ("proc", "/proc", "proc", "0:21"),
        ("bigdata/media", "/mnt/my media", "zfs", "0:44"),
    ]
