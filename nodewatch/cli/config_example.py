"""`nodewatch config-example`: print config.example.toml from the schema."""

from __future__ import annotations

import argparse
import sys

from nodewatch import config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args: argparse.Namespace) -> int:
    del args
    sys.stdout.write(config.example_toml())
    return 0
