"""Schema revision: where the database is, where the code expects it, and bringing it there."""

from __future__ import annotations

from dataclasses import dataclass

from lifer_desk.config import Settings
from lifer_desk.store.db import Database
from lifer_desk.store.schema_version import HEAD_REVISION, database_revision


@dataclass(frozen=True)
class SchemaStatus:
    database: str  # URL without the password
    current: str | None  # None: never migrated
    head: str | None

    @property
    def is_head(self) -> bool:
        return self.current == self.head


def _status(db: Database) -> SchemaStatus:
    return SchemaStatus(db.safe_url, database_revision(db), HEAD_REVISION)


def _open(settings: Settings) -> Database:
    db = Database(settings.database_url)
    db.check()
    return db


def schema_status(settings: Settings) -> SchemaStatus:
    db = _open(settings)
    try:
        return _status(db)
    finally:
        db.dispose()


def upgrade_schema(settings: Settings) -> SchemaStatus:
    """Migrate to head; running it again changes nothing."""
    # Alembic is loaded only to migrate (see store.schema_version).
    from lifer_desk.store.migrate import upgrade

    db = _open(settings)
    try:
        upgrade(db)
        return _status(db)
    finally:
        db.dispose()
