from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from lifer_desk.store.db import Database
from lifer_desk.store.migrate import UNMODELLED_INDEXES, alembic_config, head_revision, include_name, upgrade
from lifer_desk.store.schema_version import HEAD_REVISION, database_revision


def test_the_revision_the_code_expects_is_the_migrations_head(db: Database) -> None:
    # A new migration must move HEAD_REVISION too, or every command would call the schema outdated.
    assert head_revision(db) == HEAD_REVISION


def test_upgrade_from_empty_reaches_head_and_is_idempotent(db: Database) -> None:
    assert database_revision(db) == HEAD_REVISION
    upgrade(db)
    upgrade(db)
    assert database_revision(db) == HEAD_REVISION


def test_fresh_sqlite_file_upgrades(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'nested' / 'new.db'}")
    assert database_revision(db) is None
    upgrade(db)
    assert database_revision(db) == HEAD_REVISION
    with db.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    assert database_revision(db) == "0003"
    db.dispose()


def test_models_and_migrations_do_not_drift(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"include_name": include_name, "compare_type": True, "target_metadata": SQLModel.metadata},
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_0021_puts_seq_in_the_audit_time_index_and_goes_down_again(db: Database) -> None:
    def columns() -> list[str | None]:
        with db.engine.connect() as conn:
            (found,) = [
                index for index in inspect(conn).get_indexes("audit_event") if index["name"] == "ix_audit_event_ts"
            ]
        return found["column_names"]

    assert columns() == ["ts", "seq"]
    command.downgrade(alembic_config(db), "0020")
    assert columns() == ["ts"]
    upgrade(db)
    assert columns() == ["ts", "seq"]


def test_0022_gives_postgresql_the_dashboards_partial_indexes_and_takes_them_away_again(db: Database) -> None:
    def partial() -> set[str]:
        with db.engine.connect() as conn:
            return {str(index["name"]) for index in inspect(conn).get_indexes("ticket")} & UNMODELLED_INDEXES

    expected = set() if db.is_sqlite else UNMODELLED_INDEXES
    assert partial() == expected
    command.downgrade(alembic_config(db), "0021")
    assert partial() == set()
    upgrade(db)
    assert partial() == expected
