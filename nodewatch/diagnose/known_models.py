"""Drive models with known problems in pools, each with its source."""

from __future__ import annotations

import re

# Drive-managed SMR disks sold as NAS drives: they time out or throw IDNF errors
# during resilvers (openzfs/zfs#10214, #15033; WD's own list, via
# https://www.truenas.com/docs/hardware/notices/componentarticles/wdsmr/).
# Larger EFAX models (8 TB and up) are CMR: match exact capacities.
_SMR = re.compile(r"WD[C_ ]*\s*WD(20|30|40|60)EFAX", re.IGNORECASE)
SMR_SOURCE = "openzfs/zfs#10214, TrueNAS WD SMR notice"


def smr_note(model: str | None) -> str | None:
    """Given a drive model string, return why it is a poor raidz member, or None."""
    if model and _SMR.search(model.replace("-", " ")):
        return f"{model} is a drive-managed SMR disk: resilvers can fail or take days on it ({SMR_SOURCE})"
    return None
