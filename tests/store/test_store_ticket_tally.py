"""`ticket_tally` (migration 0023) equals the counts made from the tickets themselves, after every kind of write:
a bulk seed, the services' claims and status changes, raw SQL that reassigns, reopens, moves deadlines and
deletes, a rolled-back transaction, and a migration over tickets already there."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from lifer_desk.config import Settings
from lifer_desk.services import tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.seed import seed_tickets
from lifer_desk.store import dashboard_query as q
from lifer_desk.store.db import Database
from lifer_desk.store.migrate import alembic_config, upgrade
from lifer_desk.store.models import Ticket
from tests.agent_support import enrol

NOW = datetime(2026, 5, 20, 2, 7, tzinfo=UTC)


def _quarter(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%d %H}:{utc.minute // 15 * 15:02d}"


def _from_tickets(db: Database) -> Counter[tuple[str, str]]:
    """What the tally should hold, counted in Python from every ticket."""
    expected: Counter[tuple[str, str]] = Counter()
    with db.read() as session:
        for ticket in session.exec(select(Ticket)).all():
            expected["created", _quarter(ticket.created_at)] += 1
            if ticket.is_open:
                expected["open", ticket.assignee or ""] += 1
                expected["due", _quarter(ticket.resolution_due)] += 1
            else:
                expected["closed", _quarter(ticket.updated_at)] += 1
    return expected


def _tally(db: Database) -> Counter[tuple[str, str]]:
    with db.read() as session:
        rows = session.execute(text("SELECT kind, key, sum(n) FROM ticket_tally GROUP BY kind, key HAVING sum(n) <> 0"))
        return Counter({(str(kind), str(key)): int(n) for kind, key, n in rows})


def _seed(db: Database, n: int = 200) -> None:
    seed_tickets(DeskContext(db, Settings(database_url=db.url), "seeder", "host", clock=lambda: NOW), n, seed=5)


def test_the_tally_equals_the_tickets_after_a_seed_services_raw_sql_and_a_rollback(db: Database) -> None:
    _seed(db)
    assert _tally(db) == _from_tickets(db) and _tally(db)["open", ""] > 0
    enrol(db, "alice")
    alice = DeskContext(db, Settings(database_url=db.url), "alice", "agent", clock=lambda: NOW)
    with db.read() as session:
        unassigned = session.exec(
            select(Ticket.id).where(Ticket.is_open == 1, Ticket.assignee == None).order_by(Ticket.id).limit(2)  # noqa: E711
        ).all()
    for ticket_id in unassigned:
        assert ticket_id is not None
        tickets.claim(alice, ticket_id)
    assert ticket_id is not None
    tickets.set_status(alice, tickets.get_ticket(alice, ticket_id), "resolved")
    assert _tally(db) == _from_tickets(db)
    later = NOW + timedelta(hours=3)
    with db.write() as session:
        for statement in (
            "UPDATE ticket SET assignee = 'bob' WHERE id % 7 = 0",
            "UPDATE ticket SET is_open = 1, status = 'open' WHERE id % 11 = 0",
            "UPDATE ticket SET is_open = 0, status = 'closed', updated_at = :later WHERE id % 13 = 0",
            "UPDATE ticket SET resolution_due = :later, created_at = :later WHERE id % 5 = 0",
            "UPDATE ticket SET assignee = NULL WHERE id % 17 = 0",
            "DELETE FROM ticket_event WHERE ticket_id % 19 = 0",
            "DELETE FROM ticket WHERE id % 19 = 0",
        ):
            session.execute(text(statement), {"later": later.replace(tzinfo=None)} if ":later" in statement else {})
    assert _tally(db) == _from_tickets(db)
    before = _tally(db)
    # The counts change in the tickets' transaction, so a write that never commits (rolled back, or a desk
    # killed before its commit) leaves them as they were.
    session = db.engine.connect()
    with session.begin() as transaction:
        session.execute(text("UPDATE ticket SET is_open = 0, assignee = 'carol' WHERE id % 2 = 0"))
        transaction.rollback()
    session.close()
    assert _tally(db) == before == _from_tickets(db)


def test_the_migration_counts_the_tickets_already_there_and_downgrades(db: Database) -> None:
    command.downgrade(alembic_config(db), "0022")
    _seed(db, 120)
    upgrade(db)
    assert _tally(db) == _from_tickets(db)
    with db.write() as session:
        session.execute(text("UPDATE ticket SET assignee = 'dave' WHERE id % 3 = 0"))
    assert _tally(db) == _from_tickets(db)
    command.downgrade(alembic_config(db), "0022")
    with db.write() as session:
        # Without the table, the triggers are gone too: a ticket write still works.
        session.execute(text("UPDATE ticket SET assignee = 'erin' WHERE id % 3 = 0"))
    upgrade(db)
    assert _tally(db) == _from_tickets(db)
    # PostgreSQL's TRUNCATE fires no delete trigger: one of its own empties the counts with the tickets.
    emptied = ["TRUNCATE ticket CASCADE"] if not db.is_sqlite else ["DELETE FROM ticket_event", "DELETE FROM ticket"]
    with db.write() as session:
        for statement in emptied:
            session.execute(text(statement))
    assert _tally(db) == Counter() == _from_tickets(db)


def test_the_dashboards_counts_from_the_tally_equal_direct_counts_at_any_moment(db: Database) -> None:
    _seed(db)
    # Quarter-hour bounds are answered from the tally, others (no zone's midnight today) from the tickets.
    for start in (datetime(2026, 5, 6, 16, 0, tzinfo=UTC), datetime(2026, 5, 6, 16, 7, tzinfo=UTC)):
        bounds = [start + timedelta(days=day) for day in range(15)]
        spans = [(a.replace(tzinfo=None), b.replace(tzinfo=None)) for a, b in pairwise(bounds)]
        with db.read() as session:
            shown = (q.created_per_day(session, bounds), q.closed_per_day(session, bounds))
            breaches = q.breaches_per_day(session, bounds)
            counted = [
                [_direct(session, f"{column} >= :a AND {column} < :b{extra}", a=a, b=b) for a, b in spans]
                for column, extra in (("created_at", ""), ("updated_at", " AND is_open = 0"))
            ]
            due = [
                _direct(session, "resolution_due >= :a AND resolution_due < :b AND is_open = 1", a=a, b=b)
                for a, b in spans
            ]
        assert shown == tuple(counted) and breaches == due and sum(due) > 0
    # Mid-quarter: the quarter hours before it from the tally, its first minutes from the tickets (one is due in
    # them: 02:06).
    with db.write() as session:
        session.execute(
            text("UPDATE ticket SET resolution_due = :due WHERE id = (SELECT min(id) FROM ticket WHERE is_open = 1)"),
            {"due": (NOW - timedelta(minutes=1)).replace(tzinfo=None)},
        )
    for now in (NOW, NOW + timedelta(seconds=30), NOW + timedelta(days=3, minutes=8)):
        with db.read() as session:
            expected = _direct(session, "is_open = 1 AND resolution_due < :n", n=now.replace(tzinfo=None))
            assert q.breached_now(session, now) == expected > 0


def _direct(session: Session, where: str, **params: object) -> int:
    return int(session.execute(text(f"SELECT count(*) FROM ticket WHERE {where}"), params).scalar_one())
