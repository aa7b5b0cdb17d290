"""Scenario 8: a raidz made on /dev/sdX paths comes back with its disks on other ports.

The classic of openzfs/zfs#1434 and #2933: a pool created on kernel names
(`/dev/sda`…), and at the next boot a new disk sits on the first SATA port, so
every member is one letter further on. ZFS opens the recorded /dev/sdX1 paths
and finds nothing, or another member's label. Whether OpenZFS sorts this out
by itself on import is what this scenario records; nodewatch must say what
the pool's state really is, and when it is not recovered, its first command
must bring the pool back with the data intact.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from .lab.disks import wd_sata
from .lab.expect import expect
from .lab.guestpkg import nodewatch_json
from .lab.vm import Machine, log
from .lab.zfs import data_sha, snapshot, status, wait_scan_done, write_data
from .test_scenarios import BOTH, LabFactory, assert_all_online, run_nodewatch_fix

pytestmark = pytest.mark.e2e


def kernel_names(m: Machine, wwns: list[str]) -> list[str]:
    return [m.sh(f"readlink -f /dev/disk/by-id/wwn-{wwn}").strip() for wwn in wwns]


@pytest.mark.parametrize("flavour", BOTH)
def test_sdx_raidz_comes_back_on_other_ports(lab_factory: LabFactory, flavour: str) -> None:
    lab = lab_factory(flavour, "sdx-renumbered")
    sata = [wd_sata(lab.disks_dir, n, port=n - 1) for n in (1, 2, 3)]
    m = lab.boot(sata, install=True)
    before = kernel_names(m, [d.wwn for d in sata])
    log(f"members created on {before}")
    assert all(name.startswith("/dev/sd") for name in before), before
    m.sh(f"zpool create -f -o ashift=12 tank raidz1 {' '.join(before)}", timeout=180)
    sha = write_data(m, "tank")
    st = status(m, "tank")
    assert_all_online(st)
    assert any(row.name.startswith("/dev/sd") for row in st.rows), st.text
    snapshot(m, lab.rec, "healthy")
    m.poweroff()

    # A new blank disk on port 0; every member moves one port (and one letter) on.
    blank = wd_sata(lab.disks_dir, 4, port=0)
    moved = [replace(d, sata_port=d.sata_port + 1) for d in sata]
    lab.boot([blank, *moved])
    after = kernel_names(m, [d.wwn for d in moved])
    log(f"members now at {after}")
    assert after != before, "the members kept their kernel names: the scenario did not happen"
    st = status(m, "tank")
    imported = bool(st.rows)
    snapshot(m, lab.rec, "renumbered")
    log(f"after the renumbering boot:\n{st.text or m.run('zpool import').out}")
    recovered = imported and st.state == "ONLINE" and all(r.state in ("ONLINE", "AVAIL") for r in st.rows)
    report = nodewatch_json(m, "diagnose")
    findings = [f for f in (report or {}).get("findings", []) if f.get("pool") == "tank"]
    if recovered:
        # OpenZFS found every member by its label at import, whatever its name: recorded, and
        # nodewatch must not call the pool down or lost (it may still advise by-id names).
        log(f"OpenZFS {flavour} recovered by itself: the pool imported ONLINE from the new names")
        assert {r.name for r in st.rows if r.name.startswith("/dev/sd")} >= {f"{n}1" for n in after}, st.text
        if report is not None:
            codes = [f.get("code") for f in findings]
            expect(
                all(f.get("severity", 0) < 2 for f in findings),
                f"nodewatch sees tank as not in trouble after the self-recovery ({codes})",
                m.name,
            )
            expect(
                "unstable-device-path" in codes,
                "nodewatch still advises stable by-id names for a pool on sdX paths",
                m.name,
            )
    else:
        assert imported, "tank was not imported at all"
        if report is not None:
            actions = [a for f in findings for a in f.get("actions", [])]
            expect(
                bool(actions) and actions[0]["command"].startswith("zpool export tank && zpool import -d"),
                "nodewatch's first command re-imports by label (export + import -d /dev/disk/by-id)",
                m.name,
            )
            expect(
                not any(a["command"].startswith("zpool replace") for a in actions),
                "nodewatch suggests no zpool replace",
                m.name,
            )
            fixed = run_nodewatch_fix(m, "tank", actions, lambda s: s.state == "ONLINE")
            expect(fixed, "nodewatch's first command brings tank back ONLINE", m.name)
        if status(m, "tank").state != "ONLINE":
            m.sh("zpool export tank && zpool import -d /dev/disk/by-id tank", timeout=180)
    st = wait_scan_done(m, "tank")
    snapshot(m, lab.rec, "after")
    assert_all_online(st)
    assert data_sha(m, "tank") == sha
