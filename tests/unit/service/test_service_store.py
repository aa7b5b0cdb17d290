"""The history database on real SQLite files: events, members, problems, corruption, read-only dirs."""

import dataclasses
import logging
import os
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from nodewatch import model
from nodewatch.diagnose import diagnose
from nodewatch.service.store import FILENAME, SCHEMA_VERSION, Store, StoreError
from tests.support.recordings import lab_snapshot

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def degraded():
    return diagnose(lab_snapshot("seed-usb-reattach", "zfs23", "02-degraded"))


def test_events_round_trip_with_the_report_that_showed_them(tmp_path, degraded):
    store = Store.in_directory(tmp_path)
    finding = degraded.findings[0]
    assert store.record_events(degraded, [("new", finding)], NOW) == 1
    [row] = store.events()
    assert (row.change, row.code, row.pool, row.severity) == (
        "new",
        finding.code,
        "bigdata",
        finding.severity,
    )
    assert row.finding == finding and row.key == str(finding.key)
    assert row.device == finding.disk.by_id
    assert store.report_of(row.id) == degraded
    assert store.events(since=NOW + timedelta(seconds=1)) == []
    store.close()
    reopened = Store.in_directory(tmp_path)
    assert [e.finding for e in reopened.events()] == [finding]


def test_wal_and_schema_version(tmp_path):
    Store.in_directory(tmp_path).close()
    db = sqlite3.connect(tmp_path / FILENAME)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_newer_schema_is_refused_not_rewritten(tmp_path):
    db = sqlite3.connect(tmp_path / FILENAME)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer than this nodewatch"):
        Store.in_directory(tmp_path)


def test_a_corrupt_database_is_moved_aside_and_a_new_one_started(tmp_path, caplog, degraded):
    caplog.set_level(logging.WARNING, logger="nodewatch")
    path = tmp_path / FILENAME
    store = Store(path)
    store.record_events(degraded, [("new", degraded.findings[0])], NOW)
    store.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = os.urandom(3996)  # the page header and schema after the file header
    path.write_bytes(bytes(data))
    wal = tmp_path / (FILENAME + "-wal")
    if wal.exists():
        wal.unlink()

    store = Store(path)
    assert store.moved_aside is not None and store.moved_aside.exists()
    assert store.moved_aside.read_bytes() == bytes(data)  # nothing lost: the old file is kept as it was
    assert store.events() == []
    assert "is corrupt" in caplog.text and "moved aside" in caplog.text


def test_a_file_that_is_no_database_is_moved_aside(tmp_path):
    path = tmp_path / FILENAME
    path.write_text("this is a text file, not SQLite\n" * 200)
    store = Store(path)
    assert store.moved_aside and store.moved_aside.read_text().startswith("this is a text file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_an_unwritable_state_directory_is_a_store_error(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="cannot"):
            Store.in_directory(tmp_path / "state")
    finally:
        tmp_path.chmod(0o700)


def test_a_read_only_database_is_a_store_error_on_write(tmp_path, degraded):
    # Works as root too: SQLite itself refuses to write (mode=ro), as on a read-only mount.
    Store.in_directory(tmp_path).close()
    store = Store.in_directory(tmp_path)
    store._db.close()
    store._db = sqlite3.connect(
        f"file:{tmp_path / FILENAME}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
    )
    with pytest.raises(StoreError, match="cannot write"):
        store.record_events(degraded, [("new", degraded.findings[0])], NOW)


def test_members_are_remembered_by_vdev_guid(tmp_path):
    store = Store.in_directory(tmp_path)
    first = model.KnownMember(
        vdev_guid=model.Guid(2**64 - 2),
        pool="bigdata",
        last_seen=NOW,
        devnode="/dev/sdc",
        model="WDC WD40EFZX-68AWUN0",
        serial="WD-WX12D000FCA7",
        bridge_serial="000000123AE8",
        by_id=("usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0",),
        transport=model.Transport.USB,
        port="USB 0:1:1.0",
    )
    store.remember_members([first])
    later = dataclasses.replace(first, last_seen=NOW + timedelta(hours=1))
    store.remember_members([later])
    assert store.members() == {first.vdev_guid: later}


def test_problems_survive_a_reopen(tmp_path):
    store = Store.in_directory(tmp_path)
    store.save_problems({"a|tank||": {"x": 1}})
    store.close()
    assert Store.in_directory(tmp_path).load_problems() == {"a|tank||": {"x": 1}}


def test_a_state_directory_that_cannot_be_made_is_a_store_error(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreError, match="cannot create"):
        Store.in_directory(tmp_path / "file" / "state")


def test_a_full_database_is_a_store_error_and_the_store_keeps_working(tmp_path, degraded):
    store = Store.in_directory(tmp_path)
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages + 1}")  # SQLite's own "database or disk is full"
    with pytest.raises(StoreError, match="full"):
        for _ in range(50):
            store.record_events(degraded, [("new", f) for f in degraded.findings], NOW)
    store._db.execute("PRAGMA max_page_count = 1000000")
    assert store.record_events(degraded, [("new", degraded.findings[0])], NOW) == 1
