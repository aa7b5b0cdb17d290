"""Kernel block device names (sda, sda1, nvme0n1p2, mmcblk0p1): which disk a
partition is on, and the order people expect them in."""

from __future__ import annotations

import re

# sdc1 → sdc; nvme0n1p2 → nvme0n1; mmcblk0p1 → mmcblk0 (a name ending in a digit takes `p`).
_PARTITION_NAME = re.compile(r"^(.*?\d)p\d+$|^(\D+)\d+$")
_DIGITS = re.compile(r"(\d+)")


def disk_name(partition_name: str) -> str:
    """Given a partition's kernel name, return its disk's (a name that is no partition is kept)."""
    match = _PARTITION_NAME.match(partition_name)
    return (match[1] or match[2]) if match else partition_name


def natural_key(name: str) -> list[object]:
    """Sort key putting sdb before sdaa and nvme2n1 before nvme10n1: numbers compared as numbers."""
    return [int(part) if part.isdigit() else part for part in _DIGITS.split(name)]
