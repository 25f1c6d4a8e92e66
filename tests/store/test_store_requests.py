"""Request queries on SQLite and PostgreSQL: the keyset by nearest deadline, the due filter, counts by state,
expiry and the approval hash read from the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lifer_desk.store import audit
from lifer_desk.store import requests as store
from lifer_desk.store.db import Database
from lifer_desk.store.models import DataRequest

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def add(db: Database, state: str, due: datetime | None, expires_at: datetime | None = None) -> int:
    with db.write() as session:
        row = store.add(
            session,
            DataRequest(
                kind="delete",
                account_id="u-1",
                payload="{}",
                state=state,
                state_since=T0,
                expires_at=expires_at,
                requested_by="alice",
                due_working=due,
                due_calendar=due + timedelta(days=9) if due else None,
                created_at=T0,
                updated_at=T0,
            ),
        )
        assert row.id is not None
        return row.id


def walk(db: Database, size: int, **filters: object) -> list[int]:
    seen: list[int] = []
    after = None
    while True:
        with db.read() as session:
            rows = store.page(session, limit=size, after=after, **filters)  # type: ignore[arg-type]
        seen += [row.id for row in rows if row.id is not None]
        if len(rows) < size:
            return seen
        after = store.RequestCursor(rows[-1].due_working, rows[-1].id)  # type: ignore[arg-type]


def test_pages_walk_by_nearest_deadline_with_unstarted_clocks_last(db: Database) -> None:
    late = add(db, "awaiting_approval", T0 + timedelta(days=20))
    none_a = add(db, "awaiting_verification", None)
    soon = add(db, "approved", T0 + timedelta(days=2))
    tie = add(db, "awaiting_approval", T0 + timedelta(days=20))
    none_b = add(db, "awaiting_verification", None)
    expected = [soon, late, tie, none_a, none_b]
    for size in (1, 2, 3, 10):
        assert walk(db, size) == expected
    assert walk(db, 2, state="awaiting_approval") == [late, tie]
    assert walk(db, 2, due_before=T0 + timedelta(days=3)) == [soon]


def test_counts_by_state(db: Database) -> None:
    for state in ("approved", "approved", "failed"):
        add(db, state, None)
    with db.read() as session:
        assert store.counts_by_state(session) == {"approved": 2, "failed": 1}


def test_due_to_expire_takes_only_expiring_states_past_their_time(db: Database) -> None:
    past = add(db, "awaiting_approval", None, expires_at=T0)
    add(db, "awaiting_approval", None, expires_at=T0 + timedelta(hours=1))
    add(db, "completed", None, expires_at=T0)
    with db.read() as session:
        rows = store.due_to_expire(session, ["awaiting_approval", "approved"], T0, limit=10)
    assert [row.id for row in rows] == [past]


def test_the_approved_hash_is_the_latest_approval_in_the_audit_trail(db: Database) -> None:
    request_id = add(db, "approved", None)
    with db.write() as session:
        assert store.approved_hash(session, request_id) is None
        for digest in ("a" * 64, "b" * 64):
            audit.append(
                session,
                actor="sam",
                action=store.APPROVE_ACTION,
                entity_type=store.ENTITY,
                entity_id=request_id,
                details={"payload_hash": digest},
            )
        assert store.approved_hash(session, request_id) == "b" * 64
        assert [event.action for event in store.history(session, request_id)] == [store.APPROVE_ACTION] * 2
