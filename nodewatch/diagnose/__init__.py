"""Pure rules: a Snapshot in, a Report of Findings with Actions out. No I/O.

diagnose() runs every rule module listed in rules.RULES, then a catch-all so
that an unhealthy pool never leaves without a finding.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import replace

from nodewatch.config import DiagnoseSettings
from nodewatch.diagnose.context import Context
from nodewatch.model import Action, Finding, Guid, KnownMember, Report, Severity, Snapshot

__all__ = ["diagnose"]


def diagnose(
    snapshot: Snapshot,
    settings: DiagnoseSettings | None = None,
    previous: Snapshot | None = None,
    known_members: Mapping[Guid, KnownMember] | None = None,
    standing: Iterable[Finding] = (),
) -> Report:
    """Given a snapshot (and the one before it, for trends), return the report of what is wrong.

    known_members: the disks pool members were last seen on, by vdev guid (the service's
    history, a pure input), so that a member whose disk is gone can still be named.
    standing: the findings that stood before (the service's open problems); a level raised
    at a threshold holds while the value stays within the clear margin (diagnose/threshold.py).
    """
    from nodewatch.diagnose.rules import RULES, pools

    context = Context.build(snapshot, settings or DiagnoseSettings(), previous, known_members, standing)
    findings: list[Finding] = []
    for name in RULES:
        rule = importlib.import_module(f"nodewatch.diagnose.rules.{name}")
        findings.extend(rule.check(context))
    findings.extend(pools.catch_all(context, findings))
    from nodewatch.diagnose.topology import ambiguous_names

    shared = {pool.name: ambiguous_names(pool) for pool in snapshot.pools}  # once per pool
    findings = [_unambiguous(finding, shared.get(finding.pool or "", frozenset())) for finding in findings]
    return Report(snapshot=snapshot, findings=tuple(_ordered(findings)))


def _unambiguous(finding: Finding, shared: frozenset[str]) -> Finding:
    """Never offer a command naming a member by a name two members of its pool share (`shared`):
    ZFS would act on whichever it finds first (perhaps the healthy side). Say how to get the
    guids instead."""
    import shlex

    from nodewatch.diagnose import commands

    if not shared or finding.pool is None:
        return finding
    kept = tuple(a for a in finding.actions if not shared.intersection(shlex.split(a.command)))
    if len(kept) == len(finding.actions):
        return finding
    names = ", ".join(sorted(shared))
    instead = Action(
        command=commands.status_guids(finding.pool),
        why=f"Show each member's guid: {names} names more than one member of {finding.pool}, so a"
        " command naming it could act on the wrong disk; use the guid in its place.",
    )
    return replace(
        finding,
        detail=finding.detail
        + f" Two members of {finding.pool} are printed as {names}: no command is offered by that name.",
        actions=(instead, *kept),
    )


# Shown worst first: what to act on (critical), what could not be seen, then the rest.
_DISPLAY_ORDER = (Severity.CRITICAL, Severity.UNKNOWN, Severity.WARNING, Severity.INFO)


def _ordered(findings: list[Finding]) -> list[Finding]:
    # Stable: within a severity, rule order is kept.
    return sorted(findings, key=lambda finding: _DISPLAY_ORDER.index(finding.severity))
