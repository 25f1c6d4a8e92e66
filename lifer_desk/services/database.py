"""Opening the desk's database for a command or the app."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from lifer_desk.config import Settings
from lifer_desk.services.errors import DatabaseBusy, SchemaOutdated
from lifer_desk.store.db import Database, DatabaseUnavailable, describe_error
from lifer_desk.store.schema_version import HEAD_REVISION, database_revision


def connect(settings: Settings, *, create: bool = False) -> Database:
    """The database in `settings`, its lock waits told as DatabaseBusy; an SQLite file is made only with `create`."""
    db = Database(settings.database_url, create=create, on_busy=DatabaseBusy.from_store)
    db.check()
    return db


def open_database(settings: Settings, *, migrate: bool = False) -> Database:
    """Open and check the database; with `migrate`, create it if need be and bring the schema to head first."""
    db = connect(settings, create=migrate)
    if migrate:
        # Alembic is loaded only to migrate (see store.schema_version).
        from lifer_desk.store.migrate import upgrade

        upgrade(db)
    elif database_revision(db) != HEAD_REVISION:
        raise SchemaOutdated(f"the database schema at {db.safe_url} is not current: run `lifer-desk db upgrade`")
    return db


def database_failure(exc: BaseException) -> str | None:
    """The one line to show for a failure of the database itself, or None when `exc` is something else.

    Never SQL or bound parameters: for a failure after opening (read-only file, lost connection, missing
    privilege) the driver's first line only; the transaction has rolled back, so that line is all a user needs.
    """
    if isinstance(exc, DatabaseUnavailable):
        return str(exc)
    if isinstance(exc, SQLAlchemyError):
        return f"database error: {describe_error(exc)}"
    return None
