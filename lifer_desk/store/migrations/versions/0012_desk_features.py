"""Macros (canned replies), the paused resolution clock of a ticket waiting for its customer, and an index on
the requester (and on a data request's account) so that searching for an email or username, and a ticket's
requester history, are index lookups.

Revision ID: 0012
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lifer_desk.store.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "macro",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", lifer_desk.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "language", name="uq_macro_name_language"),
    )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_paused_at", lifer_desk.store.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("sla_paused_seconds", sa.Integer(), nullable=False, server_default="0"))
    # Outside the batch: SQLite's batch mode cannot see an expression index, so it must not own this one. A later
    # batch that copies the ticket table on SQLite would drop it, and must create it again.
    op.create_index("ix_ticket_requester", "ticket", [sa.text("lower(requester)"), "id"], unique=False)
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        batch_op.create_index("ix_data_request_account", ["account_id", "id"], unique=False)
    # Tickets already waiting for their customer pause from their last change, so reopening them resumes a clock.
    op.execute("UPDATE ticket SET sla_paused_at = updated_at WHERE status = 'pending_customer'")


def downgrade() -> None:
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        batch_op.drop_index("ix_data_request_account")
    op.drop_index("ix_ticket_requester", table_name="ticket")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("sla_paused_seconds")
        batch_op.drop_column("sla_paused_at")
    op.drop_table("macro")
