"""The rules, each a module with check(context) -> Iterable[Finding].

Listed in the order their findings are shown; a new rule is a new module here.
"""

from __future__ import annotations

RULES: tuple[str, ...] = (
    "probes",
    "pool_down",
    "pools",
    "data_errors",
    "imports",
    "members",
    "replacing",
    "spares",
    "scans",
    "capacity",
    "class_redundancy",
    "btrfs",
    "smart",
    "kernel_log",
    "power",
    "boot_media",
    "nixos",
    "hardware",
)
