"""Change notifications on PostgreSQL: every commit that changes a desk table notifies `lifer_desk_changes`.

An idle desk listens (store.changes) instead of querying once a second. SQLite needs nothing: its desks read
`PRAGMA data_version`. Statement triggers, and one payload for all, so that a transaction of any size sends one
notification (PostgreSQL folds identical ones).

Revision ID: 0015
Revises: 0013 (other branches add 0014-0018; the lead chains them when merged)
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "lifer_desk_changes"
# Every table the desk's screens show, directly or through a marker; audit_event and audit_head too, for the
# audit pane. A table added later that a screen polls needs its own trigger.
TABLES = (
    "agent",
    "ticket",
    "ticket_event",
    "macro",
    "draft",
    "verification",
    "verification_lock",
    "data_request",
    "feedback_item",
    "feedback_tag",
    "feedback_event",
    "suppression",
    "suppression_key",
    "audit_event",
    "audit_head",
    "outbox",
    "sync_cursor",
    "mail_message",
    "mail_attachment",
    "outbound_mail",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION lifer_desk_notify_change() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$"
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION lifer_desk_notify_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_notify_change ON {table}")
    op.execute("DROP FUNCTION lifer_desk_notify_change()")
