"""Engine and transactions for SQLite and PostgreSQL.

Reads open plain transactions. Writes open `BEGIN IMMEDIATE` on SQLite, so that two writers never
deadlock on a lock upgrade and the audit chain is serialised; on PostgreSQL the audit head row is
locked instead (see store.audit).

An SQLite database is created only where the caller says so (`create=True`: `db upgrade`, `demo`, `seed`),
0600 in directories made 0700; everything else opens an existing file or says that it does not exist.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlmodel import Session, create_engine

from lifer_desk.private_files import create_private_file, make_private_dirs, readable_by_others
from lifer_desk.store import seed_window, writer_queue
from lifer_desk.store.changes import ChangeWatch, watch_for

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
# Desks queue in store.writer_queue; a seed (outside that queue) or another program still competes for the
# lock itself. SQLite's own busy handler backs off to naps of 100 ms, so the lock is asked for in short
# rounds: each waiter keeps to SQLite's first naps (1, 2, 5, 10 ms, slept in C), with a Python retry a round.
LOCK_ROUND_MS = 25
_QUEUE_FD = "lifer_writer_queue_fd"
# PostgreSQL waits for a lock for ever by default; a seed holding the ticket table would hang every desk.
PG_LOCK_TIMEOUT = "30s"
# PostgreSQL SQLSTATEs for "try again": lock_timeout expired, deadlock broken, serialisation failure.
PG_BUSY_STATES = {"55P03", "40P01", "40001"}


class DatabaseUnavailable(Exception):
    """The database cannot be opened or reached; the message says which and why."""


class DatabaseMissing(DatabaseUnavailable):
    """A command that may not create a database found no SQLite file there (or an empty one); nothing was made."""


class DatabaseBusy(Exception):
    """Another writer (a seed, or other desks) kept the database locked for longer than a write waits.

    Nothing of the refused transaction was written. `seconds_left` is how long a seed in progress should
    still take, when one is the cause and has made some progress.
    """

    def __init__(self, *, seeding: bool = False, seconds_left: int | None = None) -> None:
        super().__init__("the database is busy")
        self.seeding = seeding
        self.seconds_left = seconds_left


def describe_error(exc: SQLAlchemyError) -> str:
    """The driver's own first line, without SQLAlchemy's statement dump and background link."""
    source = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(source).strip().splitlines()
    return lines[0] if lines else type(source).__name__


def is_busy(exc: BaseException) -> bool:
    """A driver error that means "locked by someone else, try again", on either database."""
    source = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(source, sqlite3.OperationalError):
        code = getattr(source, "sqlite_errorcode", 0) & 0xFF
        return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return getattr(source, "sqlstate", None) in PG_BUSY_STATES


def _begin_immediate(conn: Connection, marker: Path | None, queue: Path | None) -> None:
    """Take SQLite's write lock, in turn with the other desks, until the busy timeout has passed."""
    driver = conn.connection.driver_connection
    assert driver is not None
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    if queue is not None and conn.get_execution_options().get("sqlite_queue", True):
        fd = writer_queue.acquire(queue, deadline)
        if fd is None:
            raise _busy(marker)
        # Released when the connection goes back to the pool, after its commit or rollback (see below).
        conn.connection.info[_QUEUE_FD] = fd
    driver.execute(f"PRAGMA busy_timeout = {LOCK_ROUND_MS}")
    try:
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if not is_busy(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise _busy(marker) from None
    finally:
        # Reads and commits keep SQLite's own wait (a checkpoint or WAL recovery may hold them briefly).
        driver.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def _leave_queue(_dbapi_connection: Any, record: Any, *_exception: Any) -> None:
    fd = record.info.pop(_QUEUE_FD, None) if record is not None else None
    if fd is not None:
        writer_queue.release(fd)


def _busy(marker: Path | None) -> DatabaseBusy:
    window = seed_window.current(marker) if marker is not None else None
    if window is None:
        return DatabaseBusy()
    return DatabaseBusy(seeding=True, seconds_left=window.seconds_left(time.time()))


def _prepare_sqlite(engine: Engine, marker: Path | None, queue: Path | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that `begin` below decides the mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted and overwritten content is zeroed, not left in free pages and cells, where a copy of the
        # file would still hold a forgotten person's words (issue 9; the cost is in bench/purge.py).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode == "IMMEDIATE":
            _begin_immediate(conn, marker, queue)
        else:
            conn.exec_driver_sql(f"BEGIN {mode}")

    for moment in ("checkin", "invalidate", "close"):
        event.listen(engine, moment, _leave_queue)


def checkpoint_truncate(engine: Engine) -> bool:
    """Copy every WAL frame into the SQLite database and truncate the WAL to nothing; False when a reader kept
    it from completing within the busy timeout (its frames then stay until the next full checkpoint).

    With `secure_delete`, the database file no longer holds what a transaction overwrote, but the WAL still
    holds the pages written before it, and a checkpoint that only restarts the WAL leaves them in the file.
    """
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        busy, _wal_pages, _moved = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        raw.close()
    return bool(busy == 0)


def scrub_after_commit(session: Session) -> None:
    """Once `session` commits, leave no copy of what it overwrote in the SQLite WAL (`checkpoint_truncate`);
    nothing on PostgreSQL. A checkpoint cannot run inside the transaction that wrote, hence after it."""
    engine = session.get_bind()
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        return

    def _checkpoint(_session: Session) -> None:
        if not checkpoint_truncate(engine):
            log.warning("a reader kept the WAL from being truncated after a purge; the next checkpoint will")

    event.listen(session, "after_commit", _checkpoint, once=True)


def _prepare_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{PG_LOCK_TIMEOUT}'")
        dbapi_connection.commit()


def _sqlite_file(parsed: URL, create: bool) -> Path:
    """The database file, created private when `create`, else required to exist and hold something."""
    path = Path(parsed.database or "").absolute()
    if create:
        try:
            make_private_dirs(path.parent)
        except OSError as exc:
            raise DatabaseUnavailable(f"cannot create the directory for {path}: {exc.strerror or exc}") from None
        try:
            create_private_file(path)
        except OSError as exc:
            raise DatabaseUnavailable(f"cannot create {path}: {exc.strerror or exc}") from None
    elif not path.is_file():
        raise DatabaseMissing(f"{path} does not exist; create it with `lifer-desk db upgrade`")
    elif path.stat().st_size == 0:
        # SQLite would take an empty file for an empty database and write one into it.
        raise DatabaseMissing(f"{path} is empty, not a desk database; set it up with `lifer-desk db upgrade`")
    return path


def _open_existing(path: Path) -> URL:
    """A URL that SQLite opens read-write but never creates: if the file goes away meanwhile, it fails."""
    return URL.create("sqlite", database=path.as_uri(), query={"mode": "rw", "uri": "true"})


class Database:
    """One per process; hands out sessions for read and write transactions."""

    def __init__(
        self, url: str, *, create: bool = True, on_busy: Callable[[DatabaseBusy], Exception] | None = None
    ) -> None:
        """`on_busy` turns a DatabaseBusy into the caller's own error (services make it a DeskError)."""
        self.url = url
        self._on_busy = on_busy
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        self.sqlite_path: Path | None = None
        if self.dialect == "sqlite":
            engine_url: str | URL = url
            marker = queue = None
            if parsed.database and parsed.database != ":memory:" and not parsed.query:
                self.sqlite_path = _sqlite_file(parsed, create)
                marker = seed_window.marker_path(self.sqlite_path)
                queue = writer_queue.queue_path(self.sqlite_path)
                if not create:
                    engine_url = _open_existing(self.sqlite_path)
            self.engine = create_engine(engine_url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
            _prepare_sqlite(self.engine, marker, queue)
        elif self.dialect == "postgresql":
            self.engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
            _prepare_postgresql(self.engine)
        else:
            raise DatabaseUnavailable(f"unsupported database {self.dialect!r}: use sqlite or postgresql")
        self._changes: ChangeWatch | None = None
        self._changes_lock = threading.Lock()

    @property
    def changes(self) -> ChangeWatch:
        """What tells whether anything was committed since a look (see store.changes), opened on first use: only
        a desk that polls needs one."""
        with self._changes_lock:
            if self._changes is None:
                self._changes = watch_for(self.engine, self.sqlite_path)
            return self._changes

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def check(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except DBAPIError as exc:
            # Not only OperationalError: a file that is not SQLite raises DatabaseError.
            raise DatabaseUnavailable(f"cannot open {self.safe_url}: {describe_error(exc)}") from None

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def files_readable_by_others(self) -> list[Path]:
        """The SQLite file and its -wal and -shm companions that others may read; none for PostgreSQL."""
        if self.sqlite_path is None:
            return []
        path = self.sqlite_path
        return readable_by_others([path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))])

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._busy_mapped(), Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any exception."""
        with self._busy_mapped(), Session(self.engine, expire_on_commit=False) as session, session.begin():
            if self.is_sqlite:
                # Must be the first use of the session: the option applies when the connection begins.
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            yield session

    @contextmanager
    def _busy_mapped(self) -> Iterator[None]:
        """A lock wait that ran out, on either database, as DatabaseBusy; the transaction has rolled back."""
        try:
            try:
                yield
            except OperationalError as exc:
                if not is_busy(exc):
                    raise
                raise DatabaseBusy() from None
        except DatabaseBusy as busy:
            if self._on_busy is None:
                raise
            raise self._on_busy(busy) from None

    def dispose(self) -> None:
        with self._changes_lock:
            watch, self._changes = self._changes, None
        if watch is not None:
            watch.close()
        self.engine.dispose()
