"""Refuse an audit insert that would replace an existing event (SQLite `REPLACE` / `INSERT OR REPLACE`).

SQLite deletes the replaced row without firing the delete trigger, so the update and delete guards of 0002
let such a statement rewrite history. PostgreSQL needs nothing new: its unique constraints refuse the insert,
and `ON CONFLICT DO UPDATE` and `MERGE` fire the update trigger.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

from lifer_desk.store.audit_guards import SQLITE_GUARDS

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_REPLACE = next(guard for guard in SQLITE_GUARDS if guard.name == "audit_event_no_replace")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(NO_REPLACE.create)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(NO_REPLACE.drop)
