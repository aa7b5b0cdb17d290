"""The command line reads only the chosen subcommand's module (startup: each one imports
model.py and present/, bench/bench_imports.py), and says the same as the whole parser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nodewatch import cli

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["diagnose", "--demo"], "diagnose"),
        (["-v", "pools", "--json"], "pools"),
        (["--config", "/etc/nodewatch/config.toml", "disks"], "disks"),
        (["--config=/tmp/c.toml", "snapshot", "-o", "-"], "snapshot"),
        (["--conf", "diagnose", "pools"], "pools"),  # an abbreviated --config takes a value too
        (["--help"], None),
        (["bogus"], None),
        ([], None),
    ],
)
def test_the_subcommand_is_found_past_the_global_options(argv, command):
    assert cli._command_in(argv) == command


def _imported_after(argv: list[str]) -> set[str]:
    code = (
        "import sys, contextlib, io\n"
        "from nodewatch import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        cli.main({argv!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('nodewatch'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_help_and_config_example_import_no_command_module_and_no_model():
    assert _imported_after(["--help"]) == {"nodewatch", "nodewatch.cli"}
    config_example = _imported_after(["config-example"])
    assert "nodewatch.model" not in config_example
    assert not {m for m in config_example if m.startswith("nodewatch.cli.")} - {
        "nodewatch.cli.config_example",
        "nodewatch.cli.common",
    }


def test_diagnose_imports_no_other_command(capsys):
    imported = _imported_after(["diagnose", "--demo"])
    assert {m for m in imported if m.startswith("nodewatch.cli.")} == {
        "nodewatch.cli.diagnose",
        "nodewatch.cli.common",
    }


def test_a_subcommand_help_lists_its_own_options_and_the_top_help_every_command(capsys):
    with pytest.raises(SystemExit):
        cli.main(["diagnose", "--help"])
    assert "--zpool-status FILE" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    top = capsys.readouterr().out
    assert all(name in top for name in cli.COMMANDS)
