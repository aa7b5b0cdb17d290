"""`nodewatch password-hash`: make the file for [web] basic_auth_password_hash_file."""

from __future__ import annotations

import argparse
import getpass
import sys

from nodewatch.cli.common import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stdin",
        action="store_true",
        help="read the password from the first line of stdin instead of asking (for scripts)",
    )


def run(args: argparse.Namespace) -> int:
    from nodewatch.web.auth import make_hash

    if args.stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password for the status page: ")
        if getpass.getpass("again: ") != password:
            raise UserError("the two passwords differ")
    if not password:
        raise UserError("an empty password protects nothing")
    print(make_hash(password))
    return 0
