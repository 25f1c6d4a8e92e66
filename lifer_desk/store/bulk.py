"""Bulk loading of tickets, their threads and their search documents.

A million tickets must load in under two minutes, so this bypasses the ORM: plain tuples, one
`executemany` per batch on SQLite and COPY on PostgreSQL, ids assigned here, all in one transaction.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from lifer_desk.store import seed_window
from lifer_desk.store.db import Database
from lifer_desk.store.models import Ticket

TICKET_COLUMNS = (
    "id, channel, subject, body, requester, requester_name, account_id, category, priority, priority_rank, "
    "status, is_open, assignee, claim_expires_at, first_response_due, resolution_due, first_responded_at, "
    "legal_due_calendar, legal_due_working, sla_paused_at, created_at, updated_at, version"
)
EVENT_COLUMNS = "ticket_id, kind, author, body, meta, created_at"


@dataclass
class Batch:
    tickets: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    documents: list[tuple[int, str]]


def stamp(value: datetime | None) -> str | None:
    """Naive-UTC text in the form the UTC column type writes, so bulk rows compare like ORM rows.

    isoformat is several times faster than strftime, but drops a zero microsecond part.
    """
    if value is None:
        return None
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return text if len(text) > 19 else text + ".000000"


# Below this many rows already in the table, rebuilding the secondary indexes once after the load
# costs less than maintaining them row by row in random key order.
REBUILD_BELOW = 10_000


class BulkLoad:
    """One open transaction that takes batches; see `bulk_load`."""

    def __init__(
        self, session: Session, cursor: Any, is_sqlite: bool, first_id: int, window: _Window | None = None
    ) -> None:
        self.first_id = first_id
        self.session = session
        self._cursor = cursor
        self._is_sqlite = is_sqlite
        self._window = window

    def insert(self, batch: Batch) -> None:
        if self._is_sqlite:
            _sqlite_batch(self._cursor, batch)
        else:
            _postgres_batch(self._cursor, batch)
        if self._window is not None:
            self._window.advance(len(batch.tickets))


class _Window:
    """The seeding window marked beside an SQLite database while a load holds its write lock."""

    def __init__(self, path: Path, total: int) -> None:
        self.path = path
        self._window = seed_window.SeedWindow(os.getpid(), time.time(), total, 0)
        seed_window.mark(path, self._window)

    def advance(self, rows: int) -> None:
        self._window = replace(self._window, done=self._window.done + rows)
        seed_window.mark(self.path, self._window)


@contextmanager
def bulk_load(db: Database, total: int = 0) -> Iterator[BulkLoad]:
    """Load tickets, their threads and search documents in one transaction: all or nothing.

    A crash or an interrupt part-way leaves no tickets and no dropped indexes behind. The caller
    writes its audit event through `session`, in the same transaction. Ticket ids start at
    `first_id`, taken under the write lock so that no other writer can claim them meanwhile.

    On SQLite the load holds the one write lock until it commits: other desks' writes wait, and those that
    wait out their timeout are told that a seed of `total` tickets is in progress and how long it should
    still take (see store.seed_window). A load split into committed chunks would keep them writing, but
    a seed interrupted part-way would then leave half its tickets in the queues.
    """
    marker = seed_window.marker_path(db.sqlite_path) if db.sqlite_path is not None and total > 0 else None
    with db.engine.connect() as conn, _marked(marker, total) as window:
        # Straight to the driver: through SQLAlchemy a PRAGMA would begin the transaction too early.
        driver = conn.connection.driver_connection
        assert driver is not None  # a connection just opened has its driver's
        if db.is_sqlite:
            # Out of the desks' writer queue: holding its place there for the whole load would leave a thread
            # behind for every desk write that gave up meanwhile (see store.writer_queue).
            conn = conn.execution_options(sqlite_begin="IMMEDIATE", sqlite_queue=False)
            # Ten indexes take random-order inserts; a page cache that holds them is 3x faster.
            driver.execute("PRAGMA cache_size = -400000")
        try:
            with conn.begin(), Session(bind=conn) as session:
                if not db.is_sqlite:
                    # Keeps other writers from taking ticket ids until the load commits. Readers go on, except
                    # when the indexes are dropped below: DROP INDEX holds an exclusive lock until commit, so
                    # desks open on a nearly empty database wait for the seed (the price of all-or-nothing).
                    conn.exec_driver_sql("LOCK TABLE ticket IN SHARE ROW EXCLUSIVE MODE")
                first_id = int(conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM ticket").scalar_one()) + 1
                existing = select(col(Ticket.id)).limit(REBUILD_BELOW).subquery()
                rebuild = conn.execute(select(func.count()).select_from(existing)).scalar_one() < REBUILD_BELOW
                indexes = list(Ticket.__table__.indexes) if rebuild else []  # type: ignore[attr-defined]  # SQLModel types no __table__
                for index in indexes:
                    index.drop(conn)
                yield BulkLoad(session, driver.cursor(), db.is_sqlite, first_id, window)
                session.flush()
                for index in indexes:
                    index.create(conn)
                if not db.is_sqlite:
                    for table in ("ticket", "ticket_event"):
                        last_id = f"coalesce((SELECT max(id) FROM {table}), 1)"
                        conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last_id})")
        finally:
            if db.is_sqlite:
                driver.execute("PRAGMA cache_size = -2000")


@contextmanager
def _marked(marker: Path | None, total: int) -> Iterator[_Window | None]:
    """Marked from before the write lock is asked for until after it is released, so no wait goes unexplained."""
    if marker is None:
        yield None
        return
    try:
        yield _Window(marker, total)
    finally:
        seed_window.clear(marker)


def _sqlite_batch(cursor: Any, batch: Batch) -> None:
    placeholders = ", ".join("?" * len(TICKET_COLUMNS.split(",")))
    cursor.executemany(f"INSERT INTO ticket ({TICKET_COLUMNS}) VALUES ({placeholders})", batch.tickets)
    cursor.executemany(f"INSERT INTO ticket_event ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", batch.events)
    cursor.executemany("INSERT INTO ticket_fts (rowid, doc) VALUES (?, ?)", batch.documents)


def _postgres_batch(cursor: Any, batch: Batch) -> None:
    _copy(cursor, f"COPY ticket ({TICKET_COLUMNS}) FROM STDIN", batch.tickets)
    _copy(cursor, f"COPY ticket_event ({EVENT_COLUMNS}) FROM STDIN", batch.events)
    _copy(cursor, "COPY ticket_search (ticket_id, doc) FROM STDIN", batch.documents)


def _copy(cursor: Any, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
