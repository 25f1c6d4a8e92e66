"""An expired claim (a crashed or dropped session) is passed on before fresh unassigned tickets (issue 16 item 2)."""

from __future__ import annotations

from datetime import timedelta

from lifer_desk.services import tickets
from lifer_desk.store.db import Database
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
