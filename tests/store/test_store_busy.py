"""A database locked for longer than a write waits: one clear DatabaseBusy, never the driver's error.

The waits are shortened here so that the tests do not sit out the real 30 s.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from lifer_desk.config import Settings
from lifer_desk.services import errors
from lifer_desk.services.context import DeskContext
from lifer_desk.services.database import open_database
from lifer_desk.services.seed import seed_tickets
from lifer_desk.store import audit, seed_window
from lifer_desk.store import db as store_db
from lifer_desk.store.db import Database, DatabaseBusy


@pytest.fixture(autouse=True)
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(store_db, "PG_LOCK_TIMEOUT", "200ms")


def _path(sqlite_url: str) -> Path:
    return Path(make_url(sqlite_url).database or "")


@contextmanager
def _sqlite_writer_holding_the_lock(sqlite_url: str) -> Iterator[None]:
    with closing(sqlite3.connect(_path(sqlite_url), isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")


def _append(db: Database) -> None:
    with db.write() as session:
        audit.append(session, actor="alice", action="ticket.note", entity_type="ticket", entity_id=1)


def test_a_locked_sqlite_database_raises_database_busy(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        with _sqlite_writer_holding_the_lock(sqlite_url), pytest.raises(DatabaseBusy) as busy:
            _append(db)
        assert (busy.value.seeding, busy.value.seconds_left) == (False, None)
        # Once the lock is free the same Database writes again.
        _append(db)
        assert audit.verify_chain(db).count == 1
    finally:
        db.dispose()


def test_a_locked_postgresql_database_raises_database_busy(pg_url: str) -> None:
    db = Database(pg_url)
    dsn = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(dsn) as other:
            other.execute("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
            with pytest.raises(DatabaseBusy):
                _append(db)
        _append(db)
        assert audit.verify_chain(db).count == 1
    finally:
        db.dispose()


def _refusal_through_services(sqlite_url: str) -> errors.DeskError:
    db = open_database(Settings(database_url=sqlite_url))
    try:
        with _sqlite_writer_holding_the_lock(sqlite_url), pytest.raises(errors.DatabaseBusy) as busy:
            _append(db)
    finally:
        db.dispose()
    return busy.value


def test_services_say_busy_in_one_sentence_without_sql(sqlite_url: str) -> None:
    assert str(_refusal_through_services(sqlite_url)) == (
        "The database is busy with other desks' writes: nothing was saved, try again in a moment."
    )


def test_a_write_held_up_by_a_seed_says_how_long_it_should_still_take(sqlite_url: str) -> None:
    marker = seed_window.marker_path(_path(sqlite_url))
    seed_window.mark(marker, seed_window.SeedWindow(os.getpid(), time.time() - 10, 100_000, 20_000))
    message = str(_refusal_through_services(sqlite_url))
    # Ten seconds for the first fifth: about forty for the rest.
    found = re.fullmatch(r"Seeding in progress: nothing was saved, try again in (\d+) s\.", message)
    assert found and 39 <= int(found.group(1)) <= 60


def test_a_mark_left_by_a_killed_seed_is_ignored(sqlite_url: str) -> None:
    marker = seed_window.marker_path(_path(sqlite_url))
    seed_window.mark(marker, seed_window.SeedWindow(2**22 + 1, time.time(), 10, 5))  # beyond pid_max: no such process
    assert seed_window.current(marker) is None


def test_seeding_marks_its_window_while_it_holds_the_lock(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    marker = seed_window.marker_path(_path(sqlite_url))
    seen: list[seed_window.SeedWindow | None] = []
    ctx = DeskContext(db=db, settings=Settings(database_url=sqlite_url), agent="seeder", role="host")
    try:
        seed_tickets(ctx, 30, seed=5, on_progress=lambda _n: seen.append(seed_window.current(marker)))
    finally:
        db.dispose()
    assert [(w.pid, w.total, w.done) if w else None for w in seen] == [(os.getpid(), 30, 30)]
    assert not marker.exists()
