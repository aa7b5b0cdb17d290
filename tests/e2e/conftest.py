"""Fixtures of the real-ZFS lab. Collecting this directory is cheap: nothing is
built or booted until an e2e test asks for it (`pytest -m e2e tests/e2e`)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .lab import guestpkg
from .lab.image import FLAVOURS, Image, ImageUnavailable, build, cached_image
from .lab.record import Recorder
from .lab.session import Lab
from .lab.vm import Machine, log


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record",
        action="store_true",
        default=False,
        help="e2e: save raw command outputs as fixtures under tests/fixtures/lab (or NODEWATCH_LAB_RECORD=1)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: boots a QEMU VM with real OpenZFS (slow; see tests/e2e/README.md)"
    )


def recording(config: pytest.Config) -> bool:
    return bool(config.getoption("--record")) or os.environ.get("NODEWATCH_LAB_RECORD") == "1"


@pytest.fixture(scope="session")
def lab_tools() -> None:
    missing = [t for t in ("qemu-system-x86_64", "qemu-img", "debootstrap") if shutil.which(t) is None]
    if missing:
        pytest.skip(
            f"e2e lab needs {', '.join(missing)} (apt-get install qemu-system-x86 qemu-utils debootstrap)"
        )


_images: dict[str, Image | str] = {}


@pytest.fixture(scope="session")
def image_of(lab_tools: None) -> Callable[[str], Image]:
    """Build (or take from the cache) a flavour's image; skip with the reason if impossible."""

    def get(flavour: str) -> Image:
        if flavour not in _images:
            try:
                # A cached image needs no lock (another build may hold it).
                _images[flavour] = cached_image(flavour) or build(flavour)
            except ImageUnavailable as exc:
                _images[flavour] = str(exc)
        got = _images[flavour]
        if isinstance(got, str):
            pytest.skip(f"guest image {flavour} cannot be built here: {got}")
        return got

    return get


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    found, why = guestpkg.build_wheels(tmp_path_factory.mktemp("wheels"))
    if not found:
        log(f"nodewatch wheel not available ({why}): scenarios assert raw states only")
    return found


@pytest.fixture(scope="session")
def installed_of(
    image_of: Callable[[str], Image], wheels: list[Path]
) -> Iterator[Callable[[str], Path | None]]:
    """A flavour's image with nodewatch installed (a qcow2 layer), made on first use, once per
    run; None when it cannot be made (scenarios then install for themselves)."""
    layers: dict[str, Path | None] = {}
    root = work_root() / "installed"

    def get(flavour: str) -> Path | None:
        if flavour not in layers:
            shutil.rmtree(root / flavour, ignore_errors=True)
            layers[flavour] = guestpkg.installed_layer(image_of(flavour), wheels, root / flavour)
        return layers[flavour]

    yield get
    shutil.rmtree(root, ignore_errors=True)


def work_root() -> Path:
    """Not pytest's tmp_path: other pytest runs on the same machine rotate
    /tmp/pytest-of-<user> and would delete a running VM's disks."""
    return Path(os.environ.get("NODEWATCH_LAB_WORK", "/var/tmp/nodewatch-lab"))


@pytest.fixture
def lab_factory(
    request: pytest.FixtureRequest,
    image_of: Callable[[str], Image],
    wheels: list[Path],
    installed_of: Callable[[str], Path | None],
) -> Iterator[Callable[[str, str], Lab]]:
    labs: list[Lab] = []
    tmp_path = work_root() / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(tmp_path, ignore_errors=True)

    def make(flavour: str, scenario: str) -> Lab:
        assert flavour in FLAVOURS
        image = image_of(flavour)
        machine = Machine(image, tmp_path / f"vm-{len(labs)}", name=f"{scenario}-{flavour}")
        rec = Recorder(scenario, flavour, enabled=recording(request.config))
        lab = Lab(
            flavour, machine, tmp_path / f"disks-{len(labs)}", rec, wheels, lambda: installed_of(flavour)
        )
        labs.append(lab)
        return lab

    yield make
    for lab in labs:
        lab.machine.kill()
        if lab.rec.written:
            log(f"recorded {len(lab.rec.written)} fixture files in {lab.rec.dir}")
    failed = getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed
    if failed:
        log(f"VM work dir kept for a look (console logs, qemu argv): {tmp_path}")
    else:
        shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    """Let the fixture know whether the test body failed (keep its VM dir then)."""
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from .lab.expect import MISSES, strict

    if MISSES:
        terminalreporter.write_sep("!", f"{len(MISSES)} NODEWATCH CHECKS FAILED (not strict: tests went on)")
        for miss in MISSES:
            terminalreporter.write_line(f"  {miss}")
        terminalreporter.write_line(
            f"  NODEWATCH_LAB_STRICT={int(strict())}: set it to 1 to make these failures"
        )
