"""A ticket waiting for its customer has its resolution clock paused (issue 13 item 7); the legal clocks run on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lifer_desk.domain.queues import QueueName
from lifer_desk.domain.tickets import Category
from lifer_desk.services import queues, tickets
from lifer_desk.store.db import Database
from tests.services.test_services_tickets import T0, Clock, ctx, draft


@pytest.fixture
def clock() -> Clock:
    return Clock()


def waiting(db: Database, clock: Clock, category: Category = Category.PAYMENT) -> tickets.TicketDetail:
    alice = ctx(db, "alice", clock)
    seen = tickets.claim(alice, tickets.open_ticket(alice, draft(category=category)).id)
    return tickets.set_status(alice, tickets.reply(alice, seen, "please send a screenshot"), "pending_customer")


def test_reopening_moves_the_resolution_due_time_by_the_time_paused(db: Database, clock: Clock) -> None:
    alice = ctx(db, "alice", clock)
    pending = waiting(db, clock)
    assert pending.sla_paused and pending.resolution_due == T0 + timedelta(days=1)
    clock.now += timedelta(hours=30)
    tickets.claim(alice, pending.id)
    reopened = tickets.set_status(alice, tickets.get_ticket(alice, pending.id), "open")
    assert not reopened.sla_paused
    assert reopened.resolution_due == T0 + timedelta(days=1, hours=30)


def test_a_paused_ticket_is_neither_breached_nor_due_and_a_new_priority_keeps_the_pause(
    db: Database, clock: Clock
) -> None:
    alice = ctx(db, "alice", clock)
    pending = waiting(db, clock)
    clock.now += timedelta(days=2)
    assert queues.counts(alice)[QueueName.BREACHED] == 0
    tickets.claim(alice, pending.id)
    reopened = tickets.set_status(alice, tickets.get_ticket(alice, pending.id), "open")
    assert queues.counts(alice)[QueueName.BREACHED] == 0
    urgent = tickets.set_priority(alice, reopened, "urgent")
    # Urgent resolves in 8 h from creation, plus the two days the customer had.
    assert urgent.resolution_due == T0 + timedelta(hours=8, days=2)


def test_the_legal_clocks_do_not_pause(db: Database, clock: Clock) -> None:
    alice = ctx(db, "alice", clock)
    pending = waiting(db, clock, Category.DELETION)
    legal = (pending.legal_reply_due, pending.legal_delete_due)
    clock.now += timedelta(days=3)
    tickets.claim(alice, pending.id)
    reopened = tickets.set_status(alice, tickets.get_ticket(alice, pending.id), "open")
    assert (reopened.legal_reply_due, reopened.legal_delete_due) == legal
