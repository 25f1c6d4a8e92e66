"""The dashboard's recount after a commit from narrow partial indexes over the open (or closed) tickets alone.

At a million tickets (half of them open) the counts a commit makes the dashboard read again walked wide indexes:
the open tickets per assignee through `ix_ticket_open_assignee` (is_open, assignee, resolution_due, id: 80,000
buffers on PostgreSQL, 116-176 ms), today's closed tickets through `ix_ticket_updated_open` with every open one
filtered out (24 ms, 46,000 rows read and dropped), the breaches through `ix_ticket_open_due`. One column each,
and only the rows counted: the per-assignee count reads 458 buffers (B-tree deduplication folds the assignees),
today's closed 1,560 buffers in 8 ms.

PostgreSQL only: SQLite's planner keeps to the wider indexes whose leading `is_open` matches the query (EXPLAIN
QUERY PLAN), and there a covering index walk costs about the same per row, so these would only slow its writes.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("is_open = 1")
CLOSED = sa.text("is_open = 0")
INDEXES = (
    ("ix_ticket_open_by_assignee", ["assignee"], OPEN),
    ("ix_ticket_open_resolution_due", ["resolution_due"], OPEN),
    ("ix_ticket_closed_updated", ["updated_at"], CLOSED),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns, where in INDEXES:
        op.create_index(name, "ticket", columns, unique=False, postgresql_where=where)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _columns, _where in INDEXES:
        op.drop_index(name, table_name="ticket")
