from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from lifer_desk.store.db import Database
from lifer_desk.store.migrate import current_revision, head_revision, include_name, upgrade


def test_upgrade_from_empty_reaches_head_and_is_idempotent(db: Database) -> None:
    assert current_revision(db) == head_revision(db)
    upgrade(db)
    upgrade(db)
    assert current_revision(db) == head_revision(db)


def test_fresh_sqlite_file_upgrades(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'nested' / 'new.db'}")
    assert current_revision(db) is None
    upgrade(db)
    assert current_revision(db) == head_revision(db)


def test_models_and_migrations_do_not_drift(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"include_name": include_name, "compare_type": True, "target_metadata": SQLModel.metadata},
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []
