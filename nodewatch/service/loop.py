"""The long-running service: watch, collect, diagnose, remember, tell.

Threads, so that one slow probe never holds the others up:

- the main thread ticks every few seconds: the systemd watchdog, the kstat poll (a pool's
  kernel state, read from /proc even while `zpool` hangs), the schedule of full and SMART
  passes, and recovery holds running out; a full pass reads the pools and the node, and
  the disks only every tenth time while the udev monitor runs;
- five lanes run collections, each on its own thread: `pools` (zpool + kstat); `node` (btrfs
  and the node's own health: power, heat, flash wear, space, NixOS generation, kernel log; on the
  full pass's schedule and after disk events); `disks` (udev + mounts); `imports` (pools
  that should be imported: reads the cache file and the boot journal, so only at start,
  when a disk comes, when a pool goes, and hourly); `smart` (smartctl -n standby, on its
  slower interval). A lane re-reads only its probes (probe.collect(only=…)) and its result
  is merged into the current snapshot;
- the udev monitor and the ZED FIFO wake the lanes (debounced) when something changes; a
  disk udev says is removed leaves the inventory at once, so a pools pass that ends before
  the disks pass does not take the pulled disk for one that is back;
- alerts go out from the Notifier's worker, never from here.

After each merge the snapshot is diagnosed (with the remembered pool members), the policy
says what to record and send, and the report becomes what the page shows. What a lane could
not read keeps its last good value (the failed probe says why, and the status is stale).
"""

from __future__ import annotations

import dataclasses
import logging
import signal
import threading
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from nodewatch import model
from nodewatch.config import Config
from nodewatch.service import alerts, health, members, message, policy, sdnotify, zed
from nodewatch.service.store import Store, StoreError

log = logging.getLogger(__name__)

POOL_PROBES = frozenset({"zpool", "kstat"})
# btrfs (four cheap `btrfs` calls per mounted btrfs filesystem) and the node's own health (Pi
# power and heat, eMMC wear, space of /, /boot, /nix, NixOS booted vs current, the kernel log
# since the last pass): in a lane of their own on the full pass's schedule (and after disk
# events, for what the kernel and btrfs say about them), so that a pools pass woken by ZED
# or udev waits for none of them.
NODE_PROBES = frozenset({"btrfs", "power", "thermal", "flash", "space", "nixos", "kernel_log"})
DISK_PROBES = frozenset({"udev", "mounts"})
# imports (pools that should be imported, and the `zpool import` listing when one is not) reads
# the cache file (zdb) and the boot journal: seconds of CPU on a small node, so not each cycle.
IMPORT_PROBES = frozenset({"imports"})
SMART_PROBES = frozenset({"smartctl"})
LANES: dict[str, frozenset[str]] = {
    "pools": POOL_PROBES,
    "node": NODE_PROBES,
    "disks": DISK_PROBES,
    "imports": IMPORT_PROBES,
    "smart": SMART_PROBES,
}
# Which parts of a Snapshot each lane refreshes when it merges.
LANE_FIELDS = {
    "pools": ("zfs_version", "pool_status", "kstat_states"),
    "node": ("btrfs", "throttling", "temperatures", "flash_wear", "filesystems", "nixos", "kernel_log"),
    "disks": ("inventory", "mounts"),
    "imports": ("expected_pools", "importable"),
    "smart": ("inventory",),
}
DEBOUNCE_SECONDS = 0.3  # gather a burst of uevents into one pass
NODE_DEBOUNCE_SECONDS = 2.0  # after the pools and disks passes a disk event wakes
IMPORTS_DEBOUNCE_SECONDS = 5.0  # a disk that comes: let the rest of its pool come too
IMPORTS_INTERVAL_SECONDS = 3600.0
DISKS_EVERY_PASSES = 10  # with the udev monitor running (each disks pass enumerates every disk)
MEMBER_WRITE_SECONDS = 3600.0  # refresh "last seen" of an unchanged member at most hourly (SD cards)
STALE_AFTER_PASSES = 3


class Lane:
    """One kind of collection on its own thread: triggered, debounced, never run twice at once."""

    def __init__(self, name: str, run: Callable[[], None]) -> None:
        self.name = name
        self._run = run
        self._due: float | None = None
        self._wake = threading.Condition()
        self._stopping = False
        self.running_since: float | None = None
        self._thread = threading.Thread(target=self._loop, name=f"nodewatch-{name}", daemon=True)
        self._thread.start()

    def trigger(self, delay: float = 0.0) -> None:
        with self._wake:
            due = time.monotonic() + delay
            self._due = (
                due if self._due is None else min(self._due, due) if delay == 0 else max(self._due, due)
            )
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._stopping and (self._due is None or self._due > time.monotonic()):
                    self._wake.wait(None if self._due is None else self._due - time.monotonic())
                if self._stopping:
                    return
                self._due = None
                self.running_since = time.monotonic()
            try:
                self._run()
            except Exception:  # a bug in one pass must not end watching
                log.exception("the %s pass failed", self.name)
            finally:
                self.running_since = None


class Service:
    def __init__(
        self,
        config: Config,
        *,
        replay: model.Snapshot | None = None,
        replayed: str | None = None,
        state_directory: Path | None = None,
        runtime_directory: Path = zed.DEFAULT_RUNTIME_DIRECTORY,
        root: Path = Path("/"),
        notify: sdnotify.Notifier | None = None,
        backoff: Collection[float] = alerts.BACKOFF,
        clear_hold: timedelta = policy.CLEAR_HOLD,
    ) -> None:
        self.config = config
        self.replay = replay
        self.replayed = replayed
        self.root = root
        self.runtime_directory = runtime_directory
        self.state_directory = state_directory or Path(config.service.state_directory)
        self.sd = notify or sdnotify.Notifier()
        self.started_at = datetime.now(UTC)
        self.stop_event = threading.Event()
        self.policy = policy.Policy(
            min_severity=policy.SEVERITY_NAMES[config.alerts.min_severity],
            renotify=timedelta(hours=config.alerts.renotify_hours),
            clear_hold=clear_hold,
        )
        self._lock = threading.RLock()  # merge + evaluate, one at a time
        self.snapshot: model.Snapshot | None = None
        self.report: model.Report | None = None
        self.last_attempt_at: datetime | None = None
        self.evaluations = 0
        self._service_findings: dict[str, model.Finding] = {}
        self._member_written: dict[model.Guid, tuple[model.KnownMember, float]] = {}
        self.store = self._open_store()
        self.problems = self._load_problems()
        self.known = self._load_members()
        targets, warnings = self._targets()
        self.notifier = alerts.Notifier(
            targets,
            record=self._record_delivery,
            backoff=tuple(backoff),
            keep_loaded=config.alerts.keep_apprise_loaded,
        )
        for warning in warnings:
            log.warning("%s", warning)
            self._service_findings["urls-readable"] = health.urls_file_readable(warning)
        self.lanes: dict[str, Lane] = {}
        self._stop_udev: Callable[[], None] | None = None
        self._zed: zed.ZedListener | None = None
        self._first_pass = threading.Event()
        self._pools_read = False
        # What a lane merges into before the first evaluation: a snapshot with nothing read.
        self._base = model.Snapshot(hostname="", collected_at=self.started_at)

    # ── setup ──────────────────────────────────────────────────────────────

    def _open_store(self) -> Store | None:
        try:
            store = Store.in_directory(self.state_directory)
        except StoreError as err:
            log.error("history unavailable: %s (watching and alerting from memory)", err)
            self._service_findings["history"] = health.history_unwritable(self.state_directory, str(err))
            return None
        if store.moved_aside is not None:
            self._service_findings["history-reset"] = health.history_reset(store.moved_aside)
        return store

    def _load_problems(self) -> dict[str, policy.Problem]:
        if self.store is None:
            return {}
        try:
            return {key: policy.Problem.from_data(body) for key, body in self.store.load_problems().items()}
        except (StoreError, ValueError) as err:
            log.error("could not read the open problems from history (%s): starting without them", err)
            return {}

    def _load_members(self) -> dict[model.Guid, model.KnownMember]:
        if self.store is None:
            return {}
        try:
            return self.store.members()
        except (StoreError, ValueError) as err:
            log.error("could not read the remembered pool members (%s)", err)
            return {}

    def _targets(self) -> tuple[list[alerts.Target], list[str]]:
        try:
            targets, warnings = alerts.load_targets(self.config.alerts)
        except alerts.AlertConfigError as err:
            log.error("%s: alerts go only to alerts.urls", err)
            self._service_findings["alerts"] = health.alerts_unconfigured(str(err))
            targets, warnings = [alerts.Target(u) for u in self.config.alerts.urls], []
        if not targets:
            log.warning("no alert URLs configured ([alerts] urls / urls_file): findings are only shown")
        else:
            log.info("alerts go to %s", ", ".join(t.name for t in targets))
        return targets, warnings

    def _record_delivery(self, attempt: alerts.Attempt) -> None:
        if self.store is not None:
            from nodewatch.service.store import DeliveryRow

            self.store.record_delivery(DeliveryRow(**dataclasses.asdict(attempt)))

    # ── running ────────────────────────────────────────────────────────────

    def run(self) -> int:
        """Run until SIGTERM/SIGINT (or stop()); return the exit status."""
        self._install_signals()
        if self.replay is not None:
            self.evaluate(self.replay)
            self.sd.ready(f"replaying {self.replayed}")
        else:
            self._start_watching()
            self._first_pass.wait(self._pass_deadline() + 5)
            self.sd.ready(self._status_line())
        log.info("nodewatch serve is running (%s)", self._status_line())
        self._tick_loop()
        self.shutdown()
        return 0

    def stop(self) -> None:
        self.stop_event.set()

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def handler(signum: int, frame: FrameType | None) -> None:
            log.info("received %s: stopping", signal.Signals(signum).name)
            self.stop_event.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def _start_watching(self) -> None:
        self.lanes = {
            name: Lane(name, lambda name=name: self._collect(name))  # type: ignore[misc]
            for name in LANES
        }
        try:
            from nodewatch.probe.udev_watch import watch_block_devices

            self._stop_udev = watch_block_devices(self._on_uevent)
        except OSError as err:
            log.warning(
                "%s: disks are re-read every %g s only", err, self.config.service.collect_interval_seconds
            )
        try:
            self._zed = zed.ZedListener(self.runtime_directory, self._on_zed_event)
        except OSError as err:
            log.warning(
                "cannot make %s (%s): ZFS events wait for the kstat poll",
                self.runtime_directory / zed.FIFO_NAME,
                err.strerror,
            )
        self.lanes["pools"].trigger()
        self.lanes["disks"].trigger()
        self.lanes["node"].trigger()
        if self.config.smart.enabled:
            self.lanes["smart"].trigger()
        # imports waits for the first pools pass (it asks which pools are imported): _collect

    def _tick_loop(self) -> None:
        service = self.config.service
        tick = float(service.kstat_interval_seconds)
        if self.sd.watchdog_seconds:
            tick = min(tick, self.sd.watchdog_seconds / 2)
        now = time.monotonic()
        next_full = now + service.collect_interval_seconds
        next_smart = now + service.smart_interval_hours * 3600
        next_kstat = now + service.kstat_interval_seconds
        next_imports = now + IMPORTS_INTERVAL_SECONDS
        passes = 0
        while not self.stop_event.wait(max(0.05, min(tick, next_kstat - time.monotonic()))):
            self.sd.watchdog()
            if self.replay is not None:
                continue
            now = time.monotonic()
            if now >= next_kstat:
                next_kstat = now + service.kstat_interval_seconds
                self._poll_kstat()
            if now >= next_full:
                next_full = now + service.collect_interval_seconds
                passes += 1
                self.lanes["pools"].trigger()
                self.lanes["node"].trigger()
                # udev tells when a disk comes or goes: with its monitor running, the disks are
                # re-read every DISKS_EVERY_PASSES passes only, to catch what it could miss.
                if self._stop_udev is None or passes % DISKS_EVERY_PASSES == 0:
                    self.lanes["disks"].trigger()
            if now >= next_imports:
                next_imports = now + IMPORTS_INTERVAL_SECONDS
                self.lanes["imports"].trigger()
            if now >= next_smart and self.config.smart.enabled:
                next_smart = now + service.smart_interval_hours * 3600
                self.lanes["smart"].trigger()
            if any(p.absent_since is not None for p in self.problems.values()) and self.report:
                self.reconsider()

    def shutdown(self) -> None:
        self.sd.stopping()
        for lane in self.lanes.values():
            lane.stop()
        if self._stop_udev is not None:
            self._stop_udev()
        if self._zed is not None:
            self._zed.close()
        self.notifier.close(timeout=10)
        if self.store is not None:
            self.store.close()
        self.sd.close()
        log.info("nodewatch serve stopped")

    # ── triggers ───────────────────────────────────────────────────────────

    def _on_uevent(self, action: str, device: str) -> None:
        log.debug("udev %s %s", action, device)
        if action in {"add", "remove"}:
            self.notifier.prepare()  # an alert may be due in a moment: load apprise now
        if action == "remove":
            self._forget_device(device)
        if action in {"add", "remove", "change", "move"} and self.lanes:
            self.lanes["disks"].trigger(DEBOUNCE_SECONDS)
            # ZFS learns of a vanished disk through the same event: look at the pools too.
            self.lanes["pools"].trigger(DEBOUNCE_SECONDS)
        if action in {"add", "remove"} and self.lanes:
            self.lanes["node"].trigger(NODE_DEBOUNCE_SECONDS)  # what the kernel said about it
        if action == "add" and self.lanes:
            self.lanes["imports"].trigger(IMPORTS_DEBOUNCE_SECONDS)

    def _forget_device(self, devnode: str) -> None:
        """udev says devnode is gone: drop it (a disk, or a partition) from the inventory now,
        before the disks pass re-reads it all."""
        with self._lock:
            for held in ("snapshot", "_base"):
                snapshot = getattr(self, held)
                if snapshot is not None and snapshot.inventory is not None:
                    setattr(self, held, without_device(snapshot, devnode))

    def _on_zed_event(self, event: zed.ZedEvent) -> None:
        log.debug("ZED event %s %s %s", event.eid, event.event_class, event.pool)
        if "statechange" in event.event_class or "removed" in event.event_class:
            self.notifier.prepare()
        if self.lanes:
            self.lanes["pools"].trigger(0.05)

    def _poll_kstat(self) -> None:
        from nodewatch.probe import zpool

        states = zpool.read_kstat_states(self.root)
        with self._lock:
            current = self.snapshot
            if current is None or states == current.kstat_states:
                return
            log.info("kernel pool state changed: %s", states)
            self.evaluate(dataclasses.replace(current, kstat_states=states))
        self.lanes["pools"].trigger()

    # ── collecting ─────────────────────────────────────────────────────────

    def _pass_deadline(self) -> float:
        return max(float(self.config.zfs.timeout_seconds), float(self.config.smart.timeout_seconds))

    def _collect(self, lane: str) -> None:
        self.last_attempt_at = datetime.now(UTC)
        with self._lock:
            previous = self.snapshot or self._base
        fresh = self._read(lane, previous)
        with self._lock:
            current = self.snapshot or self._base
            merged = merge(current, fresh, lane)
            if lane == "pools":
                first = not self._pools_read
                self._pools_read = True
                gone = {p.name for p in current.pools} - {p.name for p in merged.pools}
                if "imports" in self.lanes and (first or (gone and current.pool_status is not None)):
                    self.lanes["imports"].trigger()  # which pools should be here, and are not
            if self._pools_read:
                self.evaluate(merged)
            else:  # nothing to say before the pools were read once: keep what the disks gave
                self._base = merged
        if lane == "pools":
            self._first_pass.set()

    def _read(self, lane: str, previous: model.Snapshot) -> model.Snapshot:
        """Run one lane's probes (probe.collect with only=…); the rest comes from `previous`."""
        from nodewatch.probe import collect

        return collect.collect(self.config, self.root, only=LANES[lane], previous=previous)

    # ── evaluating ─────────────────────────────────────────────────────────

    def evaluate(self, snapshot: model.Snapshot) -> model.Report:
        """Diagnose the snapshot, record and tell what changed; return the report."""
        from nodewatch.diagnose import diagnose

        with self._lock:
            standing = [p.finding for p in self.problems.values() if p.absent_since is None]
            report = diagnose(snapshot, self.config.diagnose, self.snapshot, self.known, standing)
            self.snapshot = snapshot
            self._remember_members(snapshot)
            return self._decide(report)

    def reconsider(self) -> None:
        """Run the policy over the current report again (recovery holds run out with time)."""
        with self._lock:
            if self.report is not None:
                self._decide(dataclasses.replace(self.report, findings=self._own(self.report)))

    def _own(self, report: model.Report) -> tuple[model.Finding, ...]:
        """The report's findings without the service's own (they are added again by _decide)."""
        codes = {f.code for f in self._service_findings.values()}
        return tuple(f for f in report.findings if f.pool is not None or f.code not in codes)

    def _decide(self, report: model.Report) -> model.Report:
        now = datetime.now(UTC)
        findings = (*report.findings, *self._service_findings.values())
        report = dataclasses.replace(report, findings=findings)
        result = policy.step(self.policy, self.problems, findings, now)
        changed = bool(result.events or result.notices) or result.problems.keys() != self.problems.keys()
        changed = changed or any(
            result.problems[k].absent_since != self.problems[k].absent_since for k in result.problems
        )
        self.problems = result.problems
        self.report = report
        self.evaluations += 1
        for change, finding in result.events:
            log.info("%s: %s %s", change, finding.severity.name, finding.summary)
        if changed:
            self._write(lambda store: store.record_events(report, result.events, now))
            self._write(lambda store: store.save_problems({k: p.to_data() for k, p in self.problems.items()}))
        hostname = report.snapshot.hostname
        for notice in result.notices:
            title, body = message.compose(notice, hostname, now)
            log.info("alert (%s): %s", notice.kind.value, title)
            self.notifier.submit(notice.kind.value, notice.key, title, body)
        return report

    def _remember_members(self, snapshot: model.Snapshot) -> None:
        now = time.monotonic()
        due = []
        for member in members.members_seen(snapshot):
            known = self.known.get(member.vdev_guid)
            written = self._member_written.get(member.vdev_guid)
            same = known is not None and dataclasses.replace(known, last_seen=member.last_seen) == member
            if same and written is not None and now - written[1] < MEMBER_WRITE_SECONDS:
                continue
            due.append(member)
        if not due:
            return
        for member in due:
            self.known[member.vdev_guid] = member
            self._member_written[member.vdev_guid] = (member, now)
        self._write(lambda store: store.remember_members(due))

    def _write(self, action: Callable[[Store], Any]) -> None:
        if self.store is None:
            return
        try:
            action(self.store)
        except StoreError as err:
            if "history" not in self._service_findings:
                log.error("%s (watching and alerting from memory)", err)
            self._service_findings["history"] = health.history_unwritable(self.state_directory, str(err))
            return
        if self._service_findings.pop("history", None) is not None:
            log.info("history %s is writable again", self.store.path)

    # ── what the page reads ────────────────────────────────────────────────

    def _status_line(self) -> str:
        report = self.report
        if report is None:
            return "no collection finished yet"
        worst = report.exit_status
        return f"{len(report.snapshot.pools)} pool(s), {len(report.snapshot.disks)} disk(s), status {worst}"

    def stale(self) -> bool:
        if self.replay is not None:
            return False
        report = self.report
        if report is None:
            return True
        age = (datetime.now(UTC) - report.snapshot.collected_at).total_seconds()
        if age > STALE_AFTER_PASSES * float(self.config.service.collect_interval_seconds):
            return True
        return any(
            p.name == "zpool" and p.outcome is model.ProbeOutcome.FAILED for p in report.snapshot.probes
        )


def without_device(snapshot: model.Snapshot, devnode: str) -> model.Snapshot:
    """Given a snapshot, return it without the disk at devnode, or without that partition."""
    inventory = snapshot.inventory
    if inventory is None or not any(
        disk.devnode == devnode or any(part.devnode == devnode for part in disk.partitions)
        for disk in inventory.disks
    ):
        return snapshot
    disks = tuple(
        dataclasses.replace(disk, partitions=tuple(p for p in disk.partitions if p.devnode != devnode))
        for disk in inventory.disks
        if disk.devnode != devnode
    )
    return dataclasses.replace(snapshot, inventory=dataclasses.replace(inventory, disks=disks))


def merge(current: model.Snapshot, fresh: model.Snapshot, lane: str) -> model.Snapshot:
    """Given the current snapshot and a lane's fresh one, return current with that lane's parts
    taken from fresh; a part the lane failed to read keeps its last good value."""
    names = LANES[lane] | ({"udev", "mounts"} if lane == "smart" else frozenset())
    changes: dict[str, Any] = {}
    for name in LANE_FIELDS[lane]:
        value = getattr(fresh, name)
        if value is None and getattr(current, name) is not None:
            continue  # not read this time (failed or timed out): the last good value stays
        changes[name] = value
    probes = tuple(p for p in current.probes if p.name not in names) + tuple(
        p for p in fresh.probes if p.name in names
    )
    kept_raw = tuple(r for r in current.raw if r.probe not in names)
    raw = kept_raw + tuple(r for r in fresh.raw if r.probe in names)
    return dataclasses.replace(
        current,
        **changes,
        probes=probes,
        raw=raw,
        hostname=fresh.hostname or current.hostname,
        collected_at=fresh.collected_at,
        local_time=fresh.local_time,
    )
