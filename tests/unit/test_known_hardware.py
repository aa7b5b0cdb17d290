"""nodewatch/known_hardware.py: every entry keeps its source, and models match exactly."""

from __future__ import annotations

import pytest

from nodewatch import known_hardware as module


@pytest.mark.parametrize(
    "serial",
    ["152D00539000", "20170331000C3", "0000000000CA", "1234567890123", "RANDOM__622374CDBF83", "0000"],
)
def test_bogus_serial_reason_names_known_bridge_serials(serial: str) -> None:
    assert module.bogus_serial_reason(serial)


@pytest.mark.parametrize("serial", ["WD-WX62D229KY5H", "000000123AE8", "", None])
def test_bogus_serial_reason_leaves_other_serials_alone(serial: str | None) -> None:
    assert module.bogus_serial_reason(serial) is None


@pytest.mark.parametrize(
    ("model", "smr"),
    [
        ("WDC WD40EFAX-68JH4N0", True),
        ("WDC_WD20EFAX-68FB5N0", True),
        ("WD60EFAX", True),
        ("WDC WD80EFAX-68LHPN0", False),  # 8 TB EFAX is CMR
        ("WDC WD140EFAX-68VBLN0", False),
        ("WDC WD40EFZX-68AWUN0", False),  # Red Plus
        ("WDC WD40EFRX-68N32N0", False),
        ("ST5000LM000-2AN170", True),
        (None, False),
    ],
)
def test_smr_warning_matches_exact_models_with_a_source(model: str | None, smr: bool) -> None:
    warning = module.smr_warning(model)
    assert bool(warning) is smr
    if warning:
        assert "openzfs/zfs#" in warning


def test_every_bridge_note_and_serial_has_a_source() -> None:
    for serial, source in module.BOGUS_BRIDGE_SERIALS.items():
        assert "#" in source or "rules" in source or "ANCHORS" in source, serial
    for ids, chip in module.KNOWN_BRIDGES.items():
        assert chip.note is None or "(" in chip.note, ids
