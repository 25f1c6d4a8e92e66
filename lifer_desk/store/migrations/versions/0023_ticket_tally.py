"""The dashboard's ticket counts kept by the database itself: `ticket_tally`, maintained by triggers on `ticket`.

After a commit the dashboard recounted the tickets: at a million, the open tickets per assignee (40 ms on SQLite)
and today's opened, closed and breached tickets (up to 31 ms each) were most of a 126 ms refresh. The triggers
keep each count in a small table instead, in the transaction that changes the ticket, so every write path (the
services, a bulk seed, raw SQL) keeps it right, a crash loses nothing that was not also lost from `ticket`, and a
refresh reads a few rows. The kinds (store.dashboard_query reads them):

- `open`: open tickets per assignee ('' for the unassigned);
- `created`: tickets per quarter hour (UTC) of `created_at`;
- `closed`: closed tickets per quarter hour of `updated_at` (a closed ticket's last change);
- `due`: open tickets per quarter hour of `resolution_due`.

Quarter hours, because every time zone's midnight falls on one (UTC offsets are whole quarter hours), so a local
day's count is a sum of whole buckets. On SQLite the triggers fire per row; on PostgreSQL once per statement,
over its transition tables (a COPY of a million tickets makes one aggregated upsert), and each backend adds to
slot `pid % SLOTS` of a count, so concurrent writers (say two agents claiming unassigned tickets) do not queue on
one row; a reader sums the slots.

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLOTS = 8


def _sqlite_bucket(column: str) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' text: the hour's prefix and the minute floored to its quarter.
    return f"substr({column}, 1, 14) || printf('%02d', CAST(substr({column}, 15, 2) AS INTEGER) / 15 * 15)"


def _pg_bucket(column: str) -> str:
    return (
        f"to_char({column}, 'YYYY-MM-DD HH24:') || lpad((extract(minute FROM {column})::int / 15 * 15)::text, 2, '0')"
    )


def _kinds(row: str, bucket: Callable[[str], str]) -> list[tuple[str, str, str]]:
    """(kind, condition, key) of each count, over the ticket row named `row`."""
    return [
        ("open", f"{row}.is_open = 1", f"coalesce({row}.assignee, '')"),
        ("created", "1 = 1", bucket(f"{row}.created_at")),
        ("closed", f"{row}.is_open = 0", bucket(f"{row}.updated_at")),
        ("due", f"{row}.is_open = 1", bucket(f"{row}.resolution_due")),
    ]


def _sqlite_add(kind: str, condition: str, key: str, delta: int, unless: str = "") -> str:
    extra = f" AND NOT ({unless})" if unless else ""
    return (
        f"INSERT INTO ticket_tally (kind, key, slot, n) SELECT '{kind}', {key}, 0, {delta} WHERE {condition}{extra} "
        "ON CONFLICT (kind, key, slot) DO UPDATE SET n = n + excluded.n;"
    )


def _sqlite_triggers() -> list[str]:
    new, old = _kinds("new", _sqlite_bucket), _kinds("old", _sqlite_bucket)
    inserted = " ".join(_sqlite_add(kind, cond, key, 1) for kind, cond, key in new)
    deleted = " ".join(_sqlite_add(kind, cond, key, -1) for kind, cond, key in old)
    # A row that stays in the same count (the same condition and key before and after) leaves it alone.
    updated = " ".join(
        _sqlite_add(kind, o_cond, o_key, -1, f"{n_cond} AND {n_key} IS {o_key}")
        + " "
        + _sqlite_add(kind, n_cond, n_key, 1, f"{o_cond} AND {n_key} IS {o_key}")
        for (kind, o_cond, o_key), (_kind, n_cond, n_key) in zip(old, new, strict=True)
    )
    columns = "is_open, assignee, created_at, updated_at, resolution_due"
    return [
        f"CREATE TRIGGER ticket_tally_insert AFTER INSERT ON ticket BEGIN {inserted} END",
        f"CREATE TRIGGER ticket_tally_delete AFTER DELETE ON ticket BEGIN {deleted} END",
        f"CREATE TRIGGER ticket_tally_update AFTER UPDATE OF {columns} ON ticket BEGIN {updated} END",
    ]


def _pg_deltas(table: str, delta: int) -> str:
    return " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, {key} AS key, {delta} AS d FROM {table} AS r WHERE {cond}"
        for kind, cond, key in _kinds("r", _pg_bucket)
    )


def _pg_function(name: str, deltas: str) -> str:
    # Sorted, so that two writers lock the rows of one slot in the same order; nothing written for a net zero.
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO ticket_tally (kind, key, slot, n) "
        f"SELECT kind, key, pg_backend_pid() % {SLOTS}, sum(d) FROM ({deltas}) AS deltas "
        "GROUP BY kind, key HAVING sum(d) <> 0 ORDER BY kind, key "
        "ON CONFLICT (kind, key, slot) DO UPDATE SET n = ticket_tally.n + excluded.n; "
        "RETURN NULL; END $$"
    )


PG_TRIGGERS = (
    ("insert", "INSERT", "REFERENCING NEW TABLE AS new_rows", _pg_deltas("new_rows", 1)),
    ("delete", "DELETE", "REFERENCING OLD TABLE AS old_rows", _pg_deltas("old_rows", -1)),
    (
        "update",
        "UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        f"{_pg_deltas('old_rows', -1)} UNION ALL {_pg_deltas('new_rows', 1)}",
    ),
)


def upgrade() -> None:
    op.create_table(
        "ticket_tally",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", "slot"),
        sqlite_with_rowid=False,
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    # The counts of the tickets already there, before the triggers count every change from here on (the
    # migration's transaction holds the table meanwhile).
    op.execute(
        "INSERT INTO ticket_tally (kind, key, slot, n) SELECT kind, key, 0, count(*) FROM ("
        + " UNION ALL ".join(
            f"SELECT '{kind}' AS kind, {key} AS key FROM ticket AS r WHERE {cond}"
            for kind, cond, key in _kinds("r", _pg_bucket if postgres else _sqlite_bucket)
        )
        + ") AS counted GROUP BY kind, key"
    )
    if not postgres:
        for trigger in _sqlite_triggers():
            op.execute(trigger)
        return
    for op_name, event, referencing, deltas in PG_TRIGGERS:
        op.execute(_pg_function(f"lifer_desk_ticket_tally_{op_name}", deltas))
        op.execute(
            f"CREATE TRIGGER ticket_tally_{op_name} AFTER {event} ON ticket {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION lifer_desk_ticket_tally_{op_name}()"
        )
    # TRUNCATE fires no row or delete trigger: it empties the counts with the tickets.
    op.execute(
        "CREATE FUNCTION lifer_desk_ticket_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN DELETE FROM ticket_tally; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER ticket_tally_truncate AFTER TRUNCATE ON ticket "
        "FOR EACH STATEMENT EXECUTE FUNCTION lifer_desk_ticket_tally_truncate()"
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for op_name in ("insert", "delete", "update", *(("truncate",) if postgres else ())):
        op.execute(f"DROP TRIGGER ticket_tally_{op_name}" + (" ON ticket" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION lifer_desk_ticket_tally_{op_name}()")
    op.drop_table("ticket_tally")
