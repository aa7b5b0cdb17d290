"""The web part: page and /metrics render time for a 60-disk, 4-pool node, and the memory it adds.

Goal (issue 11): the page and /metrics each render in ≤ 50 ms for 60 disks in
4 pools; the service with the web part loaded stays within the service's
budget (≤ 40 MB RSS on a Pi Zero 2).

The node is built from the bundled demo (the seed story recorded on a real
OpenZFS 2.3.2 VM): its SATA disk record (with its SMART) is copied to 60
disks, each with a ZFS member partition, and its raidz1 pool to 4 raidz2
pools of 15 members each, one member missing as in the recording. Times are
the minimum of RUNS renders through Werkzeug's test client (the whole WSGI
path, without sockets), beside the same run's baseline: `diagnose --json` of
the same report (json.dumps of its document), the cheapest output there is.

Memory: RSS (VmRSS) of a child process that holds the diagnosed report (the
service's idle state) and of one that has also built the app and answered
every route once; and of `nodewatch serve --demo` (the whole service) idle,
after its first page, /metrics and /api/v1/status, and steady after ten more
rounds of every route, beside the same run's baseline: a bare `python3 -c`
of the same interpreter (what any Python program costs before it does
anything).

Run: python3 bench/bench_web.py [RUNS]
"""

from __future__ import annotations

import dataclasses
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import demo_service  # noqa: E402 - beside this file

from nodewatch import diagnose, model, replay  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
DISKS, POOLS = 60, 4
GOAL_MS = 50.0
RSS_BUDGET_MIB = 40e6 / 2**20  # the service's budget: 40 MB


def big_snapshot() -> model.Snapshot:
    demo = replay.demo_snapshot()
    template = next(disk for disk in demo.disks if disk.devnode == "/dev/sda")
    pool = demo.pools[0]
    assert pool.root is not None
    raidz = pool.root.children[0]
    leaf = next(v for v in raidz.children if v.state == "ONLINE")
    missing = next(v for v in raidz.children if v.state != "ONLINE")
    disks: list[model.Disk] = []
    pools: list[model.Pool] = []
    per_pool = DISKS // POOLS
    for p in range(POOLS):
        name = f"tank{p}"
        leaves: list[model.Vdev] = []
        for d in range(per_pool):
            number = p * per_pool + d
            devnode = f"/dev/sd{_letters(number)}"
            guid = model.Guid(1_000_000_000_000 + number)
            serial = f"WD-WX{number:010d}"
            by_id = tuple(
                dataclasses.replace(link, name=link.name.replace(template.serial or "", serial))
                for link in template.by_id
            )
            partition = dataclasses.replace(
                template.partitions[0] if template.partitions else model.Partition(devnode=devnode + "1"),
                devnode=devnode + "1",
                zfs=model.ZfsMember(pool_name=name, pool_guid=model.Guid(77 + p), vdev_guid=guid),
            )
            disks.append(
                dataclasses.replace(
                    template, devnode=devnode, serial=serial, by_id=by_id, partitions=(partition,)
                )
            )
            source = missing if d == 0 else leaf
            leaves.append(
                dataclasses.replace(source, name=by_id[0].name if d else str(guid), guid=guid, path=None)
            )
        vdev = dataclasses.replace(raidz, type=model.VdevType.RAIDZ2, name="raidz2-0", children=tuple(leaves))
        root = dataclasses.replace(pool.root, name=name, children=(vdev,))
        pools.append(dataclasses.replace(pool, name=name, root=root))
    assert demo.inventory is not None and demo.pool_status is not None
    return dataclasses.replace(
        demo,
        inventory=dataclasses.replace(demo.inventory, disks=tuple(disks)),
        pool_status=dataclasses.replace(demo.pool_status, pools=tuple(pools)),
    )


def _letters(number: int) -> str:
    out = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def _min_ms(action, runs: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def render_times(report: model.Report) -> dict[str, float]:
    from werkzeug.test import Client

    from nodewatch.present.envelope import report_document
    from nodewatch.web.app import create_app
    from nodewatch.web.source import ReplaySource

    client = Client(create_app(ReplaySource(report, "bench")))
    for route in ("/", "/metrics"):  # warm: templates compiled, modules imported
        assert client.get(route).status_code == 200
    return {
        "baseline: diagnose --json": _min_ms(lambda: json.dumps(report_document(report)), RUNS),
        "page /": _min_ms(lambda: client.get("/").get_data(), RUNS),
        "/metrics": _min_ms(lambda: client.get("/metrics").get_data(), RUNS),
        "/api/v1/status": _min_ms(lambda: client.get("/api/v1/status").get_data(), RUNS),
    }


_CHILD = """
import sys
sys.path.insert(0, {repo!r})
from nodewatch import diagnose, replay
report = diagnose.diagnose(replay.demo_snapshot())
if {web!r}:
    from nodewatch.web.app import create_app
    from nodewatch.web.source import ReplaySource
    app = create_app(ReplaySource(report, "bench"))
    for route in ("/", "/api/v1/status", "/api/v1/events", "/healthz", "/metrics", "/static/page.css"):
        b"".join(app({{"REQUEST_METHOD": "GET", "PATH_INFO": route}}, lambda status, headers: None))
    import waitress.server  # noqa: F401 (what serve loads to listen)
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) / 1024)
"""


def child_rss(web: bool) -> float:
    code = _CHILD.format(repo=str(REPO), web=web)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return float(out.strip())


SERVED_ROUTES = ("/", "/metrics", "/api/v1/status")


def _vmrss(pid: int | str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def bare_python_rss() -> float:
    """The same run's baseline: a bare interpreter (with the same site-packages) that does nothing."""
    code = "import re;print(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read())[1])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return int(out) / 1024


def serve_rss() -> dict[str, float]:
    """RSS of `nodewatch serve --demo`: idle, after each of SERVED_ROUTES once, and steady after
    ten more rounds of every route."""
    process, port = demo_service.start()
    out: dict[str, float] = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("nodewatch serve --demo did not listen") from None
                time.sleep(0.3)
        time.sleep(3)  # its first pass over the demo (history, alerts) done
        out["idle, page never asked for"] = _vmrss(process.pid)
        for route in SERVED_ROUTES:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{route}", timeout=30).read()
            out[f"after first {route}"] = _vmrss(process.pid)
        for _ in range(10):
            for route in (*SERVED_ROUTES, "/api/v1/events", "/healthz", "/static/page.css"):
                urllib.request.urlopen(f"http://127.0.0.1:{port}{route}", timeout=30).read()
        time.sleep(1)
        out["steady, ten more rounds"] = _vmrss(process.pid)
        return out
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def main() -> int:
    snapshot = big_snapshot()
    report = diagnose.diagnose(snapshot)
    print(f"node: {len(snapshot.disks)} disks, {len(snapshot.pools)} pools, {len(report.findings)} findings")
    times = render_times(report)
    baseline = times["baseline: diagnose --json"]
    ok = True
    for name, ms in times.items():
        goal = ""
        if name in ("page /", "/metrics"):
            ok = ok and ms <= GOAL_MS
            goal = f"  goal ≤ {GOAL_MS:.0f} ms: {'OK' if ms <= GOAL_MS else 'OVER'}"
        print(f"{name:28} {ms:7.2f} ms  ({ms / baseline:4.1f} x baseline, min of {RUNS}){goal}")
    bare, web = child_rss(False), child_rss(True)
    print(f"RSS, report held (baseline)  {bare:6.1f} MiB")
    print(f"RSS, + web app, every route  {web:6.1f} MiB  (+{web - bare:.1f} MiB)")
    python = bare_python_rss()
    print(f"RSS, bare python3 (baseline) {python:6.1f} MiB")
    print(f"`nodewatch serve --demo` (budget 40 MB = {RSS_BUDGET_MIB:.1f} MiB):")
    for stage, rss in serve_rss().items():
        over = rss > RSS_BUDGET_MIB
        ok = ok and not over
        print(f"  {stage:28} {rss:6.1f} MiB  ({rss / python:3.2f} x bare python){'  OVER' if over else ''}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
