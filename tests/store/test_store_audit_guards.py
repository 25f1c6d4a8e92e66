"""Every statement that could change or remove an audit event is refused, on SQLite and on PostgreSQL.

SQLite's `REPLACE` and `INSERT OR REPLACE` delete the row they replace without firing the delete trigger, so
only the insert guard of migration 0005 stops them. Whatever is tried, the chain still verifies afterwards.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from lifer_desk.store import audit
from lifer_desk.store.audit_guards import missing_guards, restore_guards
from lifer_desk.store.db import Database

_COPY = "id, seq, ts, actor, action, entity_type, entity_id, details, prev_hash, hash"
_FORGED = "id, seq, ts, 'mallory', action, entity_type, entity_id, details, prev_hash, hash"
_FORGED_NEW_ID = "seq, ts, 'mallory', action, entity_type, entity_id, details, prev_hash, hash"
_COLUMNS_NEW_ID = "seq, ts, actor, action, entity_type, entity_id, details, prev_hash, hash"

BOTH = {
    "update": "UPDATE audit_event SET actor = 'mallory' WHERE seq = 1",
    "delete": "DELETE FROM audit_event WHERE seq = 1",
}
SQLITE = {
    **BOTH,
    "replace": f"REPLACE INTO audit_event ({_COPY}) SELECT {_FORGED} FROM audit_event WHERE seq = 1",
    "insert or replace": (
        f"INSERT OR REPLACE INTO audit_event ({_COPY}) SELECT {_FORGED} FROM audit_event WHERE seq = 1"
    ),
    # A fresh id that collides on seq only: the replaced row goes, the forged one takes its place.
    "insert or replace on seq": (
        f"INSERT OR REPLACE INTO audit_event ({_COLUMNS_NEW_ID}) SELECT {_FORGED_NEW_ID} FROM audit_event WHERE seq = 1"
    ),
    "update or replace": "UPDATE OR REPLACE audit_event SET seq = 1, actor = 'mallory' WHERE seq = 2",
    "on conflict": (
        f"INSERT INTO audit_event ({_COPY}) SELECT {_COPY} FROM audit_event WHERE seq = 1 "
        "ON CONFLICT (seq) DO UPDATE SET actor = 'mallory'"
    ),
}
POSTGRESQL = {
    **BOTH,
    "truncate": "TRUNCATE audit_event",
    "on conflict": (
        f"INSERT INTO audit_event ({_COPY}) SELECT {_COPY} FROM audit_event WHERE seq = 1 "
        "ON CONFLICT (id) DO UPDATE SET actor = 'mallory'"
    ),
    "merge update": (
        "MERGE INTO audit_event AS e USING (SELECT 1 AS seq) AS s ON e.seq = s.seq "
        "WHEN MATCHED THEN UPDATE SET actor = 'mallory'"
    ),
    "merge delete": (
        "MERGE INTO audit_event AS e USING (SELECT 1 AS seq) AS s ON e.seq = s.seq WHEN MATCHED THEN DELETE"
    ),
    "delete in a cte": "WITH gone AS (DELETE FROM audit_event WHERE seq = 1 RETURNING seq) SELECT count(*) FROM gone",
}


def _append(db: Database, n: int) -> None:
    for i in range(n):
        with db.write() as session:
            audit.append(session, actor="alice", action="ticket.reply", entity_type="ticket", entity_id=i)


def _events(db: Database) -> list[tuple[object, ...]]:
    with db.read() as session:
        return [tuple(row) for row in session.execute(text(f"SELECT {_COPY} FROM audit_event ORDER BY seq"))]


def _refused(db: Database, statement: str) -> None:
    _append(db, 2)
    before = _events(db)
    with pytest.raises(DBAPIError) as refused, db.engine.begin() as conn:
        conn.exec_driver_sql(statement)
    # The guard's own refusal; a unique-key error would mean the statement merely missed.
    assert "append-only" in str(refused.value.orig)
    assert _events(db) == before
    report = audit.verify_chain(db)
    assert report.ok and report.count == 2


CASES = [("sqlite", name, sql) for name, sql in SQLITE.items()] + [
    ("postgresql", name, sql) for name, sql in POSTGRESQL.items()
]


@pytest.mark.parametrize(
    ("dialect", "statement"), [(d, sql) for d, _n, sql in CASES], ids=[f"{d}: {n}" for d, n, _s in CASES]
)
def test_every_form_of_tampering_is_refused(request: pytest.FixtureRequest, dialect: str, statement: str) -> None:
    db = Database(request.getfixturevalue("sqlite_url" if dialect == "sqlite" else "pg_url"))
    try:
        _refused(db, statement)
    finally:
        db.dispose()


def test_the_insert_guard_lets_appends_through(db: Database) -> None:
    _append(db, 3)
    report = audit.verify_chain(db)
    assert report.ok and report.count == 3


def _drop(db: Database) -> set[str]:
    with db.engine.begin() as conn:
        if db.is_sqlite:
            for name in ("audit_event_no_update", "audit_event_no_replace"):
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
            return {"audit_event_no_update", "audit_event_no_replace"}
        conn.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change")
        return {"audit_event_no_change"}


def test_dropped_or_disabled_guards_are_found_and_restored(db: Database) -> None:
    with db.engine.connect() as conn:
        assert missing_guards(conn) == []
    dropped = _drop(db)
    with db.engine.begin() as conn:
        assert {guard.name for guard in missing_guards(conn)} == dropped
        assert set(restore_guards(conn)) == dropped
    with db.engine.connect() as conn:
        assert missing_guards(conn) == []
    _append(db, 1)
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.exec_driver_sql(BOTH["update"])


def test_a_guard_rewritten_to_do_nothing_counts_as_missing(db: Database) -> None:
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
            conn.exec_driver_sql(
                "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN SELECT 1; END"
            )
            expected = {"audit_event_no_delete"}
        else:
            conn.exec_driver_sql(
                "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RETURN OLD; END $$"
            )
            expected = {"audit_event_no_change", "audit_event_no_truncate"}
    with db.engine.begin() as conn:
        assert {guard.name for guard in missing_guards(conn)} == expected
        restore_guards(conn)
    _append(db, 1)
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.exec_driver_sql(BOTH["delete"])
