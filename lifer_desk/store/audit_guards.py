"""The triggers that keep `audit_event` append-only: what each one is, which are missing, and restoring them.

Migrations create them; `db upgrade` puts back any that were dropped, disabled or rewritten since, and
`audit verify` reports them missing. Each guard is compared with the statement that creates it, so a
trigger of the right name with a harmless body counts as missing too.

On SQLite, `INSERT OR REPLACE` and `REPLACE` delete the row they replace without firing delete triggers
(unless recursive triggers are on), so only a guard on INSERT that refuses an existing id or seq stops
them. On PostgreSQL the unique constraints refuse such an insert, and `ON CONFLICT DO UPDATE` and `MERGE`
fire the update trigger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

REFUSAL = "audit_event is append-only"


@dataclass(frozen=True)
class Guard:
    name: str
    create: str  # the statement as it is stored in the catalogue, so that a rewritten guard is told apart
    drop: str


def _sqlite_guard(name: str, when: str, condition: str = "") -> Guard:
    return Guard(
        name,
        f"CREATE TRIGGER {name} BEFORE {when} ON audit_event{condition} BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
        f"DROP TRIGGER IF EXISTS {name}",
    )


SQLITE_GUARDS = (
    _sqlite_guard("audit_event_no_update", "UPDATE"),
    _sqlite_guard("audit_event_no_delete", "DELETE"),
    _sqlite_guard(
        "audit_event_no_replace",
        "INSERT",
        " WHEN EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id)"
        " OR EXISTS (SELECT 1 FROM audit_event WHERE seq = NEW.seq)",
    ),
)

PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
)
PG_FUNCTION_BODY = f" BEGIN RAISE EXCEPTION '{REFUSAL}'; END "


def _pg_guard(name: str, when: str, each: str) -> Guard:
    return Guard(
        name,
        f"CREATE TRIGGER {name} BEFORE {when} ON audit_event FOR EACH {each} "
        "EXECUTE FUNCTION audit_event_append_only()",
        f"DROP TRIGGER IF EXISTS {name} ON audit_event",
    )


PG_GUARDS = (
    # In the order pg_get_triggerdef writes the events back.
    _pg_guard("audit_event_no_change", "DELETE OR UPDATE", "ROW"),
    _pg_guard("audit_event_no_truncate", "TRUNCATE", "STATEMENT"),
)


def _sqlite_missing(conn: Connection) -> list[Guard]:
    rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"))
    installed = {name: " ".join(sql.split()) for name, sql in rows}
    return [guard for guard in SQLITE_GUARDS if installed.get(guard.name) != guard.create]


def _pg_missing(conn: Connection) -> list[Guard]:
    body = conn.execute(
        text("SELECT prosrc FROM pg_proc WHERE proname = 'audit_event_append_only' AND pronargs = 0")
    ).scalar_one_or_none()
    if body != PG_FUNCTION_BODY:
        # Every trigger runs this function: one that no longer refuses leaves all of them toothless.
        return list(PG_GUARDS)
    # Disabled triggers (ALTER TABLE ... DISABLE TRIGGER) are as good as dropped.
    rows = conn.execute(
        text(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgrelid = 'audit_event'::regclass AND NOT tgisinternal AND tgenabled IN ('O', 'A')"
        )
    )
    # The catalogue names the table with its schema; the statement that made it did not.
    installed = {name: re.sub(r" ON \S+\.audit_event ", " ON audit_event ", definition) for name, definition in rows}
    return [guard for guard in PG_GUARDS if installed.get(guard.name) != guard.create]


def missing_guards(conn: Connection) -> list[Guard]:
    """The guards that are not in place as the migrations made them."""
    return _sqlite_missing(conn) if conn.dialect.name == "sqlite" else _pg_missing(conn)


def restore_guards(conn: Connection) -> list[str]:
    """Put back every missing guard in the caller's transaction; returns their names."""
    missing = missing_guards(conn)
    if missing and conn.dialect.name != "sqlite":
        conn.exec_driver_sql(PG_FUNCTION)
    for guard in missing:
        conn.exec_driver_sql(guard.drop)
        conn.exec_driver_sql(guard.create)
    return [guard.name for guard in missing]
