from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from lifer_desk.config import Settings
from lifer_desk.domain.queues import QueueName
from lifer_desk.services import queues
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.services.seed import seed_tickets
from lifer_desk.store.audit import verify_chain
from lifer_desk.store.db import Database

NOW = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)


def _ctx(db: Database) -> DeskContext:
    return DeskContext(db=db, settings=Settings(database_url=db.url), agent="seeder", role="host", clock=lambda: NOW)


def _snapshot(db: Database) -> list[tuple[object, ...]]:
    with db.read() as session:
        return [
            tuple(row)
            for row in session.execute(
                text(
                    "SELECT id, subject, requester, category, priority, status, resolution_due FROM ticket ORDER BY id"
                )
            )
        ]


def test_seed_makes_a_realistic_searchable_mix(db: Database) -> None:
    ctx = _ctx(db)
    assert seed_tickets(ctx, 400, seed=7) == 1
    with db.read() as session:
        statuses = {r[0] for r in session.execute(text("SELECT DISTINCT status FROM ticket"))}
        categories = {r[0] for r in session.execute(text("SELECT DISTINCT category FROM ticket"))}
        thread_sizes = {r[0] for r in session.execute(text("SELECT count(*) FROM ticket_event GROUP BY ticket_id"))}
        subjects = [r[0] for r in session.execute(text("SELECT subject FROM ticket"))]
        due = [r[0] for r in session.execute(text("SELECT resolution_due FROM ticket WHERE is_open = 1"))]
    assert statuses == {"new", "open", "pending_customer", "resolved", "closed"}
    assert len(categories) >= 8
    assert thread_sizes <= set(range(1, 7)) and len(thread_sizes) >= 5
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in s) for s in subjects)
    assert any(s.isascii() for s in subjects)
    naive_now = NOW.replace(tzinfo=None)
    due_naive = [d if isinstance(d, datetime) else datetime.fromisoformat(d) for d in due]
    assert any(d < naive_now for d in due_naive) and any(d > naive_now for d in due_naive)
    found = queues.page(ctx, queues.queue_query(ctx, QueueName.ALL, search="退款"), limit=50)
    assert found and all("退款" in row.subject or row.category == "payment" for _key, row in found)
    assert queues.page(ctx, queues.queue_query(ctx, QueueName.ALL, search="refu"), limit=5)
    report = verify_chain(db)
    assert report.ok and report.count == 1


def _when(value: object) -> datetime:
    # Raw SQL hands back text on SQLite and datetimes on PostgreSQL.
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def test_seeded_threads_unfold_over_time_and_never_in_the_future(db: Database) -> None:
    seed_tickets(_ctx(db), 200, seed=11)
    with db.read() as session:
        rows = session.execute(
            text(
                "SELECT t.id, t.created_at, t.updated_at, e.created_at FROM ticket t "
                "JOIN ticket_event e ON e.ticket_id = t.id ORDER BY t.id, e.id"
            )
        ).all()
    threads: dict[int, tuple[datetime, datetime, list[datetime]]] = {}
    for ticket_id, created, updated, at in rows:
        threads.setdefault(ticket_id, (_when(created), _when(updated), []))[2].append(_when(at))
    now = NOW.replace(tzinfo=None)
    spread = 0
    for created, updated, events in threads.values():
        assert events[0] == created and events == sorted(events) and updated == events[-1] <= now
        spread += events[-1] > events[0]
    assert spread > 50  # most multi-event threads span time


def test_same_seed_gives_the_same_tickets(sqlite_url: str, tmp_path) -> None:
    from lifer_desk.store.migrate import upgrade

    first, second = Database(sqlite_url), Database(f"sqlite:///{tmp_path / 'again.db'}")
    upgrade(second)
    seed_tickets(_ctx(first), 150, seed=3)
    seed_tickets(_ctx(second), 150, seed=3)
    assert _snapshot(first) == _snapshot(second)
    seed_tickets(_ctx(second), 10, seed=4)
    assert len(_snapshot(second)) == 160


def test_seed_refuses_a_silly_count(sqlite_url: str) -> None:
    with pytest.raises(Refused, match="between 1 and"):
        seed_tickets(_ctx(Database(sqlite_url)), 0)
