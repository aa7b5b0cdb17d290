"""An idle `nodewatch serve` with 24 disks at default intervals, beside prometheus-node-exporter.

    flock /tmp/nodewatch-lab.lock python3 bench/bench_service_idle.py [SECONDS] [--keep-loaded]

The OpenZFS 2.3 lab guest boots with 24 disks (6 SATA, 12 virtio, 6 behind USB bridges) in
three pools; nodewatch runs under its systemd unit with the default intervals (full pass every
60 s, kstat every 5 s, SMART every 6 h) and prometheus-node-exporter (the Debian package's
binary, fetched with `apt-get download` on the host: the guest has no network) runs beside
it, scraped every 15 s as Prometheus would (unscraped it does nothing). After a minute to
settle, both processes' CPU time (with their reaped children: zpool, smartctl) and resident
memory are read from /proc over SECONDS (default 600). Goals (issue 10):
≤ 0.1 % of one core, steady RSS ≤ 40 MB. The guest is emulated (TCG), so its CPU times are
inflated alike for both: the ratio to node-exporter is the comparable figure.

--keep-loaded runs the service with `[alerts] keep_apprise_loaded = true` and also prints the
kept delivery child's RSS and PSS, and the service's PSS (/proc/PID/smaps_rollup): the two
processes' PSS together is what the node pays.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from service_lab import KEEP_LOADED, log, machine, start_service

from tests.e2e.lab.disks import Disk
from tests.e2e.lab.vm import Machine

SCRAPE_SECONDS = 15.0


class ManyDisks(Machine):
    """Virtio disks on the root complex (pcie.0) instead of the six hot-plug root ports."""

    def _place(self, disk: Disk) -> list[dict]:  # type: ignore[override]
        specs = disk.device_specs()
        if disk.bus == "virtio":
            slot = 0x10 + sum(1 for d in self.disks.values() if d.bus == "virtio")
            specs[0] = {**specs[0], "bus": "pcie.0", "addr": hex(slot)}
        return specs


def layout(directory: Path) -> list[Disk]:
    sata = [
        Disk(
            f"sata{n}",
            directory / f"sata{n}.raw",
            "sata",
            serial=f"WD-WXB{n:02d}0000001",
            model="WDC WD40EFZX-68AWUN0",
            wwn=f"0x50014ee2{n:08x}",
            sata_port=n,
        )
        for n in range(6)
    ]
    virtio = [Disk(f"vd{n}", directory / f"vd{n}.raw", "virtio", serial=f"VIRT{n:04d}") for n in range(12)]
    usb = [
        Disk(
            f"usb{n}",
            directory / f"usb{n}.raw",
            "usb-bot",
            serial=f"0000009{n}3AE8",
            vendor="WDC",
            product="WD40EFZX-68AWUN0",
        )
        for n in range(6)
    ]
    return sata + virtio + usb


def node_exporter(directory: Path) -> Path:
    """The Debian package's binary, unpacked on the host."""
    subprocess.run(["apt-get", "download", "prometheus-node-exporter"], cwd=directory, check=True)
    deb = next(directory.glob("prometheus-node-exporter_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(deb), str(directory / "root")], check=True)
    return directory / "root" / "usr" / "bin" / "prometheus-node-exporter"


def sample(m: Machine, pid: str) -> tuple[int, int]:
    """(CPU ticks incl. reaped children, RSS kB) of a guest process."""
    fields = m.sh(f"cat /proc/{pid}/stat").rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    rss = int(
        next(
            line.split()[1]
            for line in m.sh(f"cat /proc/{pid}/status").splitlines()
            if line.startswith("VmRSS:")
        )
    )
    return ticks, rss


def rollup(m: Machine, pid: str) -> str:
    """RSS and PSS of a guest process, from /proc/PID/smaps_rollup."""
    kb = {
        line.split(":")[0]: int(line.split()[1])
        for line in m.sh(f"cat /proc/{pid}/smaps_rollup").splitlines()
        if line.startswith(("Rss:", "Pss:"))
    }
    return f"RSS {kb['Rss'] / 1024:.1f} MiB, PSS {kb['Pss'] / 1024:.1f} MiB"


def main(seconds: float, keep_loaded: bool = False) -> int:
    work = Path(tempfile.mkdtemp(prefix="nodewatch-bench-idle-", dir="/var/tmp"))
    exporter = node_exporter(work)
    m = machine("bench-idle", layout(work / "disks"), ManyDisks)
    try:
        ids = m.sh("ls /dev/disk/by-id").split()

        def names(prefix: str, keys: list[str]) -> str:
            whole = [i for i in ids if i.startswith(prefix) and "-part" not in i]
            return " ".join(f"/dev/disk/by-id/{next(i for i in whole if k in i)}" for k in keys)

        m.sh(f"zpool create -f tank raidz2 {names('wwn-', [f'{n:08x}' for n in range(6)])}", timeout=300)
        m.sh(
            f"zpool create -f vpool raidz1 {names('virtio-', [f'VIRT{n:04d}' for n in range(6)])}"
            f" raidz1 {names('virtio-', [f'VIRT{n:04d}' for n in range(6, 12)])}",
            timeout=300,
        )
        m.sh(
            f"zpool create -f upool mirror {names('usb-', [f'0000009{n}3AE8' for n in range(3)])}"
            f" mirror {names('usb-', [f'0000009{n}3AE8' for n in range(3, 6)])}",
            timeout=300,
        )
        disks = len([line for line in m.sh("lsblk -dn -o NAME,TYPE").splitlines() if line.endswith("disk")])
        m.agent.write_file("/usr/local/bin/node-exporter", exporter.read_bytes())  # type: ignore[union-attr]
        unit = "[Service]\nExecStart=/usr/local/bin/node-exporter --web.listen-address=127.0.0.1:9100\n"
        m.agent.write_file("/run/systemd/system/node-exporter.service", unit.encode())  # type: ignore[union-attr]
        m.sh("chmod 755 /usr/local/bin/node-exporter")
        m.sh("systemctl daemon-reload && systemctl start node-exporter")
        start_service(m, config=KEEP_LOADED if keep_loaded else "")
        log(f"{disks} disks (the root disk among them); settling 60 s")
        time.sleep(60)
        pids = {
            "nodewatch": m.sh("systemctl show -p MainPID --value nodewatch").strip(),
            "node-exporter": m.sh("systemctl show -p MainPID --value node-exporter").strip(),
        }
        hz = int(m.sh("getconf CLK_TCK"))
        first = {name: sample(m, pid) for name, pid in pids.items()}
        start = time.monotonic()
        peak = {name: rss for name, (_, rss) in first.items()}
        rounds = 0
        while time.monotonic() - start < seconds:
            # node-exporter works only when scraped: scrape it as Prometheus would (every 15 s)
            time.sleep(SCRAPE_SECONDS)
            m.run(
                "python3 -c \"import urllib.request as u; u.urlopen('http://127.0.0.1:9100/metrics').read()\""
            )
            rounds += 1
            if rounds % 2 == 0:
                for name, pid in pids.items():
                    peak[name] = max(peak[name], sample(m, pid)[1])
        elapsed = time.monotonic() - start
        last = {name: sample(m, pid) for name, pid in pids.items()}
        print(
            f"{disks} disks, {elapsed:.0f} s idle, default intervals (guest under TCG);"
            f" node-exporter scraped every {SCRAPE_SECONDS:g} s"
        )
        cpu = {}
        for name in pids:
            cpu[name] = 100 * (last[name][0] - first[name][0]) / hz / elapsed
            print(
                f"{name:14} CPU {cpu[name]:.3f} % of a core, RSS {last[name][1] / 1024:.1f} MiB"
                f" (peak {peak[name] / 1024:.1f} MiB)"
            )
        print(f"nodewatch (the service alone): {rollup(m, pids['nodewatch'])}")
        if keep_loaded:
            kept = m.run(f"pgrep -P {pids['nodewatch']} -f nodewatch.service.deliver").out.split()
            for pid in kept:
                print(f"kept delivery child {pid}: {rollup(m, pid)}")
            if not kept:
                print("keep_apprise_loaded = true, but no kept delivery child found")
        ratio = cpu["nodewatch"] / cpu["node-exporter"] if cpu["node-exporter"] else float("inf")
        print(f"nodewatch / node-exporter CPU: {ratio:.2f}")
        ok = cpu["nodewatch"] <= 0.1 and peak["nodewatch"] / 1024 * 1.048576 <= 40
        print("goals (<= 0.1 % CPU, <= 40 MB RSS):", "met" if ok else "MISSED")
        return 0 if ok else 1
    finally:
        m.kill()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sys.exit(main(float(args[0]) if args else 600, "--keep-loaded" in sys.argv[1:]))
