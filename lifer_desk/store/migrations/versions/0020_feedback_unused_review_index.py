"""Drop the feedback index on (reviewed_at, id): no query reads it (pages go by mailbox, account, tag or day, the
figures by mailbox, day and version; tests/store/test_store_feedback_plans.py), and a first sync of a million
items wrote it a million times (14 MB of index at a million items).

Revision ID: 0020
Revises: 0018
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_feedback_review", table_name="feedback_item")


def downgrade() -> None:
    op.create_index("ix_feedback_review", "feedback_item", ["reviewed_at", "id"], unique=False)
