"""The real-ZFS lab: build a Debian guest image, boot it under QEMU, drive disks and commands."""
