"""Terminal safety: names that carry escape sequences are shown, inert, in every human output."""

from __future__ import annotations

import dataclasses
import enum
import unicodedata
from datetime import datetime
from typing import Any

import pytest

from nodewatch.cli import diagnose as diagnose_cli
from nodewatch.cli import disks as disks_cli
from nodewatch.cli import pools as pools_cli
from nodewatch.diagnose import diagnose
from nodewatch.present.terminal import safe
from tests.support.recordings import lab_snapshot

# Retitles the terminal (OSC … BEL), returns the carriage, forges a line, clears the screen
# through an 8-bit CSI, and reverses the text direction.
HOSTILE = "\x1b]0;owned\x07\r\nFAKE LINE\x9b2J\u202e"


def test_safe_escapes_controls_and_keeps_every_printable_script() -> None:
    assert safe("plain ASCII, é, 4.00 TB, 38 °C, …") == "plain ASCII, é, 4.00 TB, 38 °C, …"
    assert safe("a\x1b[31mb") == "a\\x1b[31mb"
    assert safe("bell\x07 cr\r lf\n tab\t del\x7f nul\x00") == (
        "bell\\x07 cr\\x0d lf\\x0a tab\\x09 del\\x7f nul\\x00"
    )
    assert safe("\x9b\x85") == "\\x9b\\x85"  # C1: CSI, NEL
    assert safe("\u202eevil\u2066\u2028") == "\\u202eevil\\u2066\\u2028"  # bidi and line separators


def _poison(value: Any) -> Any:
    """Every string of a model value, with HOSTILE appended; enums, numbers and times kept."""
    if isinstance(value, (enum.Enum, int, float, datetime)) or value is None:
        return value
    if isinstance(value, str):
        return value + HOSTILE
    if isinstance(value, tuple):
        return tuple(_poison(item) for item in value)
    if isinstance(value, dict):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {field.name: _poison(getattr(value, field.name)) for field in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


def _assert_inert(text: str) -> None:
    bad = sorted({char for char in text if char != "\n" and not char.isprintable()}, key=ord)
    assert not bad, [unicodedata.name(char, hex(ord(char))) for char in bad]
    assert "FAKE LINE" not in text.splitlines()  # no line forged by a name
    assert "\\x1b]0;owned\\x07\\x0d\\x0aFAKE LINE\\x9b2J\\u202e" in text  # shown, not dropped


@pytest.fixture(scope="module")
def hostile_snapshot():  # type: ignore[no-untyped-def]
    return _poison(lab_snapshot("seed-usb-reattach", "zfs23", "02-degraded"))


def test_diagnose_shows_hostile_names_inert(hostile_snapshot) -> None:  # type: ignore[no-untyped-def]
    report = diagnose(hostile_snapshot)
    assert report.findings
    _assert_inert(diagnose_cli.render(report, color=False))


def test_diagnose_colors_are_the_only_escapes(hostile_snapshot) -> None:  # type: ignore[no-untyped-def]
    text = diagnose_cli.render(diagnose(hostile_snapshot), color=True)
    # Remove the SGR color codes nodewatch itself writes; nothing else may reach the terminal.
    from nodewatch.cli.common import COLORS

    for code in [*COLORS.values(), "0"]:
        text = text.replace(f"\033[{code}m", "")
    _assert_inert(text)


def test_pools_shows_hostile_names_inert(hostile_snapshot) -> None:  # type: ignore[no-untyped-def]
    _assert_inert(pools_cli.render(hostile_snapshot.pool_status, color=False))


def test_disks_shows_hostile_names_inert(hostile_snapshot) -> None:  # type: ignore[no-untyped-def]
    _assert_inert(disks_cli.render(hostile_snapshot.inventory, list(hostile_snapshot.probes)))


def test_error_messages_show_a_hostile_file_name_inert(capsys) -> None:  # type: ignore[no-untyped-def]
    from nodewatch import cli

    assert cli.main(["pools", "--zpool-status", f"/nonexistent/{HOSTILE}"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("nodewatch pools: cannot read /nonexistent/")
    _assert_inert(err)


def test_the_cli_log_shows_hostile_text_inert(capsys) -> None:  # type: ignore[no-untyped-def]
    import logging

    from nodewatch import cli

    cli.main(["pools", "--zpool-status", f"/nonexistent/{HOSTILE}"])
    capsys.readouterr()
    # As a probe would warn, quoting what a command wrote on stderr.
    logging.getLogger("nodewatch.probe").warning("zpool said: %s", HOSTILE)
    err = capsys.readouterr().err
    assert err.startswith("nodewatch: WARNING: zpool said: ")
    _assert_inert(err)
