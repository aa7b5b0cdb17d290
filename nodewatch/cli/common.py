"""What every subcommand shares: config loading, input files, JSON printing, color."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from nodewatch import config as config_module


class UserError(Exception):
    """Something the user can fix (bad file, bad config): printed without a traceback, exit 3.

    The message is one line (a newline in a file name is shown escaped); `lines`
    are printed below it, one each (a config error per key).
    """

    def __init__(self, message: str, lines: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.lines = lines


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    """`nodewatch COMMAND --config PATH` as well as `nodewatch --config PATH COMMAND`."""
    parser.add_argument(
        "--config",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="config file (default /etc/nodewatch/config.toml; absent = defaults)",
    )


def load_config(args: argparse.Namespace) -> config_module.Config:
    try:
        return config_module.load(args.config)
    except config_module.ConfigError as err:
        raise UserError("bad config:", tuple(str(err).splitlines())) from None


def read_input(path: str) -> str:
    """Read a saved output: a file path, or `-` for stdin (a paste from another machine)."""
    from nodewatch import replay

    try:
        return replay.read_input(path)
    except replay.ReplayError as err:
        raise UserError(str(err)) from None


def print_json(data: Any, stream: TextIO | None = None) -> None:
    # One write of the whole text: json.dump would write each of its thousands of pieces
    # to the stream (a terminal flushes every line). indent=2 keeps it readable, and
    # keeps json on its pure-Python encoder (bench/README.md has the figures).
    (stream or sys.stdout).write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def use_color(stream: TextIO | None = None) -> bool:
    """Color only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    stream = stream or sys.stdout
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


COLORS = {"red": "31", "yellow": "33", "green": "32", "bold": "1", "dim": "2", "cyan": "36"}


def paint(text: str, color: str, enabled: bool) -> str:
    return f"\033[{COLORS[color]}m{text}\033[0m" if enabled else text
