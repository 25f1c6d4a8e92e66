"""An expired claim (a crashed or dropped session) is passed on before fresh unassigned tickets (issue 16 item 2)."""

from __future__ import annotations

from datetime import timedelta

from lifer_desk.services import tickets
from lifer_desk.services.agents import Actor, deactivate_agent
from lifer_desk.store.db import Database
from lifer_desk.store.types import utcnow
from tests.services.test_services_tickets import Clock, ctx, draft


def test_next_offers_an_expired_claim_before_an_unassigned_ticket(db: Database) -> None:
    clock = Clock()
    alice, bob = ctx(db, "alice", clock), ctx(db, "bob", clock)
    abandoned = tickets.open_ticket(alice, draft())
    tickets.claim(alice, abandoned.id)
    clock.now += timedelta(minutes=16)
    fresh = tickets.open_ticket(alice, draft())
    got = [tickets.next_unclaimed(bob), tickets.next_unclaimed(bob)]
    assert [t.id if t else None for t in got] == [abandoned.id, fresh.id]
    assert got[0] is not None and got[0].assignee == "bob"


def test_deactivating_an_agent_passes_their_claims_on_at_once(db: Database) -> None:
    clock = Clock()
    # Deactivation is a host command on the real clock.
    clock.now = utcnow()
    alice, bob = ctx(db, "alice", clock), ctx(db, "bob", clock)
    held = tickets.open_ticket(alice, draft())
    tickets.claim(alice, held.id)
    deactivate_agent(db, actor=Actor("root", operator=True), name="alice")
    clock.now += timedelta(seconds=1)
    got = tickets.next_unclaimed(bob)
    assert got is not None and (got.id, got.assignee) == (held.id, "bob")
