"""History in SQLite under the state directory: events, open problems, pool members, deliveries.

One file, `history.sqlite3`, in WAL mode. The schema is versioned with `PRAGMA user_version`;
MIGRATIONS[n] takes a database from version n to n + 1, so an old file is brought up to date
on open and a newer one is refused (never silently rewritten).

The store never takes the service down: a corrupt file is moved aside (said loudly) and a new
one started; a full disk or an unwritable directory raises StoreError, which the service turns
into a finding while it keeps watching with what it holds in memory.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nodewatch import model, serialize

log = logging.getLogger(__name__)

FILENAME = "history.sqlite3"

MIGRATIONS: tuple[str, ...] = (
    # 0 → 1
    """
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        collected_at TEXT NOT NULL,
        body BLOB NOT NULL                 -- zlib(JSON of the Report, serialize.to_data)
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,                  -- ISO 8601, UTC
        change TEXT NOT NULL,              -- new | worse | cleared (compare.Change)
        key TEXT NOT NULL,                 -- str(FindingKey)
        severity INTEGER NOT NULL,
        code TEXT NOT NULL,
        pool TEXT,
        device TEXT,
        summary TEXT NOT NULL,
        finding TEXT NOT NULL,             -- JSON of the Finding
        report_id INTEGER REFERENCES reports(id)
    );
    CREATE INDEX events_at ON events(at);
    CREATE TABLE problems (                -- what is wrong now, and what was said about it
        key TEXT PRIMARY KEY,
        body TEXT NOT NULL                 -- JSON of service.policy.Problem
    );
    CREATE TABLE members (                 -- every pool member ever seen, by vdev guid
        vdev_guid TEXT PRIMARY KEY,
        pool TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        body TEXT NOT NULL                 -- JSON of model.KnownMember
    );
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        target TEXT NOT NULL,              -- the URL, redacted
        kind TEXT NOT NULL,                -- new | worse | still | recovered | test
        key TEXT,
        attempt INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        error TEXT
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """History cannot be written or read (full disk, unwritable directory, newer schema)."""


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    at: datetime
    change: str
    key: str
    severity: model.Severity
    code: str
    pool: str | None
    device: str | None
    summary: str
    finding: model.Finding


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    at: datetime
    target: str
    kind: str
    key: str | None
    attempt: int
    ok: bool
    error: str | None


class Store:
    """The history database. Thread-safe: the loop writes, the web page and CLI read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.moved_aside: Path | None = None  # set when a corrupt file was replaced on open
        self._lock = threading.Lock()
        self._db = self._open()

    @classmethod
    def in_directory(cls, directory: Path) -> Store:
        return cls(directory / FILENAME)

    # ── opening, corruption, migrations ────────────────────────────────────

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(f"cannot create {self.path.parent}: {err.strerror}") from None
        try:
            return self._connect()
        except sqlite3.DatabaseError as err:
            if isinstance(err, sqlite3.OperationalError) and not _is_corruption(err):
                raise StoreError(f"cannot open {self.path}: {err}") from None
            self.moved_aside = self._move_aside()
            log.error(
                "history database %s is corrupt (%s): moved aside to %s, starting a new one",
                self.path,
                err,
                self.moved_aside,
            )
            try:
                return self._connect()
            except sqlite3.Error as again:
                raise StoreError(f"cannot start a new {self.path}: {again}") from None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            check = db.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {check[0] if check else 'no answer'}")
            self._migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this nodewatch ({SCHEMA_VERSION})"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            db.execute("BEGIN IMMEDIATE")
            for statement in _statements(MIGRATIONS[target - 1]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {target}")
            db.execute("COMMIT")
            log.info("history %s: schema migrated to version %d", self.path, target)

    def _move_aside(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                try:
                    source.rename(Path(f"{aside}{suffix}"))
                except OSError as err:
                    raise StoreError(f"cannot move corrupt {source} aside: {err.strerror}") from None
        return aside

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
            except sqlite3.Error as err:
                with suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise StoreError(f"cannot write {self.path}: {err}") from None

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return list(self._db.execute(sql, tuple(params)))
            except sqlite3.Error as err:
                raise StoreError(f"cannot read {self.path}: {err}") from None

    # ── events ─────────────────────────────────────────────────────────────

    def record_events(
        self, report: model.Report, events: Iterable[tuple[str, model.Finding]], at: datetime
    ) -> int:
        """Store the report and one event per (change, finding); return how many events."""
        rows = list(events)
        if not rows:
            return 0
        body = zlib.compress(json.dumps(serialize.to_data(report), separators=(",", ":")).encode())
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO reports(collected_at, body) VALUES (?, ?)",
                (report.snapshot.collected_at.isoformat(), body),
            )
            report_id = cursor.lastrowid
            db.executemany(
                "INSERT INTO events(at, change, key, severity, code, pool, device, summary, finding,"
                " report_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        at.isoformat(),
                        change,
                        str(finding.key),
                        int(finding.severity),
                        finding.code,
                        finding.pool,
                        device_of(finding),
                        finding.summary,
                        _json(finding),
                        report_id,
                    )
                    for change, finding in rows
                ],
            )
        return len(rows)

    def events(self, since: datetime | None = None, limit: int | None = None) -> list[EventRow]:
        """Return events, newest first."""
        sql = "SELECT id, at, change, key, severity, code, pool, device, summary, finding FROM events"
        params: list[Any] = []
        if since is not None:
            sql += " WHERE at >= ?"
            params.append(since.astimezone(UTC).isoformat())
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [
            EventRow(
                id=row[0],
                at=datetime.fromisoformat(row[1]),
                change=row[2],
                key=row[3],
                severity=model.Severity(row[4]),
                code=row[5],
                pool=row[6],
                device=row[7],
                summary=row[8],
                finding=serialize.from_data(model.Finding, json.loads(row[9])),
            )
            for row in self._read(sql, params)
        ]

    def report_of(self, event_id: int) -> model.Report | None:
        rows = self._read(
            "SELECT r.body FROM events e JOIN reports r ON r.id = e.report_id WHERE e.id = ?", (event_id,)
        )
        if not rows:
            return None
        return serialize.from_data(model.Report, json.loads(zlib.decompress(rows[0][0])))

    # ── open problems (the alert state, kept across restarts) ──────────────

    def save_problems(self, problems: dict[str, Any]) -> None:
        """Replace the open problems with these (key → JSON-ready body)."""
        with self._write() as db:
            db.execute("DELETE FROM problems")
            db.executemany(
                "INSERT INTO problems(key, body) VALUES (?, ?)",
                [(key, json.dumps(body)) for key, body in problems.items()],
            )

    def load_problems(self) -> dict[str, Any]:
        return {key: json.loads(body) for key, body in self._read("SELECT key, body FROM problems")}

    # ── members ────────────────────────────────────────────────────────────

    def remember_members(self, members: Iterable[model.KnownMember]) -> None:
        rows = [(str(m.vdev_guid), m.pool, m.last_seen.isoformat(), _json(m)) for m in members]
        if not rows:
            return
        with self._write() as db:
            db.executemany(
                "INSERT INTO members(vdev_guid, pool, last_seen, body) VALUES (?,?,?,?)"
                " ON CONFLICT(vdev_guid) DO UPDATE SET pool=excluded.pool, last_seen=excluded.last_seen,"
                " body=excluded.body",
                rows,
            )

    def members(self) -> dict[model.Guid, model.KnownMember]:
        out: dict[model.Guid, model.KnownMember] = {}
        for (body,) in self._read("SELECT body FROM members"):
            member = serialize.from_data(model.KnownMember, json.loads(body))
            out[member.vdev_guid] = member
        return out

    # ── deliveries ─────────────────────────────────────────────────────────

    def record_delivery(self, row: DeliveryRow) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO deliveries(at, target, kind, key, attempt, ok, error) VALUES (?,?,?,?,?,?,?)",
                (row.at.isoformat(), row.target, row.kind, row.key, row.attempt, int(row.ok), row.error),
            )

    def deliveries(self, limit: int = 100) -> list[DeliveryRow]:
        return [
            DeliveryRow(datetime.fromisoformat(r[0]), r[1], r[2], r[3], r[4], bool(r[5]), r[6])
            for r in self._read(
                "SELECT at, target, kind, key, attempt, ok, error FROM deliveries ORDER BY id DESC LIMIT ?",
                (limit,),
            )
        ]


def device_of(finding: model.Finding) -> str | None:
    """The disk a finding is about, as a name a person finds it by (by-id, else devnode)."""
    if finding.disk is None:
        return None
    return finding.disk.by_id or finding.disk.devnode


def _json(value: Any) -> str:
    return json.dumps(serialize.to_data(value), separators=(",", ":"), ensure_ascii=False)


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip() and not _only_comments(part)]


def _only_comments(part: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in part.splitlines())


def _is_corruption(err: sqlite3.Error) -> bool:
    text = str(err).lower()
    return "malformed" in text or "not a database" in text or "quick_check" in text
