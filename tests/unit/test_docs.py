"""Every finding code a rule can emit is documented in docs/findings.md."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "nodewatch" / "diagnose" / "rules"


def _documented_headings() -> set[str]:
    text = (REPO / "docs" / "findings.md").read_text()
    return {
        code
        for heading in re.findall(r"^### (.+)$", text, re.M)
        for code in re.findall(r"`([^`]+)`", heading)
    }


def test_every_literal_finding_code_has_a_section():
    codes = set()
    for path in RULES.glob("*.py"):
        codes |= set(re.findall(r'code="([a-z0-9-]+)"', path.read_text()))
        codes |= set(re.findall(r'Finding\(\s*Severity\.\w+,\s*"([a-z0-9-]+)"', path.read_text()))
        codes |= set(re.findall(r'_finding\(disk, Severity\.\w+, "([a-z0-9-]+)"', path.read_text()))
    assert len(codes) > 20, codes  # the patterns above still find the codes
    missing = codes - _documented_headings()
    assert not missing, f"document these in docs/findings.md: {sorted(missing)}"
