"""Fake roots for the node-health probes, built from a fixture tree (tests/fixtures/node-health/*.tree):
after the provenance header, "path: content" writes a file under the root and "path -> target" a symlink."""

from __future__ import annotations

from pathlib import Path

from tests.support.recordings import body


def build(tree: Path, root: Path) -> Path:
    """Given a .tree fixture and an empty directory, write the tree under it and return it."""
    for line in body(tree).splitlines():
        if not line.strip():
            continue
        if " -> " in line:
            path, target = line.split(" -> ", 1)
            link = root / path
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(target)
            continue
        path, content = line.split(": ", 1)
        file = root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(content + "\n", encoding="utf-8")
    return root
