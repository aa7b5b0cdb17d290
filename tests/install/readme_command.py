"""Print the shell command the README gives under a heading (`Try it`, `Test it`).

CI runs the README's commands verbatim, so they are read from the README
itself rather than copied: a README that drifts from what CI runs is impossible.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def command(heading: str, text: str | None = None) -> str:
    """Given a `## heading`, return the one-line command of the first ```sh block under it."""
    text = README.read_text(encoding="utf-8") if text is None else text
    section = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if section is None:
        raise SystemExit(f"README.md has no '## {heading}' section")
    block = re.search(r"^```sh\n(.*?)^```", section.group(1), re.M | re.S)
    if block is None:
        raise SystemExit(f"README.md: no ```sh block under '## {heading}'")
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    if len(lines) != 1:
        raise SystemExit(f"README.md: the block under '## {heading}' must be one command, not {len(lines)}")
    return lines[0]


if __name__ == "__main__":
    print(command(" ".join(sys.argv[1:])))
