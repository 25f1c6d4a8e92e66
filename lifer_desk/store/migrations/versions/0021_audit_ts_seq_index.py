"""The audit trail's time index carries seq, so that an export of a time range reads only that range.

An export is in seq order; filtered by time alone, SQLite walked the whole trail in seq order to test each
event's time (10M events read for 1M exported) and PostgreSQL sorted the range's rows on disk. With seq in the
index, the export first reads the range's lowest and highest seq from the index alone, then walks seq between
them (see store.audit_query.stream).

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_audit_event_ts", table_name="audit_event")
    op.create_index("ix_audit_event_ts", "audit_event", ["ts", "seq"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_event_ts", table_name="audit_event")
    op.create_index("ix_audit_event_ts", "audit_event", ["ts"], unique=False)
