"""Every recorded `zpool status` fixture (public outputs from ZoL 0.6 to OpenZFS 2.3,
FreeBSD, illumos, Solaris; and the lab's) diagnoses without errors.

With no disk inventory nodewatch cannot say where a disk is, but it must still
say what is wrong with every unhealthy pool, and every command it prints must
quote cleanly.
"""

import shlex
from pathlib import Path

import pytest

from nodewatch import model
from nodewatch.diagnose import diagnose
from nodewatch.replay import snapshot_from_outputs

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
# *.jq.json files are jq projections of a status (for the parser tests), not zpool output.
OUTPUTS = sorted(
    [
        *FIXTURES.glob("zpool-status-text/*.txt"),
        *(p for p in FIXTURES.glob("zpool-status-json/*.json") if not p.name.endswith(".jq.json")),
    ]
)


@pytest.mark.parametrize("path", OUTPUTS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_recorded_output_diagnoses_and_speaks_for_every_unhealthy_pool(path):
    snapshot = snapshot_from_outputs(path.read_text(encoding="utf-8"))
    report = diagnose(snapshot)
    assert snapshot.pools, "the fixture holds at least one pool"
    for pool in snapshot.pools:
        unhealthy = pool.state != "ONLINE" or any(
            leaf.state not in model.HEALTHY_STATES for leaf in pool.leaves()
        )
        if unhealthy:
            assert any(
                f.pool == pool.name and f.severity >= model.Severity.WARNING for f in report.findings
            ), (
                pool.name,
                [f.code for f in report.findings],
            )
    for finding in report.findings:
        for action in finding.actions:
            for part in action.command.split(" && "):
                assert shlex.split(part)[0] in ("zpool", "zfs")


def test_there_are_public_outputs_to_check():
    assert len(OUTPUTS) >= 25
