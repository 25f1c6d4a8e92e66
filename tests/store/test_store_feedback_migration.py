"""Migration 0010 on SQLite and PostgreSQL: feedback already imported under 0007 lands in the inbox, and it goes
back down cleanly."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from lifer_desk.store.db import Database
from lifer_desk.store.migrate import alembic_config, upgrade
from lifer_desk.store.schema_version import HEAD_REVISION, database_revision


def test_feedback_from_before_lands_in_the_inbox_and_the_migration_goes_down_again(db: Database) -> None:
    command.downgrade(alembic_config(db), "0007")
    with db.write() as session:
        session.execute(
            text(
                "INSERT INTO feedback_item (external_id, channel, body, submitted_at, received_at)"
                " VALUES ('fb_1', 'app', 'old', '2025-03-01 10:00:00', '2025-03-01 10:01:00')"
            )
        )
    upgrade(db)
    assert database_revision(db) == HEAD_REVISION
    with db.read() as session:
        assert session.execute(text("SELECT mailbox FROM feedback_item")).scalar_one() == "inbox"
    command.downgrade(alembic_config(db), "0007")
    with db.read() as session:
        assert session.execute(text("SELECT count(*) FROM feedback_item")).scalar_one() == 1
    upgrade(db)
    assert database_revision(db) == HEAD_REVISION
