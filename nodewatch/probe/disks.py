"""The disk inventory of this node: udev, then SMART for each disk that has it.

One call for `nodewatch disks` and for a Snapshot's collection, so both read
the node the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nodewatch.config import SmartSettings
from nodewatch.model import Inventory, ProbeOutcome, ProbeResult, RawOutput
from nodewatch.parse.inventory import build_inventory
from nodewatch.probe import smartctl, udev


@dataclass(frozen=True, slots=True)
class DiskCollection:
    inventory: Inventory | None  # None: no udev, so no inventory (probes say why)
    probes: tuple[ProbeResult, ...] = ()
    raw: tuple[RawOutput, ...] = ()  # smartctl outputs, for re-parsing a Snapshot


def collect(smart_settings: SmartSettings | None = None, *, root: Path = Path("/")) -> DiskCollection:
    """Given the [smart] config section (None = no SMART), return the inventory of this node.

    Never raises: udev missing gives inventory None; SMART problems become reasons.
    """
    records, udev_result = udev.read_block_devices(root)
    if udev_result.outcome is not ProbeOutcome.OK:
        return DiskCollection(None, (udev_result,))
    inventory = build_inventory(records, source="udev")
    if smart_settings is None or not smart_settings.enabled:
        return DiskCollection(inventory, (udev_result,))
    smart, raw, smart_result = smartctl.read_all(
        inventory.disks,
        command=smart_settings.smartctl_command,
        timeout=smart_settings.timeout_seconds,
    )
    inventory = build_inventory(records, source="udev", smart_by_devnode=smart)
    return DiskCollection(inventory, (udev_result, smart_result), raw)
