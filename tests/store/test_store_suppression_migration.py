"""Migration 0009: the suppression tables and their key, made once per database at random; up from 0007 and
back down, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from lifer_desk.store.db import Database
from lifer_desk.store.migrate import alembic_config, upgrade
from lifer_desk.store.schema_version import database_revision


def _tables(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def _key(db: Database) -> str:
    with db.read() as session:
        return session.execute(text("SELECT key FROM suppression_key WHERE id = 1")).scalar_one()


def test_0009_goes_up_from_0007_with_a_key_and_back_down(db: Database) -> None:
    command.downgrade(alembic_config(db), "0007")
    assert database_revision(db) == "0007"
    assert not {"suppression", "suppression_key"} & _tables(db)
    command.upgrade(alembic_config(db), "0009")
    assert database_revision(db) == "0009"
    assert {"suppression", "suppression_key"} <= _tables(db)
    key = _key(db)
    assert len(bytes.fromhex(key)) == 32
    upgrade(db)  # on to the head: the key is not made again
    assert _key(db) == key


def test_each_database_gets_a_key_of_its_own(tmp_path: Path) -> None:
    keys = set()
    for name in ("one.db", "two.db"):
        db = Database(f"sqlite:///{tmp_path / name}")
        upgrade(db)
        keys.add(_key(db))
        db.dispose()
    assert len(keys) == 2
