"""The Pi firmware's throttling word, eMMC wear and temperatures, parsed from public outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from nodewatch.model import ThrottleBit, Throttling
from nodewatch.parse.node_health import (
    life_used,
    parse_life_time,
    parse_millidegrees,
    parse_pre_eol,
    parse_throttled,
    store_name,
)
from tests.support.recordings import body

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "node-health"
B = ThrottleBit


@pytest.mark.parametrize(
    ("name", "value", "bits"),
    [
        (
            "vcgencmd-0x50005-libreelec-forum.txt",
            0x50005,
            {B.UNDER_VOLTAGE, B.THROTTLED, B.UNDER_VOLTAGE_OCCURRED, B.THROTTLED_OCCURRED},
        ),
        ("vcgencmd-0x50000-raspberrypi-docs.txt", 0x50000, {B.UNDER_VOLTAGE_OCCURRED, B.THROTTLED_OCCURRED}),
        ("vcgencmd-0x0-raspberrypi-docs.txt", 0, set()),
        (
            "vcgencmd-0x80008-lrp-status.txt",
            0x80008,
            {B.SOFT_TEMPERATURE_LIMIT, B.SOFT_TEMPERATURE_LIMIT_OCCURRED},
        ),
        (
            "vcgencmd-0xd0000-gist-dasl.txt",
            0xD0000,
            {B.UNDER_VOLTAGE_OCCURRED, B.THROTTLED_OCCURRED, B.SOFT_TEMPERATURE_LIMIT_OCCURRED},
        ),
    ],
)
def test_vcgencmd_get_throttled_decodes_to_the_bits_the_posts_name(name, value, bits):
    parsed = parse_throttled(body(FIXTURES / name))
    assert parsed == value
    flags = Throttling(parsed, "vcgencmd get_throttled")
    assert {bit for bit in ThrottleBit if flags.has(bit)} == bits


def test_the_sysfs_file_prints_bare_hex():
    assert parse_throttled("50005\n") == 0x50005
    assert parse_throttled("0\n") == 0


@pytest.mark.parametrize(
    "text", ["", "throttled=", 'error=1 error_msg="Command not registered"', "0x123456789", "zz"]
)
def test_anything_else_is_no_word(text):
    assert parse_throttled(text) is None


def test_emmc_life_time_and_pre_eol():
    assert parse_life_time("0x01 0x01\n") == (1, 1)
    assert parse_life_time("0x0a 0x0b\n") == (0x0A, 0x0B)
    assert parse_life_time("0x00 0x00\n") == (None, None)  # not defined: an eMMC older than 5.0
    assert parse_life_time("garbage") == (None, None)
    assert parse_pre_eol("0x01\n") == 1
    assert parse_pre_eol("0x03") == 3
    assert parse_pre_eol("") is None
    assert life_used(0x01) == "0–10 % of its rated life used"
    assert life_used(0x0A) == "90–100 % of its rated life used"
    assert life_used(0x0B) == "past its rated life"


def test_millidegrees():
    assert parse_millidegrees("37000\n") == 37.0
    assert parse_millidegrees("55201") == 55.201
    assert parse_millidegrees("-5000") == -5.0
    assert parse_millidegrees("N/A") is None


def test_store_names_lose_their_hash():
    assert (
        store_name("/nix/store/b1c2d3e4f5g6h7i8j9k0l1m2n3p4q5r6-linux-6.6.31-modules")
        == "linux-6.6.31-modules"
    )
    assert (
        store_name("/nix/store/c1d2e3f4g5h6i7j8k9l0m1n2p3q4r5s6-linux-6.6.32/Image") == "linux-6.6.32/Image"
    )
    assert store_name(None) is None
    assert store_name("/boot/vmlinuz") == "/boot/vmlinuz"
