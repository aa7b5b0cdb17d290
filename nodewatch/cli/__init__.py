"""The command line: argument parsing and terminal rendering only.

Each subcommand is a module here with NAME, HELP, add_arguments(parser) and
run(args) -> exit status; main() finds them in COMMANDS, so adding a command
touches no other command's code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import NoReturn

from nodewatch import __version__

# Subcommand modules, in the order --help lists them. Imported only when used,
# so `nodewatch pools` never pays for what `nodewatch diagnose` needs.
COMMANDS: dict[str, str] = {
    "diagnose": "Say what is wrong, which physical disk it is, and the command that fixes it.",
    "pools": "Show ZFS pools, their vdev trees, error counters and scans.",
    "disks": "List every disk: transport, USB bridge, by-id names and why, ZFS membership, SMART.",
    "snapshot": "Collect everything once and write it as JSON, to replay with `diagnose --from`.",
    "config-example": "Print a config file with every setting at its default.",
    "serve": "Run the service: watch pools and disks, keep history, send alerts, serve the page.",
    "alert": "Alerts: `alert test` sends a test notification to every configured URL.",
    "history": "Print what the service recorded: findings that appeared, got worse, cleared.",
    "password-hash": "Hash a password for the status page's basic auth (web.basic_auth_password_hash_file).",
}

EXIT_UNKNOWN = 3  # monitoring-plugin "could not tell": also for user errors


class _VersionAction(argparse.Action):
    """`nodewatch --version`: for bug reports, the versions of what nodewatch runs with too."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from nodewatch.probe.host import software_versions

        lines = [f"nodewatch {__version__}"]
        lines += [f"{name}: {version}" for name, version in software_versions().items()]
        print("\n".join(lines))
        parser.exit(0)


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on a usage error, which a monitoring system reads as critical:
    nodewatch exits 3 (could not tell) instead, as for every user error."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_UNKNOWN, f"{self.prog}: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only`, the options of that subcommand alone (the others
    are listed with their summaries), so a command imports no other command's module."""
    parser = _Parser(
        prog="nodewatch",
        description="Which physical disk is wrong with my storage, and what do I type to fix it?",
    )
    parser.add_argument(
        "--version",
        action=_VersionAction,
        nargs=0,
        help="show nodewatch's version and the Python, OpenZFS and smartmontools it finds, then exit",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log what is done (commands run, probes) to stderr"
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="PATH",
        help="config file (default /etc/nodewatch/config.toml; absent = defaults)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, summary in COMMANDS.items():
        sub = subparsers.add_parser(name, help=summary, description=summary)
        sub.set_defaults(command=name)
        if only is None or name == only:
            _module(name).add_arguments(sub)
    return parser


def _command_in(argv: list[str]) -> str | None:
    """The subcommand `argv` names: its first word that is not an option or --config's value."""
    words = iter(argv)
    for word in words:
        if word.startswith("-"):
            if len(word) > 3 and "--config".startswith(word):
                next(words, None)  # `--config PATH` (or an abbreviation of it)
            continue
        return word if word in COMMANDS else None
    return None


def _module(name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"nodewatch.cli.{name.replace('-', '_')}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Startup: `nodewatch diagnose` imports cli/diagnose.py alone, `--help` no command module
    # (each imports model and present/, bench/bench_imports.py). Should the guess be wrong,
    # the whole parser reads the arguments again.
    chosen = _command_in(argv)
    args = build_parser(only=chosen or "").parse_args(argv)
    if args.command and args.command != chosen:
        parser = build_parser()
        args = parser.parse_args(argv)
    if not args.command:
        build_parser(only="").print_help()
        return EXIT_UNKNOWN
    from nodewatch import log
    from nodewatch.cli.common import UserError
    from nodewatch.present.terminal import SafeLogRecords, safe

    for handler in log.setup(verbose=args.verbose).handlers:
        handler.addFilter(SafeLogRecords())

    try:
        return int(_module(args.command).run(args))
    except UserError as err:
        # What a file name, a paste or a config value put in the message is shown inert.
        print(f"nodewatch {args.command}: {safe(str(err))}", file=sys.stderr)
        for line in err.lines:
            print(safe(line), file=sys.stderr)
        return EXIT_UNKNOWN
    except BrokenPipeError:  # `nodewatch pools | head`
        return 0


def entry_point() -> None:
    sys.exit(main())
