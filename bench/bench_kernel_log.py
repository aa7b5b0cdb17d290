"""The kernel_log probe's cost per pass with a 10,000-line kernel log: read on from the
previous pass's cursor (what the service does) against reading the whole log again (the
baseline, in the same run), from the journal and from /dev/kmsg.

The log: LINES lines of this boot, mostly the kernel's other news, with the disk, link and
power lines of the public logs in tests/fixtures/kernel-log spread through it. Each pass
appends NEW lines (one USB reset among them) before reading.

- journal: a fake `journalctl` (sh + tail over the log file, cursor = line number) in a root
  where systemd runs; real journalctl seeks its cursor through the journal's index, the
  fake reads the file to it, so its incremental figure is if anything high.
- kmsg: a file in the shape of /dev/kmsg (`pri,seq,usec,-;message`) that grows; the
  baseline opens and reads it whole every pass, the probe keeps it open.

Run: python3 bench/bench_kernel_log.py [PASSES]   (default 20)
Goal (issue 13): a pass reads only what is new: its median at most a fifth of the whole read.
"""

from __future__ import annotations

import re
import stat
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nodewatch.model import KernelLog  # noqa: E402
from nodewatch.probe import kernel_log  # noqa: E402

LINES = 10_000
NEW = 10  # lines logged between two passes (60 s apart in the service)
GOAL_RATIO = 0.2
_STAMP = re.compile(
    r"^(?:> )?(?:\[\s*\d+\.\d+\] |[A-Z][a-z]{2} +\d+ [\d:]+ \S+ kernel: (?:\[\s*\d+\.\d+\] )?)"
)
_OTHER = (
    "IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready",
    "bcmgenet fd580000.ethernet eth0: Link is Up - 1Gbps/Full - flow control rx/tx",
    "EXT4-fs (mmcblk0p2): mounted filesystem with ordered data mode. Quota mode: none.",
    'audit: type=1400 audit(1701000000.123:45): apparmor="STATUS" operation="profile_load"',
    "systemd-journald[123]: Time spent on flushing to /var/log/journal is 12.345ms for 678 entries.",
    "usb 1-1.3: new high-speed USB device number 4 using xhci_hcd",
    "brcmfmac: brcmf_cfg80211_set_power_mgmt: power save enabled",
)


def _disk_lines() -> list[str]:
    lines = []
    for path in sorted((REPO / "tests/fixtures/kernel-log").glob("*.txt")):
        body = path.read_text(encoding="utf-8").split("# ---\n", 1)[-1]
        lines += [_STAMP.sub("", line).strip() for line in body.splitlines() if _STAMP.match(line)]
    return [line for line in lines if line]


def _messages(count: int, disk: list[str], start: int = 0) -> list[str]:
    out = []
    for n in range(start, start + count):
        out.append(disk[n % len(disk)] if n % 50 == 0 else _OTHER[n % len(_OTHER)])
    return out


def _journal(messages: list[str], start: int) -> str:
    lines = []
    for n, message in enumerate(messages, start):
        stamp = f"2026-12-05T00:{n // 6000 % 60:02d}:{n // 100 % 60:02d}.{n % 100:06d}+00:00"
        lines.append(f"{stamp} pi kernel: {message}\n")
    return "".join(lines)


def _kmsg(messages: list[str], start: int) -> str:
    return "".join(f"4,{start + n},{(start + n) * 1000},-;{message}\n" for n, message in enumerate(messages))


def _median(passes: int, one: Callable[[int], object]) -> float:
    times = []
    for n in range(passes):
        started = time.perf_counter()
        one(n)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_journal(work: Path, disk: list[str], passes: int) -> tuple[float, float]:
    root = work / "journal-root"
    (root / "run/systemd/system").mkdir(parents=True)
    log = work / "journal.txt"
    script = work / "journalctl"
    script.write_text(
        "#!/bin/sh\nafter=0\n"
        'for a in "$@"; do case "$a" in --after-cursor=*) after=${a#--after-cursor=};; esac; done\n'
        f'tail -n +$((after + 1)) {log}\necho "-- cursor: $(wc -l < {log})"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    log.write_text(_journal(_messages(LINES, disk), 0))
    total = [LINES]

    def grow() -> None:
        with log.open("a") as more:
            more.write(_journal(_messages(NEW, disk, total[0]), total[0]))
        total[0] += NEW

    def whole(_n: int) -> None:
        grow()
        reading = kernel_log.read_kernel_log(None, root, journalctl=str(script))
        assert reading.ok, reading.result

    held: list[KernelLog | None] = [kernel_log.read_kernel_log(None, root, journalctl=str(script)).value]

    def incremental(_n: int) -> None:
        grow()
        reading = kernel_log.read_kernel_log(held[0], root, journalctl=str(script))
        assert reading.ok and reading.value is not None and reading.value.lines == total[0], reading.result
        held[0] = reading.value

    return _median(passes, whole), _median(passes, incremental)


def bench_kmsg(work: Path, disk: list[str], passes: int) -> tuple[float, float]:
    root = work / "kmsg-root"
    (root / "dev").mkdir(parents=True)
    kmsg = root / "dev/kmsg"
    kmsg.write_text(_kmsg(_messages(LINES, disk), 0))
    total = [LINES]

    def grow() -> None:
        with kmsg.open("a") as more:
            more.write(_kmsg(_messages(NEW, disk, total[0]), total[0]))
        total[0] += NEW

    def whole(_n: int) -> None:
        grow()
        kernel_log.reset()  # a fresh open: the whole buffer
        reading = kernel_log.read_kernel_log(None, root)
        assert reading.ok, reading.result

    kernel_log.reset()
    held: list[KernelLog | None] = [kernel_log.read_kernel_log(None, root).value]

    def incremental(_n: int) -> None:
        grow()
        reading = kernel_log.read_kernel_log(held[0], root)
        assert reading.ok and reading.value is not None and reading.value.lines == total[0], reading.result
        held[0] = reading.value

    try:
        return _median(passes, whole), _median(passes, incremental)
    finally:
        kernel_log.reset()


def main() -> int:
    passes = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    disk = _disk_lines()
    failed = False
    with tempfile.TemporaryDirectory() as where:
        work = Path(where)
        for name, bench in (("journal", bench_journal), ("kmsg", bench_kmsg)):
            whole, incremental = bench(work, disk, passes)
            ratio = incremental / whole
            failed |= ratio > GOAL_RATIO
            print(
                f"{name}: {LINES:,}-line log, +{NEW} lines a pass (median of {passes}):"
                f" whole {whole * 1000:.1f} ms, from the cursor {incremental * 1000:.2f} ms,"
                f" ratio {ratio:.3f} (goal ≤ {GOAL_RATIO})"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
