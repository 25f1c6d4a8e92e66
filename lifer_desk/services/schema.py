"""Schema revision: where the database is, where the code expects it, and bringing it there."""

from __future__ import annotations

from dataclasses import dataclass

from lifer_desk.config import Settings
from lifer_desk.store.db import Database
from lifer_desk.store.migrate import current_revision, head_revision, upgrade


@dataclass(frozen=True)
class SchemaStatus:
    database: str  # URL without the password
    current: str | None  # None: never migrated
    head: str | None

    @property
    def is_head(self) -> bool:
        return self.current == self.head


def _status(db: Database) -> SchemaStatus:
    return SchemaStatus(db.safe_url, current_revision(db), head_revision(db))


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
    db = _open(settings)
    try:
        upgrade(db)
        return _status(db)
    finally:
        db.dispose()
