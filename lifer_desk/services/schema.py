"""Schema revision: where the database is, where the code expects it, and bringing it there."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from lifer_desk.config import Settings
from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.services import audit_trail
from lifer_desk.services.database import connect
from lifer_desk.store.audit_guards import restore_guards
from lifer_desk.store.db import Database
from lifer_desk.store.schema_version import HEAD_REVISION, database_revision


@dataclass(frozen=True)
class SchemaStatus:
    database: str  # URL without the password
    current: str | None  # None: never migrated
    head: str | None
    restored_guards: tuple[str, ...] = ()  # audit guards found missing and put back by this upgrade
    readable_by_others: tuple[Path, ...] = ()  # database files that users other than the owner may read

    @property
    def is_head(self) -> bool:
        return self.current == self.head


def _status(db: Database) -> SchemaStatus:
    return SchemaStatus(db.safe_url, database_revision(db), HEAD_REVISION)


def schema_status(settings: Settings) -> SchemaStatus:
    db = connect(settings)
    try:
        return _status(db)
    finally:
        db.dispose()


def upgrade_schema(settings: Settings, actor: str) -> SchemaStatus:
    """Migrate to head and put back any audit guard that was removed; running it again changes nothing."""
    # Alembic is loaded only to migrate (see store.schema_version).
    from lifer_desk.store.migrate import upgrade

    db = connect(settings, create=True)
    try:
        upgrade(db)
        # Alembic at head does nothing, so a guard dropped after its migration would stay dropped.
        with db.write() as session:
            restored = restore_guards(session.connection())
            if restored:
                # That the table was left unguarded is itself evidence for whoever reviews the trail.
                details = {"guards": restored}
                audit_trail.record(session, actor, AuditAction.AUDIT_GUARDS_RESTORED, "audit_event", "guards", details)
        # Told, not changed: a deployment may share the file with a group on purpose.
        loose = tuple(db.files_readable_by_others())
        return replace(_status(db), restored_guards=tuple(restored), readable_by_others=loose)
    finally:
        db.dispose()
