"""`nodewatch alert test`: send a test notification to every configured URL."""

from __future__ import annotations

import argparse
import sys

from nodewatch.cli import common


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="alert_action", metavar="ACTION", required=True)
    test = actions.add_parser(
        "test",
        help="send a test notification to every URL of [alerts]; exit 0 when all were delivered",
        description="Send a test notification to every URL of [alerts] (urls and urls_file).",
    )
    common.add_config_argument(test)


def run(args: argparse.Namespace) -> int:
    from nodewatch.probe.host import hostname
    from nodewatch.service import alerts, message

    config = common.load_config(args)
    try:
        targets, warnings = alerts.load_targets(config.alerts)
    except alerts.AlertConfigError as err:
        raise common.UserError(str(err)) from None
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not targets:
        print("no alert URLs configured: set [alerts] urls or urls_file", file=sys.stderr)
        return 1
    title, body = message.test_message(hostname())
    outcomes = alerts.send(targets, title, body)
    for outcome in outcomes:
        if outcome.ok:
            print(f"delivered  {outcome.target.name}")
        else:
            print(f"FAILED     {outcome.target.name}: {outcome.error}")
    return 0 if all(outcome.ok for outcome in outcomes) else 1
