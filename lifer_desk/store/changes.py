"""Whether anything was committed to the database since a desk last looked, without reading a table.

An idle desk polls once a second for other desks' changes; querying its tables each time cost 0.3-0.4 % of a core
per desk (issue 16). A watch answers the question far more cheaply, and the desk queries only when it moved:

- SQLite: `PRAGMA data_version` on a connection of the watch's own. SQLite moves it whenever another connection
  commits, this process's pool included; the watch's connection never writes, so no commit is missed.
- PostgreSQL: a connection that LISTENs on `CHANNEL`, which migration 0015's triggers notify on every commit that
  changes a table the desk shows. A thread waits on its socket (no CPU until something happens) and counts the
  notifications. While it is not listening (not yet, or the connection broke), every look reads as a change, so
  the desk falls back to querying and misses nothing.
"""

from __future__ import annotations

import logging
import os
import select
import sqlite3
import threading
from collections.abc import Hashable
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

CHANNEL = "lifer_desk_changes"
# How long the PostgreSQL watch waits before listening again after its connection broke.
RECONNECT_AFTER_S = 5.0


class ChangeWatch(Protocol):
    def version(self) -> Hashable:
        """A value that differs from every earlier one whenever something may have been committed since."""
        ...

    def close(self) -> None: ...


class AlwaysChanged:
    """For a database no watch can follow (SQLite in memory): every look is a change, so the desk queries."""

    def version(self) -> Hashable:
        return object()

    def close(self) -> None:
        pass


class SqliteWatch:
    def __init__(self, path: Path) -> None:
        # Read-write so that a WAL database opens without help, but never written through; the watch is read from
        # the UI's thread and workers alike, hence one lock and no same-thread check.
        self._conn = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, check_same_thread=False, timeout=0.1)
        self._lock = threading.Lock()

    def version(self) -> Hashable:
        try:
            with self._lock:
                return int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            # Busy for a moment, or the file is gone: the desk's own query says what is wrong, if anything.
            return object()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class PostgresWatch:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._count = 0
        self._listening = False
        self._wake_r, self._wake_w = os.pipe()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lifer-desk-changes", daemon=True)
        self._thread.start()

    def version(self) -> Hashable:
        return self._count if self._listening else object()

    def close(self) -> None:
        self._closed.set()
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=RECONNECT_AFTER_S)
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _run(self) -> None:
        while not self._closed.is_set():
            try:
                self._listen()
            except Exception as exc:  # whatever broke the connection, the desk queries meanwhile
                log.warning("not listening for database changes (%r); querying until it listens again", exc)
            self._listening = False
            self._closed.wait(RECONNECT_AFTER_S)

    def _listen(self) -> None:
        # A connection of the engine's own making (its settings and credentials), taken out of the pool for good.
        raw = self._engine.raw_connection()
        conn = raw.driver_connection
        assert conn is not None
        raw.detach()
        try:
            conn.rollback()
            conn.autocommit = True
            conn.execute(f"LISTEN {CHANNEL}")
            self._listening = True
            while not self._closed.is_set():
                ready, _, _ = select.select([conn.pgconn.socket, self._wake_r], [], [])
                if self._wake_r in ready:
                    return
                # Everything that arrived, without waiting for more.
                for _notice in conn.notifies(timeout=0):
                    self._count += 1
                if conn.closed or conn.broken:
                    raise OSError("the listening connection closed")
        finally:
            self._listening = False
            conn.close()


def watch_for(engine: Engine, sqlite_path: Path | None) -> ChangeWatch:
    if engine.dialect.name == "postgresql":
        return PostgresWatch(engine)
    if sqlite_path is not None:
        return SqliteWatch(sqlite_path)
    return AlwaysChanged()
