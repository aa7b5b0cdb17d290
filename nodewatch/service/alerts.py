"""Alert delivery: the configured apprise URLs, sent from a worker thread with retries.

Detection never waits for a notifier: the loop hands a message to Notifier.submit() and goes
on. The worker sends it through a short-lived child (service/deliver.py), retries each URL that
failed with growing pauses (BACKOFF), and records every attempt with the URL redacted. URLs
carry tokens: they are never logged or stored whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import itertools
import json
import logging
import os
import re
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from nodewatch.config import AlertsSettings

log = logging.getLogger(__name__)

BACKOFF = (10.0, 60.0, 300.0, 1800.0)  # seconds before the 2nd, 3rd, … attempt; then give up
CHILD_TIMEOUT = 120.0  # one delivery child, all its URLs (apprise times out per request itself)
WARM_SECONDS = 60.0  # a child started ahead of an alert that may come is let go after this
KEPT_LOOK_SECONDS = 30.0  # keep_loaded: how often the worker looks whether the kept child still lives
KEPT_RESTART_SECONDS = 60.0  # keep_loaded: a kept child that died is started again at most this often


class AlertConfigError(Exception):
    """The alert URLs cannot be read (urls_file missing or unreadable)."""


@dataclass(frozen=True, slots=True)
class Target:
    url: str

    @property
    def name(self) -> str:
        return redact(self.url)


@dataclass(frozen=True, slots=True)
class Outcome:
    target: Target
    ok: bool
    error: str | None = None
    plugin: str | None = None  # the apprise plugin module that served the URL (deliver.py)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at one URL, as recorded in history."""

    at: datetime
    target: str  # redacted
    kind: str
    key: str | None
    attempt: int
    ok: bool
    error: str | None


def redact(url: str) -> str:
    """'tgram://123:ABC/456' → 'tgram://…#1a2b3c': the scheme to tell services apart, a short
    hash to tell two URLs of one service apart, nothing that could be used to send."""
    scheme = url.split("://", 1)[0] if "://" in url else "?"
    digest = hashlib.sha256(url.encode()).hexdigest()[:6]
    return f"{scheme}://…#{digest}"


def scrub(text: str, urls: Sequence[str]) -> str:
    """Return text with every URL, and every long piece of one (tokens, hosts), replaced."""
    for url in urls:
        text = text.replace(url, redact(url))
        rest = url.split("://", 1)[-1]
        for piece in sorted(re.split(r"[/:@?&=#,+]+", rest), key=len, reverse=True):
            if len(piece) >= 6:
                text = text.replace(piece, "…")
    return text


def load_targets(alerts: AlertsSettings) -> tuple[list[Target], list[str]]:
    """Given the [alerts] section, return the targets and warnings (urls_file readable by others).

    Raise AlertConfigError when urls_file is set but cannot be read.
    """
    urls = [url.strip() for url in alerts.urls if url.strip()]
    warnings: list[str] = []
    urls_file = alerts.urls_file
    if urls_file:
        path = Path(urls_file)
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise AlertConfigError(f"alerts.urls_file {path}: {err.strerror}") from None
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            who = "everyone" if mode & stat.S_IROTH else "its group"
            warnings.append(
                f"alerts.urls_file {path} is readable by {who} (mode {stat.S_IMODE(mode):o}); the URLs in it"
                f" hold tokens: chmod 600 {path}"
            )
        urls += [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [Target(url) for url in dict.fromkeys(urls)], warnings


def start_child(plugins: Sequence[str] = (), which: bool = False) -> subprocess.Popen[str]:
    """Start a delivery child; it loads apprise (only these plugin modules, if given), then
    waits for its request on stdin. which: it answers which plugin serves each URL instead."""
    options = [f"--plugins={','.join(plugins)}"] if plugins else []
    return subprocess.Popen(
        [sys.executable, "-m", "nodewatch.service.deliver", *options, *(["--which"] if which else [])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_env(),
    )


def send(
    targets: Sequence[Target],
    title: str,
    body: str,
    timeout: float = CHILD_TIMEOUT,
    *,
    child: subprocess.Popen[str] | None = None,
    plugins: Sequence[str] = (),
) -> list[Outcome]:
    """Send one message to every target through an apprise child (a warm one if given, else
    one loading only `plugins` if given); never raises."""
    if not targets:
        return []
    request = json.dumps({"urls": [t.url for t in targets], "title": title, "body": body})
    urls = [t.url for t in targets]
    try:
        child = child or start_child(plugins)
        stdout, stderr = child.communicate(request, timeout=timeout)
    except subprocess.TimeoutExpired:
        if child is not None:
            child.kill()
            child.communicate()
        return [Outcome(t, False, f"no answer within {timeout:.0f} s") for t in targets]
    except OSError as err:
        return [Outcome(t, False, f"cannot start the delivery process: {err.strerror}") for t in targets]
    timing = next((line for line in stderr.splitlines() if line.startswith("timing: ")), None)
    if timing:
        log.debug("delivery process %s %s", child.pid, timing)
    try:
        answers = json.loads(stdout)
        if not isinstance(answers, list) or len(answers) != len(targets):
            raise ValueError("wrong number of answers")
    except ValueError:
        last = (stderr.strip().splitlines() or ["no output"])[-1]
        reason = scrub(f"delivery process failed (exit {child.returncode}): {last}", urls)
        return [Outcome(t, False, reason) for t in targets]
    return [
        Outcome(
            t,
            bool(a.get("ok")),
            scrub(str(a["error"]), urls) if a.get("error") else None,
            a.get("plugin") if isinstance(a.get("plugin"), str) else None,
        )
        for t, a in zip(targets, answers, strict=True)
    ]


def plugins_for(targets: Sequence[Target], timeout: float = CHILD_TIMEOUT) -> list[str]:
    """The apprise plugin modules serving the targets, asked of a child that loads them all
    once (deliver.py --which); [] when it cannot tell (then each child loads every plugin)."""
    if not targets:
        return []
    try:
        child = start_child(which=True)
        stdout, _ = child.communicate(json.dumps({"urls": [t.url for t in targets]}), timeout=timeout)
        names = json.loads(stdout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return []
    except (OSError, ValueError):
        return []
    if not isinstance(names, list):
        return []
    return sorted({name for name in names if isinstance(name, str)})  # None: apprise does not know it


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # The child must import this very nodewatch (a checkout run with PYTHONPATH, or the wheel).
    here = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH", "")) if p)
    return env


@dataclass(order=True)
class _Job:
    due: float
    order: int
    kind: str = field(compare=False)
    key: str | None = field(compare=False)
    title: str = field(compare=False)
    body: str = field(compare=False)
    targets: list[Target] = field(compare=False)
    attempt: int = field(compare=False, default=1)


class Notifier:
    """Sends messages from a worker thread; submit() never blocks.

    A delivery child is started ahead of an alert (prepare(): something changed) and let go
    after WARM_SECONDS; with keep_loaded ([alerts] keep_apprise_loaded) one is kept loaded at
    all times instead: started once the plugins are learned, replaced right after each use,
    started again if it died (at most every KEPT_RESTART_SECONDS)."""

    def __init__(
        self,
        targets: Sequence[Target],
        record: Callable[[Attempt], None] = lambda attempt: None,
        backoff: Sequence[float] = BACKOFF,
        clock: Callable[[], float] | None = None,
        keep_loaded: bool = False,
    ) -> None:
        import time

        self.targets = list(targets)
        self.keep_loaded = keep_loaded and bool(self.targets)
        self._record = record
        self._backoff = tuple(backoff)
        self._clock = clock or time.monotonic
        self._jobs: list[_Job] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._stopping = False
        self._busy = 0
        self._warm: subprocess.Popen[str] | None = None
        self._plugins: tuple[str, ...] = ()  # what serves the targets: a warm child loads only these
        self._learned = threading.Event()
        self._warm_until = 0.0
        self._restart_after = 0.0  # keep_loaded: a kept child is started again (not after use) from then on
        self._used = False  # keep_loaded: the kept child carried an alert: replace it at once
        self._released: list[subprocess.Popen[str]] = []
        self._thread = threading.Thread(target=self._run, name="nodewatch-alerts", daemon=True)
        self._thread.start()

    def submit(self, kind: str, key: str | None, title: str, body: str) -> None:
        if not self.targets:
            return
        with self._wake:
            heapq.heappush(
                self._jobs, _Job(self._clock(), next(self._order), kind, key, title, body, list(self.targets))
            )
            self._wake.notify()

    def prepare(self) -> None:
        """Something changed: start a delivery child now, so apprise is loaded by the time an
        alert is due (a second or two on a small machine). Never blocks for long."""
        if not self.targets:
            return
        with self._wake:
            if self.keep_loaded:  # the kept child is the warm one; the worker tends it
                self._wake.notify()
                return
            self._warm_until = self._clock() + WARM_SECONDS
            if self._warm is None or self._warm.poll() is not None:
                try:
                    self._warm = start_child(self._plugins)
                    log.debug("delivery process %s started ahead of an alert", self._warm.pid)
                except OSError as err:
                    log.warning("cannot start a delivery process ahead of time: %s", err.strerror)
                    self._warm = None
            self._wake.notify()

    def _take_warm(self) -> subprocess.Popen[str] | None:
        with self._wake:
            if self.keep_loaded and self._warm is not None and self._warm.poll() is not None:
                return None  # a kept child that died: left for _keep_loaded to tell and replace
            child, self._warm = self._warm, None
            if child is not None and child.poll() is None:
                self._used = True
                return child
        return None

    def _keep_loaded(self) -> float:
        """keep_loaded, with the lock held: replace the kept child at once after it was used;
        start it (first, again after it died, after a failed start) at most every
        KEPT_RESTART_SECONDS, so a child that keeps dying is no tight loop. Return the seconds
        until the next look."""
        now = self._clock()
        child = self._warm
        if child is not None and child.poll() is None:
            return KEPT_LOOK_SECONDS
        if child is not None:
            self._warm = None
            try:  # it has ended: its pipes are at their end at once
                last = (child.communicate(timeout=0.5)[1].strip().splitlines() or [""])[-1]
            except (subprocess.TimeoutExpired, OSError, ValueError):
                last = ""
            wait = max(0.0, self._restart_after - now)
            log.warning(
                "the delivery process kept loaded (%s) ended unexpectedly (exit %s)%s; starting another%s",
                child.pid,
                child.returncode,
                f": {last}" if last else "",
                f" in {wait:.0f} s" if wait else "",
            )
        if not self._used:
            if now < self._restart_after:
                return self._restart_after - now
            self._restart_after = now + KEPT_RESTART_SECONDS
        self._used = False
        try:
            self._warm = start_child(self._plugins)
            log.debug("delivery process %s started, kept loaded", self._warm.pid)
        except OSError as err:
            self._restart_after = now + KEPT_RESTART_SECONDS
            log.warning(
                "cannot start a delivery process to keep loaded: %s; next try in %.0f s",
                err.strerror,
                KEPT_RESTART_SECONDS,
            )
            return KEPT_RESTART_SECONDS
        return KEPT_LOOK_SECONDS

    def _let_go(self) -> None:
        """Release the warm child without waiting: an empty request makes it exit; it is
        reaped later (poll), so this never blocks."""
        child, self._warm = self._warm, None
        self._released = [c for c in self._released if c.poll() is None]
        if child is not None:
            with contextlib.suppress(OSError):
                if child.stdin is not None:
                    child.stdin.close()
            self._released.append(child)

    def pending(self) -> int:
        with self._wake:
            return len(self._jobs) + self._busy

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker; what is still waiting for a retry is dropped (and says so)."""
        with self._wake:
            self._stopping = True
            left = len(self._jobs)
            self._wake.notify()
        self._thread.join(timeout)
        with self._wake:
            self._let_go()
        if left:
            log.warning("stopping with %d notification(s) not delivered yet", left)

    def _learn_plugins(self) -> None:
        """Once, first: which apprise plugins serve the targets, so that the children started
        ahead of an alert load only those (half of apprise's loading time)."""
        if self.targets:
            plugins = tuple(plugins_for(self.targets))
            with self._wake:
                self._plugins = plugins
            log.debug("apprise plugins for the alert URLs: %s", ", ".join(plugins) or "all")
        self._learned.set()

    def _run(self) -> None:
        self._learn_plugins()
        while True:
            with self._wake:
                while not self._stopping and (not self._jobs or self._jobs[0].due > self._clock()):
                    # keep_loaded: tended before each wait, so a used child is replaced at once
                    waits = [self._keep_loaded()] if self.keep_loaded else []
                    if not self.keep_loaded and self._warm is not None and self._clock() >= self._warm_until:
                        self._let_go()
                    if self._jobs:
                        waits.append(self._jobs[0].due - self._clock())
                    if not self.keep_loaded and self._warm is not None:
                        waits.append(self._warm_until - self._clock())
                    self._wake.wait(max(0.0, min(waits)) if waits else None)
                if self._stopping:
                    return
                job = heapq.heappop(self._jobs)
                self._busy += 1
            try:
                self._attempt(job)
            except Exception:  # a bug here must not end alerting for good
                log.exception("delivering a %s notification failed unexpectedly", job.kind)
            finally:
                with self._wake:
                    self._busy -= 1

    def _attempt(self, job: _Job) -> None:
        outcomes = send(job.targets, job.title, job.body, child=self._take_warm(), plugins=self._plugins)
        failed: list[Target] = []
        for outcome in outcomes:
            attempt = Attempt(
                datetime.now(UTC),
                outcome.target.name,
                job.kind,
                job.key,
                job.attempt,
                outcome.ok,
                outcome.error,
            )
            try:
                self._record(attempt)
            except Exception:  # history full or gone: delivery still counts
                log.warning("could not record the delivery to %s", outcome.target.name, exc_info=True)
            if outcome.ok:
                log.info("%s notification delivered to %s", job.kind, outcome.target.name)
                continue
            failed.append(outcome.target)
            if job.attempt > len(self._backoff):
                log.error(
                    "%s notification to %s failed %d times, giving up: %s",
                    job.kind,
                    outcome.target.name,
                    job.attempt,
                    outcome.error,
                )
            else:
                log.warning(
                    "%s notification to %s failed (attempt %d, retry in %.0f s): %s",
                    job.kind,
                    outcome.target.name,
                    job.attempt,
                    self._backoff[job.attempt - 1],
                    outcome.error,
                )
        if failed and job.attempt <= len(self._backoff):
            with self._wake:
                job.due = self._clock() + self._backoff[job.attempt - 1]
                job.attempt += 1
                job.targets = failed
                heapq.heappush(self._jobs, job)
                self._wake.notify()
