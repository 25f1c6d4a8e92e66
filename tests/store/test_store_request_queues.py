"""Requests mode's keyset on SQLite and PostgreSQL: forwards, backwards and from the end it gives the same
order (nearest working-day deadline first, requests without one last, then id), and the queue filters count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lifer_desk.store import request_queues as store
from lifer_desk.store.db import Database
from lifer_desk.store.models import DataRequest

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def add(db: Database, state: str, due: datetime | None, by: str = "alice", since: datetime = T0) -> int:
    with db.write() as session:
        row = DataRequest(
            kind="delete", account_id="u-1", payload="{}", state=state, state_since=since, requested_by=by,
            due_working=due, created_at=T0, updated_at=T0,
        )  # fmt: skip
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


@pytest.fixture
def made(db: Database) -> list[int]:
    """Ids in the order the queue shows them: by deadline (a tie broken by id), then the undated ones by id."""
    later = add(db, "awaiting_approval", T0 + timedelta(days=5))
    undated_a = add(db, "awaiting_verification", None)
    soon = add(db, "awaiting_approval", T0 + timedelta(days=1), by="carol")
    tie = add(db, "failed", T0 + timedelta(days=5))
    undated_b = add(db, "awaiting_verification", None)
    done = add(db, "completed", T0 + timedelta(days=2), since=T0 + timedelta(hours=5))
    return [soon, done, later, tie, undated_a, undated_b]


def ids(rows: list[DataRequest]) -> list[int]:
    return [row.id for row in rows if row.id is not None]


@pytest.mark.parametrize("size", [1, 2, 4])
def test_pages_forwards_backwards_and_from_the_end_agree(db: Database, made: list[int], size: int) -> None:
    everything = store.RequestFilter()
    with db.read() as session:
        forwards: list[DataRequest] = []
        page = store.page(session, everything, limit=size)
        while page:
            forwards += page
            page = store.page(session, everything, limit=size, after=store.key_of(page[-1]))
        backwards: list[DataRequest] = []
        page = store.page(session, everything, limit=size, last=True)
        while page:
            backwards = page + backwards
            page = store.page(session, everything, limit=size, before=store.key_of(page[0]))
    assert ids(forwards) == made
    assert ids(backwards) == made


def test_the_queue_filters_count_and_page_alike(db: Database, made: list[int]) -> None:
    soon, done, later, tie, _, _ = made
    mine = store.RequestFilter(("awaiting_approval",), not_requested_by="carol")
    today = store.RequestFilter(("completed",), since=T0 + timedelta(hours=4))
    with db.read() as session:
        assert ids(store.page(session, mine, limit=10)) == [later]
        assert store.count(session, mine) == 1
        assert ids(store.page(session, today, limit=10)) == [done]
        assert store.count(session, store.RequestFilter(("completed",), since=T0 + timedelta(hours=6))) == 0
        assert store.count(session, store.RequestFilter(nothing=True)) == 0
        assert ids(store.page(session, store.RequestFilter(("failed", "awaiting_approval")), limit=10)) == [
            soon,
            later,
            tie,
        ]
