"""Disk pulled → alert received, in the lab VM, beside ZED's own zedlet for the same event.

    flock /tmp/nodewatch-lab.lock python3 bench/bench_service_alert.py [SAMPLES] [--record] [--keep-loaded]

A 4-way mirror (one SATA disk, three behind USB bridges) on the OpenZFS 2.3 guest, nodewatch
under its unit alerting to a json:// receiver in the guest. Each sample pulls one USB disk
from inside the guest (its USB device deauthorized: the kernel drops it as on a real unplug)
and notes the guest's clock just before; the times are when ZED ran its zedlets for the
first event after the pull (a stamping zedlet beside nodewatch's) and when the receiver got
the alert. The disk is plugged back (re-authorized) and the next sample pulls another disk
once the pool's alerts have recovered (a disk pulled again within the recovery hold is a
flap: no new alert, by design; what the node's other findings say, e.g. the kernel log's
count of the last hour, does not gate the next pull). Each sample's journal (nodewatch -v,
ZED) goes to TRACE, and the split of each alert's time is printed: when the service heard
of it (udev, ZED), decided, and the apprise child loaded, was asked and answered.

--record also saves the guest's outputs around the first pull (zpool, udev, by-id, SMART and
the kernel log as the service reads it: healthy, pulled, plugged back) as lab fixtures under
tests/fixtures/lab/service-pull/zfs23/, for the unit tests of what the service says.
--keep-loaded runs the service with `[alerts] keep_apprise_loaded = true` (a delivery child
with apprise loaded at all times, instead of one started when udev or ZED report the pull).
Goal (issue 10): alert p95 ≤ 2 s.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from service_lab import KEEP_LOADED, journal, log, machine, p95, received, start_service, zed_stamps

from tests.e2e.lab.disks import Disk
from tests.e2e.lab.record import Recorder
from tests.e2e.lab.zfs import snapshot

POOL = "tank"
# The kernel log as the service's probe reads it (probe/kernel_log.py), from this boot.
KERNEL_LOG = "journalctl -k -b --no-pager -q -o short-iso-precise"


def disks(directory) -> list[Disk]:  # type: ignore[no-untyped-def]
    from tests.e2e.lab.disks import behind_usb_bridge, wd_sata

    return [wd_sata(directory, 1, port=0)] + [
        behind_usb_bridge(wd_sata(directory, n, port=n - 1), serial=f"0000001{n}3AE8") for n in (2, 3, 4)
    ]


TRACE = Path("/var/tmp/nodewatch-bench-alert-trace.txt")  # noqa: S108 - the host's, for a look afterwards


def main(samples: int, recording: bool = False, keep_loaded: bool = False) -> int:
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="nodewatch-bench-disks-", dir="/var/tmp"))
    TRACE.write_text("")
    log(f"journal of each sample (nodewatch -v, ZED): {TRACE}")
    layout = disks(work)
    m = machine("bench-alert", layout)
    rec = Recorder("service-pull", "zfs23", recording, by="bench/bench_service_alert.py --record")
    rec.begin(m)
    rec.save_devices(1, layout)
    try:
        usb_paths = []
        members = []
        for disk in layout:
            name = m.sh(
                f"ls /dev/disk/by-id | grep -v -- -part | grep -F -- {disk.serial} | grep -v ^wwn- | head -n1"
            ).strip()
            members.append(f"/dev/disk/by-id/{name}")
            if disk.bus == "usb-bot":
                devpath = m.sh(f"udevadm info -q path /dev/disk/by-id/{name}").strip()
                usb = next(p for p in devpath.split("/") if p[:1].isdigit() and "-" in p and ":" not in p)
                usb_paths.append((usb, disk.serial))
        m.sh(f"zpool create -f -o ashift=12 {POOL} mirror {' '.join(members)}", timeout=180)
        m.sh(f"dd if=/dev/urandom of=/{POOL}/data bs=1M count=8 conv=fsync")
        start_service(m, config=KEEP_LOADED if keep_loaded else "", verbose=True)
        log(f"[alerts] keep_apprise_loaded = {str(keep_loaded).lower()}")
        # kept loaded: the plugins learned, then the kept child loaded (under TCG up to ~30 s)
        time.sleep(60 if keep_loaded else 5)
        rows = []
        decided: list[float] = []  # pull → the service queued the alert (its journal)
        for sample in range(samples):
            usb, serial = usb_paths[sample % len(usb_paths)]
            _wait_online(m)
            _wait_for(m, _pool_recovered, 600, f"recovery of {POOL}'s alerts")
            if keep_loaded and sample:
                # The recovery was sent through the kept child; its replacement loads apprise
                # (3-9 s under TCG). Pulled sooner, the alert waits for it: a burst, not the
                # case measured here (a run without this wait measured it: see bench/README.md).
                time.sleep(30)
            if sample == 0:
                _record(m, rec, "healthy")
            before = len(received(m))
            t0 = float(m.sh(f"date +%s.%N; echo 0 > /sys/bus/usb/devices/{usb}/authorized").split()[0])
            got = _wait_for(
                m, lambda got, b=before, s=serial: _alert_for(got[b:], s) is not None, 180, "alert"
            )
            alert = _alert_for(got[before:], serial)
            assert alert is not None
            alert_s = alert["received_at"] - t0
            zed = next((s for s, _ in zed_stamps(m) if s >= t0), None)
            zed_s = zed - t0 if zed is not None else float("nan")
            time.sleep(3)  # what else the pull brings (a second alert would be the bug of issue 10)
            trace = journal(m, t0 - 0.5)
            decided_s = _queued(trace, alert["title"]) - t0
            rows.append((zed_s, alert_s))
            decided.append(decided_s)
            log(
                f"sample {sample + 1}: ZED zedlet {zed_s:.2f} s, nodewatch decided {decided_s:.2f} s,"
                f" alert received {alert_s:.2f} s ({alert['title']})"
            )
            log(f"  split: {_split(trace, t0)}")
            others = [x["title"] for x in received(m)[before:] if "RECOVERED" not in x["title"]]
            others = [title for title in others if title != alert["title"]]
            if others:
                log(f"  other alerts after this pull: {others}")
            TRACE.write_text(TRACE.read_text() + f"\n=== sample {sample + 1} pulled at {t0:.6f}\n{trace}")
            if sample == 0:
                _record(m, rec, "pulled")
            m.sh(f"echo 1 > /sys/bus/usb/devices/{usb}/authorized; sleep 2; udevadm settle")
            if sample == 0:
                _record(m, rec, "back")
        zed_p95 = p95([z for z, _ in rows])
        alert_p95 = p95([a for _, a in rows])
        print(f"samples: {len(rows)}")
        print(f"ZED zedlet ran after the pull: p95 {zed_p95:.2f} s, max {max(z for z, _ in rows):.2f} s")
        print(f"nodewatch alert received:      p95 {alert_p95:.2f} s, max {max(a for _, a in rows):.2f} s")
        print(f"alert minus zedlet, p95:        {p95([a - z for z, a in rows]):.2f} s")
        print(f"nodewatch queued the alert:    p95 {p95(decided):.2f} s (the rest is delivery)")
        print(f"alert p95 / zedlet p95:         {alert_p95 / zed_p95:.1f} x (the fair figure, emulated)")
        print(f"all titles: {[x['title'] for x in received(m)]}")
        print("goal: alert p95 <= 2 s:", "met" if alert_p95 <= 2 else "MISSED")
        if rec.written:
            log(f"recorded {len(rec.written)} files under {rec.dir}")
        return 0 if alert_p95 <= 2 else 1
    finally:
        m.kill()


def _alert_for(messages: list[dict], serial: str) -> dict | None:
    """The first alert (not a recovery) that names the pulled disk (its bridge's serial)."""
    return next(
        (x for x in messages if "RECOVERED" not in x["title"] and serial in x["message"]),
        None,
    )


def _queued(trace: str, title: str) -> float:
    """When the service's journal says it queued the alert with this title (guest clock)."""
    for line in trace.splitlines():
        if "alert (new): " in line and line.rstrip().endswith(title):
            return float(line.split()[0])
    return float("nan")


def _pool_recovered(got: list[dict]) -> bool:
    """Every alert about the pool so far has had its recovery: nothing about a member is held
    open (a disk pulled while its last alert is still open would be a flap: no new alert, by
    design). The node's other findings (the kernel log counts the last hour) do not gate."""
    titles = [x["title"].split(": ", 2)[-1] for x in got]
    said = [t for t, x in zip(titles, got, strict=True) if "RECOVERED" not in x["title"]]
    said = [t for t in said if t.startswith(f"{POOL}: ")]
    recovered = [t for t, x in zip(titles, got, strict=True) if "RECOVERED" in x["title"]]
    return all(said.count(t) <= recovered.count(t) for t in set(said))


def _split(trace: str, t0: float) -> str:
    """Where one alert's time went, from the service's journal (seconds after the pull)."""
    marks: dict[str, float] = {}
    for line in trace.splitlines():
        stamp, _, text = line.partition(" ")
        try:
            at = float(stamp)
        except ValueError:
            continue
        for needle, name in (
            ("loop: udev remove", "udev"),
            ("ZED event", "zed event"),
            ("resource.fs.zfs.statechange", "zed statechange"),
            ("started ahead of an alert", "child started"),
            ("`zpool status", "zpool status done"),
            ("alert (new)", "queued"),
            ("notification delivered", "delivered"),
        ):
            if needle in text and name not in marks:
                marks[name] = at - t0
        if "timing: apprise loaded" in text and "apprise loaded" not in marks:
            stamps = re.findall(r"(loaded|asked|answered) (\d+\.\d+)", text)
            found = {key: float(value) - t0 for key, value in stamps}
            if found.get("asked", -1) >= 0:  # not the delivery of an earlier message
                marks |= {"apprise loaded" if k == "loaded" else f"child {k}": v for k, v in found.items()}
    return ", ".join(f"{name} {at:.2f}" for name, at in sorted(marks.items(), key=lambda kv: kv[1]))


def _record(m, rec: Recorder, step: str) -> None:  # type: ignore[no-untyped-def]
    """The guest's outputs at this moment (record mode only), the kernel log with them."""
    if not rec.enabled:
        return
    snapshot(m, rec, step)
    rec.save(step, "kernel-log", m.run(KERNEL_LOG, timeout=60), note="the service's own kernel log command")


def _wait_for(m, want, timeout: float, what: str) -> list[dict]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = received(m)
        if want(got):
            return got
        time.sleep(0.5)
    raise SystemExit(f"no {what} within {timeout:.0f} s: {received(m)}")


def _wait_online(m) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        text = m.run("zpool status tank").out
        if "state: ONLINE" in text and "in progress" not in text:
            return
        if "REMOVED" in text or "UNAVAIL" in text or "FAULTED" in text:
            m.run("zpool online tank $(zpool status -g tank | awk '/REMOVED|UNAVAIL|FAULTED/ {print $1}')")
        time.sleep(2)
    raise SystemExit("the pool did not come back ONLINE")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sys.exit(main(int(args[0]) if args else 10, "--record" in sys.argv[1:], "--keep-loaded" in sys.argv[1:]))
