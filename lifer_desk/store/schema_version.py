"""The schema revision this code expects, and the one a database is at, read without loading Alembic.

The desk and every command check the revision before anything else, and importing Alembic costs about a
tenth of a second, so Alembic is loaded only to migrate. A test keeps `HEAD_REVISION` equal to the head of
the migrations directory, so a new migration cannot be forgotten here.
"""

from __future__ import annotations

from sqlalchemy import inspect, text

from lifer_desk.store.db import Database

HEAD_REVISION = "0023"


def database_revision(db: Database) -> str | None:
    """The revision Alembic last recorded in `db`; None when it was never migrated."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
