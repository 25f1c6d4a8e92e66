from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from lifer_desk.config import Settings
from lifer_desk.domain.queues import QueueName
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import queues, tickets
from lifer_desk.services.agents import Actor, deactivate_agent
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import AgentDeactivated, NotFound, Refused, StaleVersion, TakeOverNeeded
from lifer_desk.store.audit import verify_chain
from lifer_desk.store.db import Database
from lifer_desk.store.models import AuditEvent
from tests.agent_support import enrol

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def ctx(db: Database, agent: str, clock: Clock) -> DeskContext:
    enrol(db, agent)
    return DeskContext(db=db, settings=Settings(database_url=db.url), agent=agent, role="agent", clock=clock)


def draft(subject: str = "退款申请 refund please", category: Category = Category.PAYMENT) -> tickets.TicketDraft:
    return tickets.TicketDraft(
        channel=Channel.EMAIL,
        subject=subject,
        body="你好, help with my diary subscription",
        requester="jane.doe@qq.com",
        requester_name="Jane",
        category=category,
        priority=Priority.HIGH,
    )


def test_open_claim_reply_and_status_flow(db: Database, clock: Clock) -> None:
    alice = ctx(db, "alice", clock)
    opened = tickets.open_ticket(alice, draft())
    assert opened.status == "new" and opened.events[0].kind == "inbound"
    assert opened.resolution_due == T0 + timedelta(days=1)
    with pytest.raises(Refused, match="claim ticket"):
        tickets.reply(alice, opened, "hello")
    claimed = tickets.claim(alice, opened.id)
    replied = tickets.reply(alice, claimed, "我们已收到")
    assert replied.status == "open" and replied.first_responded_at == T0
    assert [e.kind for e in replied.events] == ["inbound", "reply"]
    pending = tickets.set_status(alice, replied, "pending_customer")
    assert pending.status == "pending_customer"
    with pytest.raises(Refused, match="cannot go from pending_customer to closed"):
        tickets.set_status(alice, pending, "closed")
    assert verify_chain(db).count == 4


def test_claim_held_by_someone_else_is_refused_until_the_lease_expires(db: Database, clock: Clock) -> None:
    alice, bob = ctx(db, "alice", clock), ctx(db, "bob", clock)
    ticket = tickets.open_ticket(alice, draft())
    tickets.claim(alice, ticket.id)
    with pytest.raises(Refused, match="claimed by alice"):
        tickets.claim(bob, ticket.id)
    clock.now += timedelta(minutes=16)
    with pytest.raises(TakeOverNeeded, match="take over from alice"):
        tickets.claim(bob, ticket.id)
    assert tickets.claim(bob, ticket.id, take_over=True).assignee == "bob"


def test_stale_write_is_refused_and_says_what_changed(db: Database, clock: Clock) -> None:
    alice = ctx(db, "alice", clock)
    seen = tickets.claim(alice, tickets.open_ticket(alice, draft()).id)
    tickets.set_priority(alice, seen, "urgent")
    with pytest.raises(StaleVersion, match="priority high → urgent") as refused:
        tickets.set_status(alice, seen, "open")
    assert refused.value.changes == {"priority": ("high", "urgent")}
    assert tickets.get_ticket(alice, seen.id).status == "new"


def test_category_change_sets_legal_clocks(db: Database, clock: Clock) -> None:
    alice = ctx(db, "alice", clock)
    seen = tickets.claim(alice, tickets.open_ticket(alice, draft()).id)
    changed = tickets.set_category(alice, seen, "deletion")
    assert changed.legal_reply_due is not None and changed.legal_delete_due is not None
    assert changed.legal_delete_due > changed.created_at + timedelta(days=15)


def test_next_unclaimed_takes_the_most_urgent_free_ticket_once(db: Database, clock: Clock) -> None:
    alice, bob = ctx(db, "alice", clock), ctx(db, "bob", clock)
    first = tickets.open_ticket(alice, draft())
    second = tickets.open_ticket(alice, draft())
    got = [tickets.next_unclaimed(alice), tickets.next_unclaimed(bob), tickets.next_unclaimed(bob)]
    assert [t.id if t else None for t in got] == [first.id, second.id, None]


def test_unknown_ticket_is_not_found(db: Database, clock: Clock) -> None:
    with pytest.raises(NotFound, match="no ticket #999"):
        tickets.get_ticket(ctx(db, "alice", clock), 999)


def test_queue_pages_counts_and_search(db: Database, clock: Clock) -> None:
    alice = ctx(db, "alice", clock)
    for n in range(7):
        tickets.open_ticket(alice, draft(subject=f"ticket {n} 退款申请" if n % 2 else f"ticket {n} password reset"))
    tickets.claim(alice, 1)
    query = queues.queue_query(alice, QueueName.ALL)
    first = queues.page(alice, query, limit=3)
    second = queues.page(alice, query, limit=3, after=first[-1][0])
    last = queues.page(alice, query, limit=3, last=True)
    back = queues.page(alice, query, limit=3, before=second[0][0])
    assert [r.id for _, r in first + second] == [1, 2, 3, 4, 5, 6]
    assert [r.id for _, r in last] == [5, 6, 7]
    assert [r.id for _, r in back] == [1, 2, 3]
    assert first[0][1].requester_masked == "j***@qq.com"
    counts = queues.counts(alice)
    assert counts[QueueName.MY_OPEN] == 1 and counts[QueueName.UNASSIGNED] == 6
    assert counts[QueueName.ALL] == 7 and counts[QueueName.DELETION] == 0
    search = queues.queue_query(alice, QueueName.ALL, search="退款")
    assert [r.id for _, r in queues.page(alice, search, limit=10)] == [2, 4, 6]
    assert [
        r.id for _, r in queues.page(alice, queues.queue_query(alice, QueueName.ALL, search="password res"), limit=10)
    ] == [
        1,
        3,
        5,
        7,
    ]
    assert queues.page(alice, queues.queue_query(alice, QueueName.ALL, search="款申"), limit=10)
    assert not queues.page(alice, queues.queue_query(alice, QueueName.ALL, search="退货"), limit=10)


def test_status_and_link_changes_record_the_value_before_the_change(db: Database, clock: Clock) -> None:
    alice = ctx(db, "alice", clock)
    claimed = tickets.claim(alice, tickets.open_ticket(alice, draft()).id)
    opened = tickets.set_status(alice, claimed, "open")
    linked = tickets.link_account(alice, opened, "usr_0001")
    relinked = tickets.link_account(alice, linked, "usr_0002")
    changes = [(e.meta.get("field", "status"), e.meta["from"], e.meta["to"]) for e in relinked.events[1:]]
    assert changes == [("status", "new", "open"), ("account", None, "usr_0001"), ("account", "usr_0001", "usr_0002")]
    with db.read() as session:
        audited = session.execute(
            select(AuditEvent.details).where(col(AuditEvent.action) == "ticket.status")
        ).scalar_one()
    assert json.loads(audited) == {"from": "new", "to": "open"}


def test_a_deactivated_agent_can_change_nothing(db: Database, clock: Clock) -> None:
    alice, bob = ctx(db, "alice", clock), ctx(db, "bob", clock)
    opened = tickets.open_ticket(bob, draft())
    claimed = tickets.claim(alice, opened.id)
    deactivate_agent(db, actor=Actor("root", operator=True), name="alice")
    audited = _audit_count(db)
    refused = "agent 'alice' has been deactivated; this desk can no longer make changes"
    changes = [
        lambda: tickets.claim(alice, opened.id),
        lambda: tickets.next_unclaimed(alice),
        lambda: tickets.reply(alice, claimed, "still here"),
        lambda: tickets.add_note(alice, opened.id, "still here"),
        lambda: tickets.set_status(alice, claimed, "resolved"),
        lambda: tickets.set_priority(alice, claimed, "low"),
        lambda: tickets.link_account(alice, claimed, "u_0001"),
        lambda: tickets.open_ticket(alice, draft()),
        lambda: tickets.renew_claim(alice, opened.id),
        lambda: tickets.release_claim(alice, opened.id),
    ]
    for change in changes:
        with pytest.raises(AgentDeactivated, match=refused):
            change()
    assert tickets.get_ticket(bob, opened.id) == claimed
    assert _audit_count(db) == audited


def test_a_context_for_someone_who_is_no_agent_writes_nothing(db: Database, clock: Clock) -> None:
    stranger = DeskContext(db=db, settings=Settings(database_url=db.url), agent="mallory", role="agent", clock=clock)
    with pytest.raises(AgentDeactivated, match="'mallory' is not a lifer-desk agent"):
        tickets.open_ticket(stranger, draft())
    assert _audit_count(db) == 0


def _audit_count(db: Database) -> int:
    with db.read() as session:
        return len(session.exec(select(AuditEvent)).all())


def test_a_live_claim_is_taken_over_only_by_a_supervisor_and_audited_as_a_take_over(db: Database, clock: Clock) -> None:
    alice, bob = ctx(db, "alice", clock), ctx(db, "bob", clock)
    enrol(db, "sue", role="supervisor")
    sue = DeskContext(db=db, settings=Settings(database_url=db.url), agent="sue", role="supervisor", clock=clock)
    ticket = tickets.open_ticket(alice, draft())
    tickets.claim(alice, ticket.id)
    with pytest.raises(Refused, match="only a supervisor may take a live claim"):
        tickets.claim(bob, ticket.id, take_over=True)
    with pytest.raises(TakeOverNeeded, match="take over from alice"):
        tickets.claim(sue, ticket.id)
    assert tickets.claim(sue, ticket.id, take_over=True).assignee == "sue"
    with db.read() as session:
        last = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
    assert last is not None and last.action == "ticket.take_over"
    assert json.loads(last.details) == {"live_claim": True, "previous_assignee": "alice"}


def test_a_closed_ticket_of_another_agent_asks_before_it_is_taken(db: Database, clock: Clock) -> None:
    alice, bob = ctx(db, "alice", clock), ctx(db, "bob", clock)
    seen = tickets.claim(alice, tickets.open_ticket(alice, draft()).id)
    seen = tickets.set_status(alice, tickets.reply(alice, seen, "done"), "resolved")
    tickets.set_status(alice, seen, "closed")
    tickets.release_claim(alice, seen.id)
    with pytest.raises(TakeOverNeeded):
        tickets.claim(bob, seen.id)
    assert tickets.get_ticket(bob, seen.id).assignee == "alice"
