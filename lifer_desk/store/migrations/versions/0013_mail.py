"""Mail: received messages (exactly-once ingest, threading), their attachments, and the outbound mail outbox.

Revision ID: 0013
Revises: 0007 (other branches add 0008-0012; the lead chains them when merged)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lifer_desk.store.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("received_at", lifer_desk.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["ticket_event.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedup_key"),
    )
    op.create_index("ix_mail_message_message_id", "mail_message", ["message_id"])
    op.create_table(
        "mail_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["ticket_event.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mail_attachment_ticket", "mail_attachment", ["ticket_id", "event_id"])
    op.create_table(
        "outbound_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", lifer_desk.store.types.UTCDateTime(), nullable=False),
        sa.Column("lease_until", lifer_desk.store.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", lifer_desk.store.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", lifer_desk.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["ticket_event.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_outbound_mail_due", "outbound_mail", ["state", "next_attempt_at"])
    op.create_index("ix_outbound_mail_recipient", "outbound_mail", ["recipient", "kind", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbound_mail_recipient", table_name="outbound_mail")
    op.drop_index("ix_outbound_mail_due", table_name="outbound_mail")
    op.drop_table("outbound_mail")
    op.drop_index("ix_mail_attachment_ticket", table_name="mail_attachment")
    op.drop_table("mail_attachment")
    op.drop_index("ix_mail_message_message_id", table_name="mail_message")
    op.drop_table("mail_message")
