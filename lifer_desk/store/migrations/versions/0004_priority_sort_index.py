"""Index for the All queue sorted by priority, so that sort is a keyset walk too.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ticket_priority", "ticket", ["priority_rank", "resolution_due", "id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_priority", table_name="ticket")
