"""Data requests get what their life needs: the canonical payload, when the state began and when it goes stale,
the verification that let them on, priority, reject reason and who cancelled. `payload` replaces `scope` and
`proposed_changes`, which nothing ever wrote: one column holds exactly what an approval's hash covers.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import TypeEngine

import lifer_desk.store.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Defaults only for rows that might already exist while the NOT NULL columns are added; removed afterwards so
# that every new row states its own values.
_FILLED: dict[str, tuple[TypeEngine[Any], TextClause]] = {
    "payload": (sa.Text(), sa.text("'{}'")),
    "state_since": (lifer_desk.store.types.UTCDateTime(), sa.text("CURRENT_TIMESTAMP")),
    "priority": (sa.String(length=16), sa.text("'normal'")),
}


def upgrade() -> None:
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        for name, (kind, default) in _FILLED.items():
            batch_op.add_column(sa.Column(name, kind, nullable=False, server_default=default))
        batch_op.add_column(sa.Column("expires_at", lifer_desk.store.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("verification_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reject_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_by", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key("fk_data_request_verification", "verification", ["verification_id"], ["id"])
        batch_op.drop_column("scope")
        batch_op.drop_column("proposed_changes")
        batch_op.create_index("ix_data_request_due", ["due_working", "id"], unique=False)
        batch_op.create_index("ix_data_request_ticket", ["ticket_id", "state"], unique=False)
        batch_op.create_index("ix_data_request_expiry", ["expires_at"], unique=False)
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        for name, (kind, _default) in _FILLED.items():
            batch_op.alter_column(name, existing_type=kind, existing_nullable=False, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        batch_op.drop_index("ix_data_request_expiry")
        batch_op.drop_index("ix_data_request_ticket")
        batch_op.drop_index("ix_data_request_due")
        batch_op.add_column(sa.Column("scope", sa.Text(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("proposed_changes", sa.Text(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.drop_constraint("fk_data_request_verification", type_="foreignkey")
        for name in ("cancelled_by", "reject_reason", "verification_id", "expires_at", *_FILLED):
            batch_op.drop_column(name)
