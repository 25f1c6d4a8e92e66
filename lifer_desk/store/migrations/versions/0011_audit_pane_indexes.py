"""Indexes for the supervisors' audit pane (filter by actor, action, entity or time without a scan) and for the
dashboard's tickets opened and closed per day.

The expression indexes let "everything that touched account X" match events that name the account in their
details (a verification attempt is about a verification row); store.audit_query uses the same expressions.

Revision ID: 0011
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

from lifer_desk.store.audit_query import DETAIL_KEYS, detail_expression

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PLAIN = {
    "ix_audit_event_actor": ["actor", "seq"],
    "ix_audit_event_action": ["action", "seq"],
    "ix_audit_event_entity": ["entity_type", "entity_id", "seq"],
    "ix_audit_event_ts": ["ts"],
}


def detail_index(key: str) -> str:
    return f"ix_audit_event_detail_{key}"


def upgrade() -> None:
    op.create_index("ix_ticket_created", "ticket", ["created_at", "id"], unique=False)
    op.create_index("ix_ticket_updated_open", "ticket", ["updated_at", "is_open"], unique=False)
    for name, columns in _PLAIN.items():
        op.create_index(name, "audit_event", columns, unique=False)
    dialect = op.get_bind().dialect.name
    for key in DETAIL_KEYS.values():
        op.execute(f"CREATE INDEX {detail_index(key)} ON audit_event ({detail_expression(dialect, key)}, seq)")


def downgrade() -> None:
    for key in DETAIL_KEYS.values():
        op.execute(f"DROP INDEX {detail_index(key)}")
    for name in _PLAIN:
        op.drop_index(name, table_name="audit_event")
    op.drop_index("ix_ticket_updated_open", table_name="ticket")
    op.drop_index("ix_ticket_created", table_name="ticket")
