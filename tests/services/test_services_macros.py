"""Macros as services (issue 13 item 6): who may manage them, how they are filled, and that using one is one step."""

from __future__ import annotations

import json

import pytest
from sqlmodel import col, select

from lifer_desk.services import macros, tickets
from lifer_desk.services.agents import Actor
from lifer_desk.services.errors import PermissionDenied, Refused
from lifer_desk.services.macros import NewMacro
from lifer_desk.store.db import Database
from lifer_desk.store.models import AuditEvent
from tests.agent_support import enrol
from tests.services.test_services_tickets import Clock, ctx, draft

OPERATOR = Actor("root", operator=True)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_only_a_supervisor_or_the_operator_manages_macros(db: Database) -> None:
    enrol(db, "alice")
    enrol(db, "sue", role="supervisor")
    with pytest.raises(PermissionDenied, match="only a supervisor"):
        macros.add_macro(db, Actor("alice"), NewMacro("hi", "en", "Hello"))
    assert macros.add_macro(db, Actor("sue"), NewMacro("hi", "en", "Hello")).name == "hi"
    with pytest.raises(Refused, match="language is zh or en"):
        macros.add_macro(db, OPERATOR, NewMacro("hi", "fr", "Bonjour"))
    with pytest.raises(Refused, match="There is no status 'finished'"):
        macros.add_macro(db, OPERATOR, NewMacro("done", "en", "Done", status="finished"))


def test_a_macro_that_cannot_move_the_ticket_leaves_nothing_written(db: Database, clock: Clock) -> None:
    alice = ctx(db, "alice", clock)
    macro = macros.add_macro(db, OPERATOR, NewMacro("close", "en", "Bye {requester_name}", status="closed"))
    seen = tickets.claim(alice, tickets.open_ticket(alice, draft()).id)
    with pytest.raises(Refused, match="cannot go from"):
        macros.apply_macro(alice, seen, macro, "Bye Jane")
    assert [event.kind for event in tickets.get_ticket(alice, seen.id).events] == ["inbound"]
    resolve = macros.add_macro(db, OPERATOR, NewMacro("resolve", "en", "Fixed", status="resolved", priority="low"))
    done = macros.apply_macro(alice, tickets.get_ticket(alice, seen.id), resolve, "Fixed, Jane")
    assert (done.status, done.priority) == ("resolved", "low")
    with db.read() as session:
        last = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
    assert last is not None and last.action == "ticket.macro"
    assert json.loads(last.details) == {"language": "en", "macro": "resolve"}
