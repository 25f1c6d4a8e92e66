"""Feedback review: mailboxes, tags, an item history, app version and platform, the day for per-day volume, the
feedback full-text index, and the sync's health on its cursor.

The search tables differ per dialect (as the tickets' in 0002), so they are written by hand.

Revision ID: 0010
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lifer_desk.store.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feedback_item", schema=None) as batch_op:
        # Defaults only for rows that might already exist; removed below so that every new row states its own.
        batch_op.add_column(sa.Column("mailbox", sa.String(length=16), nullable=False, server_default="inbox"))
        batch_op.add_column(sa.Column("submitted_day", sa.String(length=10), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("app_version", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("platform", sa.String(length=16), nullable=True))
        batch_op.create_index("ix_feedback_mailbox", ["mailbox", "id"], unique=False)
        batch_op.create_index("ix_feedback_account", ["account_id", "id"], unique=False)
        batch_op.create_index("ix_feedback_day", ["submitted_day"], unique=False)
        batch_op.create_index("ix_feedback_version", ["app_version"], unique=False)
    with op.batch_alter_table("feedback_item", schema=None) as batch_op:
        for name, kind in (("mailbox", sa.String(length=16)), ("submitted_day", sa.String(length=10))):
            batch_op.alter_column(name, existing_type=kind, existing_nullable=False, server_default=None)
    op.create_table(
        "feedback_tag",
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("feedback_item.id"), nullable=False),
        sa.Column("tag", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "tag"),
    )
    op.create_index("ix_feedback_tag_tag", "feedback_tag", ["tag", "item_id"], unique=False)
    op.create_table(
        "feedback_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("feedback_item.id"), nullable=False),
        sa.Column("at", lifer_desk.store.types.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feedback_event_item", "feedback_event", ["item_id", "id"], unique=False)
    with op.batch_alter_table("sync_cursor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checked_at", lifer_desk.store.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("failing_since", lifer_desk.store.types.UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # Pre-tokenised documents, as ticket_fts (0002).
        op.execute("CREATE VIRTUAL TABLE feedback_fts USING fts5(doc, tokenize='unicode61', detail=none)")
    else:
        op.execute(
            "CREATE TABLE feedback_search ("
            " item_id integer PRIMARY KEY REFERENCES feedback_item(id) ON DELETE CASCADE,"
            " doc text NOT NULL,"
            " tsv tsvector GENERATED ALWAYS AS (array_to_tsvector(string_to_array(doc, ' '))) STORED)"
        )
        op.execute("CREATE INDEX ix_feedback_search_tsv ON feedback_search USING gin (tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE feedback_fts")
    else:
        op.execute("DROP TABLE feedback_search")
    with op.batch_alter_table("sync_cursor", schema=None) as batch_op:
        batch_op.drop_column("failing_since")
        batch_op.drop_column("checked_at")
    op.drop_index("ix_feedback_event_item", table_name="feedback_event")
    op.drop_table("feedback_event")
    op.drop_index("ix_feedback_tag_tag", table_name="feedback_tag")
    op.drop_table("feedback_tag")
    with op.batch_alter_table("feedback_item", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_version")
        batch_op.drop_index("ix_feedback_day")
        batch_op.drop_index("ix_feedback_account")
        batch_op.drop_index("ix_feedback_mailbox")
        for name in ("platform", "app_version", "submitted_day", "mailbox"):
            batch_op.drop_column(name)
