"""docs/install.md, run as written in a Debian 12 node with a ZFS pool.

Every ```sh block of the document runs in the guest, in order, each as one
`bash -e` script: install into /opt/nodewatch from a wheel directory (the guest
has no network, as many nodes do not), configure, enable the systemd unit and
the zedlet, upgrade, uninstall. Between the steps the test checks what a user
would: the service is active and says the pool is healthy, it survives the
upgrade, and the uninstall leaves nothing running.

One flavour (OpenZFS 2.3): what the document does (venv, pip, systemd, ZED)
does not depend on the OpenZFS version, and the service itself is tested on
both flavours by test_service.py.
"""

from __future__ import annotations

import re
import shlex
import time
from pathlib import Path

import pytest

from .lab.disks import wd_sata
from .lab.vm import log
from .test_scenarios import LabFactory, create_pool

pytestmark = pytest.mark.e2e

DOC = Path(__file__).resolve().parents[2] / "docs" / "install.md"
GUEST_WHEELS = "/root/wheels"
STATUS_URL = "http://127.0.0.1:8427/api/v1/status"  # [web] listen default, documented


def blocks(text: str) -> list[tuple[str, str]]:
    """The ```sh blocks of the document, each with the heading it stands under."""
    found = []
    heading = ""
    for match in re.finditer(r"^(## [^\n]+)$|^```sh\n(.*?)^```$", text, re.M | re.S):
        if match[1]:
            heading = match[1][3:]
        else:
            found.append((heading, match[2]))
    return found


def test_the_document_has_the_steps_it_promises() -> None:
    headings = [heading for heading, _ in blocks(DOC.read_text())]
    for step in (
        "2. Install",
        "3. Configure",
        "4. Run it under systemd, with the zedlet",
        "5. Upgrade",
        "6. Uninstall",
    ):
        assert step in headings, headings


def test_install_doc_as_written(lab_factory: LabFactory) -> None:
    lab = lab_factory("zfs23", "install-doc")
    sata = [wd_sata(lab.disks_dir, n, port=n - 1) for n in (1, 2)]
    m = lab.boot(sata)  # no harness install: the document installs nodewatch
    create_pool(m, "tank", "mirror", sata)
    assert lab.wheels, "the wheels of this tree could not be built"
    m.sh(f"mkdir -p {GUEST_WHEELS}")
    for wheel in lab.wheels:
        m.agent.write_file(f"{GUEST_WHEELS}/{wheel.name}", wheel.read_bytes())  # type: ignore[union-attr]

    for heading, script in blocks(DOC.read_text()):
        started = time.monotonic()
        res = m.run(f"cd /root && bash -e -c {shlex.quote(script)}", timeout=600)
        took = time.monotonic() - started
        log(f"[{heading}] rc={res.rc} in {took:.0f} s\n{res.out[-1500:]}{res.err[-1500:]}")
        assert res.rc == 0, f"{heading}: {script}\n{res.out[-2000:]}\n{res.err[-2000:]}"
        if heading.startswith("4.") and "is-active" in script:
            assert "active" in res.out
            assert "Nothing needs attention" in res.out or "tank" in res.out
            _service_answers(m)
        if heading.startswith("5."):
            assert m.run("systemctl is-active nodewatch").out.strip() == "active"
    # After the uninstall: nothing runs, nothing is left in /opt, the config is kept.
    assert m.run("systemctl is-active nodewatch").out.strip() != "active"
    assert not m.run("test -e /opt/nodewatch").ok
    assert m.run("test -e /etc/nodewatch/config.toml").ok


def _service_answers(m) -> None:  # type: ignore[no-untyped-def]
    """The running service serves its page and API on the documented port."""
    deadline = time.monotonic() + 120
    while True:
        res = m.run(
            'python3 -c "import urllib.request;'
            ' print(urllib.request.urlopen(URL, timeout=10).read().decode())"'.replace(
                "URL", repr(STATUS_URL)
            )
        )
        if res.ok and '"tank"' in res.out:
            return
        assert time.monotonic() < deadline, f"no status from the service: {res.err[-500:]}"
        time.sleep(3)
