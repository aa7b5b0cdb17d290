"""Put the project's wheel into the guest (which has no network) and call the
``nodewatch`` CLI there, tolerating subcommands that do not exist yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .expect import expect
from .image import Image
from .vm import Machine, log

REPO = Path(__file__).resolve().parents[3]
GUEST_WHEELS = "/var/tmp/nodewatch-wheels"
GUEST_VENV = "/opt/nodewatch"
NODEWATCH = f"{GUEST_VENV}/bin/nodewatch"


def build_wheels(dest: Path) -> tuple[list[Path], str]:
    """Wheel of the working tree plus its runtime dependencies (pure Python,
    from PyPI). Returns (wheels, why-not) — an empty list says why in the text."""
    if not (REPO / "pyproject.toml").exists():
        return [], "no pyproject.toml yet"
    dest.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--only-binary=:all:", "-w", str(dest), str(REPO)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        # --only-binary may refuse the project itself on old pips: retry plainly.
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "-w", str(dest), str(REPO)],
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        return [], f"pip wheel failed: {proc.stderr.strip()[-500:]}"
    return sorted(dest.glob("*.whl")), ""


def install(m: Machine, wheels: list[Path]) -> bool:
    """Copy the wheels in and install them into a venv in the guest."""
    if not wheels:
        return False
    m.sh(f"mkdir -p {GUEST_WHEELS}")
    for whl in wheels:
        m.agent.write_file(f"{GUEST_WHEELS}/{whl.name}", whl.read_bytes())  # type: ignore[union-attr]
    # A venv without pip, and Debian's bundled pip wheel run from the zip:
    # 18 s under TCG instead of 70 s for ensurepip + pip.
    res = m.run(
        f"python3 -m venv --without-pip {GUEST_VENV} && {GUEST_VENV}/bin/python "
        f"$(ls /usr/share/python-wheels/pip-*.whl | head -n1)/pip install -q --no-compile --no-index "
        f"--find-links {GUEST_WHEELS} nodewatch",
        timeout=300,
    )
    if not res.ok:
        log(f"!! installing nodewatch in the guest failed: {res.err.strip()[-800:]}")
    return res.ok


def installed_layer(image: Image, wheels: list[Path], workdir: Path) -> Path | None:
    """The image with nodewatch installed and its bytecode written, as a qcow2 layer that every
    scenario's machine boots from: pip in the guest takes ~25 s under TCG, paid once per
    flavour and run instead of once per scenario, and every later Python start in the guest
    (CLI, service, the apprise child) reads bytecode instead of compiling. None when it cannot
    be made (then each scenario installs for itself, as before)."""
    if not wheels:
        return None
    m = Machine(image, workdir, name=f"install-{image.flavour}")
    try:
        m.boot([])
        started = time.monotonic()
        if not install(m, wheels):
            return None
        res = m.run(f"{GUEST_VENV}/bin/python -m compileall -q -j 0 {GUEST_VENV}/lib && sync", timeout=900)
        if not res.ok:
            log(f"!! compiling nodewatch's bytecode in the guest failed: {res.err.strip()[-800:]}")
            return None
        log(f"nodewatch installed and compiled once for {image.flavour} ({time.monotonic() - started:.0f} s)")
        m.poweroff()
    except Exception as exc:  # noqa: BLE001 - the scenarios can still install for themselves
        log(f"!! the installed layer for {image.flavour} could not be made: {exc}")
        return None
    finally:
        m.kill()
    return m.overlay


def has_subcommand(m: Machine, sub: str) -> bool:
    """argparse exits 2 on an unknown subcommand; `--help` of a known one exits 0."""
    if not m.run(f"test -x {NODEWATCH}").ok:
        return False
    return m.run(f"{NODEWATCH} {sub} --help", timeout=60).rc == 0


def nodewatch_json(m: Machine, sub: str, *args: str, timeout: float = 120) -> Any | None:
    """``nodewatch <sub> --json`` parsed, or None when the subcommand does not
    exist yet (so scenarios assert only the raw states). Prints what ran.
    NODEWATCH_LAB_NODEWATCH=0 skips every nodewatch check (e.g. to re-record
    fixtures while the CLI is broken)."""
    if os.environ.get("NODEWATCH_LAB_NODEWATCH") == "0":
        log(f"nodewatch {sub}: skipped (NODEWATCH_LAB_NODEWATCH=0), raw states only")
        return None
    if not has_subcommand(m, sub):
        log(f"nodewatch {sub}: not available yet -> nodewatch assertions skipped, raw states only")
        return None
    res = m.run(" ".join([NODEWATCH, sub, "--json", *args]), timeout=timeout)
    if not expect(not res.timed_out, f"`nodewatch {sub}` answers within {timeout:.0f} s", m.name):
        return None
    try:
        out = json.loads(res.out)
    except json.JSONDecodeError:
        expect(False, f"`nodewatch {sub} --json` prints JSON (rc={res.rc}): {res.err.strip()[-300:]}", m.name)
        return None
    log(f"nodewatch {sub} --json: rc={res.rc}")
    return out
