"""Outbox rows in the store, on SQLite and PostgreSQL: migration 0008 both ways, leases (a held row is not taken
again until its lease lapses; two transactions leasing at once on PostgreSQL take different rows), and when the
next row is due."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect

from lifer_desk.domain.outbox import OutboxState
from lifer_desk.store import outbox as store
from lifer_desk.store.db import Database
from lifer_desk.store.migrate import alembic_config, upgrade
from lifer_desk.store.models import Outbox
from lifer_desk.store.schema_version import database_revision

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def add_rows(
    db: Database, count: int, at: datetime = NOW, kind: str = "image_delete", prefix: str = "row"
) -> list[str]:
    ids = [f"{prefix}-{n:03}" for n in range(count)]
    with db.write() as session:
        for outbox_id in ids:
            store.add(
                session,
                Outbox(
                    id=outbox_id, kind=kind, method="DELETE", path="/v1/x", state=OutboxState.PENDING,
                    next_attempt_at=at, created_at=at,
                ),
            )  # fmt: skip
    return ids


def lease(db: Database, owner: str, now: datetime, limit: int = 10) -> list[str]:
    with db.write() as session:
        return [row.id for row in store.lease(session, owner, now, now + timedelta(minutes=2), limit)]


def test_migration_0008_goes_down_to_0007_and_up_again(db: Database) -> None:
    command.downgrade(alembic_config(db), "0007")
    assert database_revision(db) == "0007"
    with db.engine.connect() as conn:
        assert "leased_until" not in {column["name"] for column in inspect(conn).get_columns("outbox")}
    upgrade(db)
    with db.engine.connect() as conn:
        columns = {column["name"] for column in inspect(conn).get_columns("outbox")}
    assert {"leased_by", "leased_until", "failing_since", "result"} <= columns


def test_due_erasures_are_leased_before_rows_due_earlier(db: Database) -> None:
    # An erasure takes the admin API seconds; leased last, it would hold the outbox open for that long.
    add_rows(db, 2)
    add_rows(db, 2, at=NOW + timedelta(seconds=1), kind="erasure", prefix="erasure")
    later = NOW + timedelta(seconds=1)
    assert lease(db, "a", later, limit=3) == ["erasure-000", "erasure-001", "row-000"]


def test_a_leased_row_is_not_taken_again_until_its_lease_lapses(db: Database) -> None:
    add_rows(db, 3)
    assert lease(db, "a", NOW, limit=2) == ["row-000", "row-001"]
    assert lease(db, "b", NOW) == ["row-002"]
    assert lease(db, "b", NOW + timedelta(minutes=1)) == []
    assert lease(db, "b", NOW + timedelta(minutes=2)) == ["row-000", "row-001", "row-002"]


def test_a_row_not_yet_due_is_not_leased_and_next_due_says_when(db: Database) -> None:
    add_rows(db, 1, at=NOW + timedelta(seconds=30))
    assert lease(db, "a", NOW) == []
    with db.read() as session:
        assert store.next_due(session) == NOW + timedelta(seconds=30)
    assert lease(db, "a", NOW + timedelta(seconds=30)) == ["row-000"]
    with db.read() as session:
        # Held by "a": free for another deliverer only once the lease lapses.
        assert store.next_due(session) == NOW + timedelta(seconds=30, minutes=2)


def test_two_transactions_leasing_at_once_take_different_rows(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite serialises writers: the second lease begins only after the first committed")
    add_rows(db, 4)
    first_has_leased = threading.Event()
    second_done = threading.Event()
    taken: dict[str, list[str]] = {}

    def first() -> None:
        with db.write() as session:
            taken["a"] = [row.id for row in store.lease(session, "a", NOW, NOW + timedelta(minutes=2), 2)]
            first_has_leased.set()
            # Hold the row locks until the other transaction has leased: SKIP LOCKED must pass them by.
            second_done.wait(timeout=30)

    thread = threading.Thread(target=first)
    thread.start()
    assert first_has_leased.wait(timeout=30)
    taken["b"] = lease(db, "b", NOW)
    second_done.set()
    thread.join()
    assert taken == {"a": ["row-000", "row-001"], "b": ["row-002", "row-003"]}


def test_written_values_are_stored_and_read_back_in_the_same_session(db: Database) -> None:
    first, second = add_rows(db, 2)
    done_at = NOW + timedelta(seconds=3)
    with db.write() as session:
        rows = store.get_many(session, [first, second])
        store.write(
            session,
            [
                (rows[first], {"state": OutboxState.DONE, "done_at": done_at, "leased_by": None}),
                (rows[second], {"attempts": 2, "leased_by": None}),
            ],
        )
        again = store.get_many(session, [first, second])
        assert (again[first].state, again[first].done_at, again[second].attempts) == (OutboxState.DONE, done_at, 2)
    with db.read() as session:
        stored = store.get_many(session, [first, second])
        assert (stored[first].state, stored[first].done_at) == (OutboxState.DONE, done_at)
        assert (stored[second].state, stored[second].attempts) == (OutboxState.PENDING, 2)
