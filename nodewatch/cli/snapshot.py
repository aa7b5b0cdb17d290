"""`nodewatch snapshot`: one collection pass, written as JSON for replay anywhere."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nodewatch.cli import common
from nodewatch.present.terminal import safe


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of stdout (- for stdout)"
    )


def run(args: argparse.Namespace) -> int:
    from nodewatch.probe import collect
    from nodewatch.serialize import to_data

    snapshot = collect.collect(common.load_config(args))
    text = json.dumps(to_data(snapshot), indent=1, ensure_ascii=False) + "\n"
    if args.output and args.output != "-":
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as err:
            raise common.UserError(f"cannot write {args.output}: {err.strerror}") from None
        print(f"snapshot of {safe(snapshot.hostname)} written to {safe(args.output)}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
