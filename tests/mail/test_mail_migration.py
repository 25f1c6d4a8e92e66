"""Migration 0013 (mail tables) down to 0007 and up again, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from lifer_desk.store.db import Database
from lifer_desk.store.migrate import alembic_config, upgrade
from lifer_desk.store.schema_version import database_revision

MAIL_TABLES = {"mail_message", "mail_attachment", "outbound_mail"}


def _tables(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_0013_downgrades_to_0007_and_upgrades_again(db: Database) -> None:
    assert _tables(db) >= MAIL_TABLES
    command.downgrade(alembic_config(db), "0007")
    assert database_revision(db) == "0007"
    assert not MAIL_TABLES & _tables(db)
    upgrade(db)
    assert _tables(db) >= MAIL_TABLES
