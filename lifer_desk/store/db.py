"""Engine and transactions for SQLite and PostgreSQL.

Reads open plain transactions. Writes open `BEGIN IMMEDIATE` on SQLite, so that two writers never
deadlock on a lock upgrade and the audit chain is serialised; on PostgreSQL the audit head row is
locked instead (see store.audit).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import Session, create_engine

BUSY_TIMEOUT_MS = 30_000


class DatabaseUnavailable(Exception):
    """The database cannot be opened or reached; the message says which and why."""


def describe_error(exc: SQLAlchemyError) -> str:
    """The driver's own first line, without SQLAlchemy's statement dump and background link."""
    source = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(source).strip().splitlines()
    return lines[0] if lines else type(source).__name__


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that `begin` below decides the mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One per process; hands out sessions for read and write transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                try:
                    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseUnavailable(
                        f"cannot create the directory for {parsed.database}: {exc.strerror or exc}"
                    ) from None
            self.engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
            _prepare_sqlite(self.engine)
        elif self.dialect == "postgresql":
            self.engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
        else:
            raise DatabaseUnavailable(f"unsupported database {self.dialect!r}: use sqlite or postgresql")

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

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any exception."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            if self.is_sqlite:
                # Must be the first use of the session: the option applies when the connection begins.
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
