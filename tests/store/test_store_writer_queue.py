"""SQLite writers line up for the write lock through the queue file beside the database (store.writer_queue)."""

from __future__ import annotations

import fcntl
import os
import stat
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from lifer_desk.config import Settings
from lifer_desk.services.context import DeskContext
from lifer_desk.services.seed import seed_tickets
from lifer_desk.store import audit, writer_queue
from lifer_desk.store import db as store_db
from lifer_desk.store.db import Database, DatabaseBusy


def _queue(sqlite_url: str) -> Path:
    return writer_queue.queue_path(Path(make_url(sqlite_url).database or ""))


def _append(db: Database) -> None:
    with db.write() as session:
        audit.append(session, actor="alice", action="ticket.note", entity_type="ticket", entity_id=1)


def test_a_write_waits_its_turn_in_the_queue(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 200)
    db = Database(sqlite_url)
    try:
        held = writer_queue.acquire(_queue(sqlite_url), time.monotonic() + 5)
        assert held is not None
        with pytest.raises(DatabaseBusy):
            _append(db)
        writer_queue.release(held)
        _append(db)
        # The turn is given back with the connection: the queue is free again.
        free = os.open(_queue(sqlite_url), os.O_RDWR)
        fcntl.flock(free, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.close(free)
    finally:
        db.dispose()
    assert audit.verify_chain(db).count == 1
    assert stat.S_IMODE(_queue(sqlite_url).stat().st_mode) == 0o600


def test_a_waiter_that_gave_up_passes_the_turn_on(tmp_path: Path) -> None:
    path = tmp_path / "desk.db-writers"
    first = writer_queue.acquire(path, time.monotonic() + 5)
    assert first is not None
    assert writer_queue.acquire(path, time.monotonic() + 0.05) is None
    writer_queue.release(first)
    # The abandoned waiter takes the lock when it comes free and lets go of it at once.
    second = writer_queue.acquire(path, time.monotonic() + 30)
    assert second is not None
    writer_queue.release(second)


def test_a_seed_does_not_hold_a_place_in_the_queue(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    held = writer_queue.acquire(_queue(sqlite_url), time.monotonic() + 5)
    try:
        ctx = DeskContext(db=db, settings=Settings(database_url=sqlite_url), agent="seeder", role="host")
        assert seed_tickets(ctx, 5, seed=1) == 1
    finally:
        assert held is not None
        writer_queue.release(held)
        db.dispose()
