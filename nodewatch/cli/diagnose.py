"""`nodewatch diagnose`: what is wrong, which disk, and the command that fixes it.

Argument parsing and terminal layout (wrapping, colors) only; the words come
from present/findings.py, the `--json` document from present/envelope.py.
"""

from __future__ import annotations

import argparse
import sys
import textwrap

from nodewatch.cli import common
from nodewatch.config import Config
from nodewatch.model import Report, Severity, Snapshot
from nodewatch.present import findings
from nodewatch.present.findings import ActionText, FindingText
from nodewatch.present.pools import Tone, state_tone
from nodewatch.present.terminal import safe

SEVERITY_COLORS = {
    Severity.CRITICAL: "red",
    Severity.UNKNOWN: "yellow",
    Severity.WARNING: "yellow",
    Severity.INFO: "cyan",
}
WIDTH = 88


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the versioned JSON report (docs/json.md)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--from", dest="snapshot_file", metavar="SNAPSHOT", help="replay a `nodewatch snapshot` file"
    )
    source.add_argument(
        "--zpool-status",
        metavar="FILE",
        help="diagnose saved `zpool status` output (text or -j JSON; - for stdin)",
    )
    source.add_argument(
        "--demo", action="store_true", help="replay the bundled seed story recorded on a real OpenZFS VM"
    )
    disks = parser.add_mutually_exclusive_group()
    disks.add_argument(
        "--udev-db", metavar="FILE", help="with --zpool-status: saved `udevadm info --export-db`"
    )
    disks.add_argument("--by-id", metavar="FILE", help="with --zpool-status: saved `ls -l /dev/disk/by-id`")
    parser.add_argument(
        "--smartctl",
        metavar="FILE",
        action="append",
        default=[],
        help="judge a saved smartctl output (-j JSON or text; repeatable; `-` = stdin once), joined to the"
        " disks by serial or WWN; two readings of one drive show what got worse",
    )
    parser.add_argument(
        "--zpool-import",
        metavar="FILE",
        help="saved `zpool import` listing (read-only, no pool name), alone or with --zpool-status:"
        " every pool it names is one that should be imported",
    )
    parser.add_argument(
        "--kernel-log",
        metavar="FILE",
        help="with --zpool-status or --zpool-import: saved `journalctl -k` or `dmesg` text; link"
        " resets, I/O errors and under-voltage are tied to the disk and pool member they concern",
    )


def run(args: argparse.Namespace) -> int:
    from nodewatch import diagnose, replay

    config = common.load_config(args)
    pasted = args.zpool_status or args.zpool_import or args.smartctl
    if (args.udev_db or args.by_id) and not pasted:
        raise common.UserError("--udev-db and --by-id go with --zpool-status, --zpool-import or --smartctl")
    if args.kernel_log and not pasted:
        raise common.UserError("--kernel-log goes with --zpool-status, --zpool-import or --smartctl")
    from_stdin = [
        value
        for value in (
            args.zpool_status,
            args.udev_db,
            args.by_id,
            args.zpool_import,
            args.kernel_log,
            *args.smartctl,
        )
        if value == "-"
    ]
    if len(from_stdin) > 1:
        raise common.UserError("- (stdin) can be given for one input only")
    if args.zpool_import and (args.demo or args.snapshot_file):
        raise common.UserError("--zpool-import goes with --zpool-status, or alone")
    previous = None
    try:
        snapshot = _snapshot(args, config)
        known = len(snapshot.inventory.problems) if snapshot.inventory else 0
        if args.smartctl:
            snapshot, previous = replay.with_smartctl(snapshot, args.smartctl)
    except replay.ReplayError as err:
        raise common.UserError(str(err)) from None
    report = diagnose.diagnose(snapshot, config.diagnose, previous)
    if args.json:
        from nodewatch.present.envelope import report_document

        common.print_json(report_document(report))
        return report.exit_status
    sys.stdout.write(render(report, color=common.use_color()))
    # what joining the --smartctl readings decided (a placeholder serial is no identity)
    joined = snapshot.inventory.problems[known:] if snapshot.inventory else ()
    sys.stdout.write("".join(f"note: {safe(problem)}\n" for problem in joined))
    if not (args.demo or args.snapshot_file or pasted) and _zfs_absent(report):
        sys.stdout.write(
            "\nThis node has no ZFS. To see what nodewatch says about a broken pool, here is the bundled"
            " demo (recorded on a real OpenZFS VM, not this machine):\n\n"
        )
        demo = diagnose.diagnose(replay.demo_snapshot())
        sys.stdout.write(render(demo, color=common.use_color(), banner="DEMO"))
    return report.exit_status


def _snapshot(args: argparse.Namespace, config: Config) -> Snapshot:
    from nodewatch import replay

    if args.demo:
        return replay.demo_snapshot()
    if args.snapshot_file:
        return replay.snapshot_from_file(args.snapshot_file)
    if args.zpool_status or args.zpool_import or args.smartctl:
        return replay.snapshot_from_output_files(
            args.zpool_status,
            udev_db=args.udev_db,
            by_id=args.by_id,
            zpool_import=args.zpool_import,
            kernel_log=args.kernel_log,
        )
    from nodewatch.probe import collect

    return collect.collect(config)


def _zfs_absent(report: Report) -> bool:
    return any(f.code == "zfs-not-present" for f in report.findings)


def render(report: Report, *, color: bool, banner: str | None = None) -> str:
    """Given a report, return the human text: pools at a glance, then findings worst first."""
    snapshot = report.snapshot
    lines = []
    head = f"nodewatch diagnose · {findings.heading(snapshot)}"
    if banner:
        head = f"[{banner}] {head}"
    lines += [common.paint(head, "bold", color), ""]
    for pool in snapshot.pools:
        state_color = "green" if state_tone(pool.state) is Tone.GOOD else "red"
        lines.append(
            f"  pool {safe(pool.name):<16} {common.paint(safe(pool.state), state_color, color)}"
            f"  {findings.device_count(pool)}" + (f"  {safe(pool.msgid)}" if pool.msgid else "")
        )
    if snapshot.disks:
        lines.append(f"  disks: {findings.transport_tally(snapshot.disks)}")
    lines.append("")
    if not findings.needs_attention(report):
        lines += [common.paint("  Nothing needs attention.", "green", color), ""]
    for finding in report.findings:
        lines += _finding_lines(findings.finding_text(finding), SEVERITY_COLORS[finding.severity], color)
    lines.append(findings.tally(report))
    return "\n".join(lines) + "\n"


def _finding_lines(finding: FindingText, severity_color: str, color: bool) -> list[str]:
    label = common.paint(f"{finding.severity:<8}", severity_color, color)
    lines = [f"{label} {common.paint(finding.summary, 'bold', color)}  [{finding.code}]"]
    indent = " " * 9
    if finding.detail:
        lines += _wrap(finding.detail, indent, indent)
    if finding.disk:
        lines.append(f"{indent}disk: {finding.disk}")
    if finding.evidence:
        lines.append(f"{indent}evidence:")
        lines += [f"{indent}  {line}" for line in finding.evidence]
    for action in finding.actions:
        lines += _action_lines(action, color)
    lines.append("")
    return lines


def _wrap(text: str, first: str, rest: str) -> list[str]:
    # Device names are full of hyphens: never break inside one.
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,
        break_long_words=False,
    )


def _action_lines(action: ActionText, color: bool) -> list[str]:
    indent = " " * 9
    title = action.title
    if action.destructive:
        title += common.paint(f" {findings.LAST_RESORT}", "red", color)
    lines = _wrap(f"{title}: {action.why}", indent, indent + "  ")
    if action.check_first:
        lines += _wrap(f"check first: {action.check_first}", indent + "  ", indent + "  ")
    # The command alone on its line, never wrapped, so it can be copied whole.
    lines.append(f"{indent}    {common.paint(action.command, 'bold', color)}")
    return lines
