"""Drafts: per agent, ticket and kind, kept through refusals, deleted with the send, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lifer_desk.config import Settings
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import drafts, tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import NotFound, Refused
from lifer_desk.store.db import Database
from tests.agent_support import enrol

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def ctx(db: Database, agent: str = "alice") -> DeskContext:
    enrol(db, agent)
    return DeskContext(db=db, settings=Settings(database_url=db.url), agent=agent, role="agent", clock=lambda: T0)


def opened(alice: DeskContext) -> tickets.TicketDetail:
    draft = tickets.TicketDraft(Channel.EMAIL, "refund", "hello", "a@qq.com", "A", Category.PAYMENT, Priority.HIGH)
    return tickets.open_ticket(alice, draft)


def test_drafts_are_per_agent_ticket_and_kind(db: Database) -> None:
    alice, bob = ctx(db), ctx(db, "bob")
    ticket = opened(alice)
    drafts.save_draft(alice, ticket.id, "reply", "dear customer")
    drafts.save_draft(alice, ticket.id, "note", "internal\x00 only")
    drafts.save_draft(alice, ticket.id, "reply", "dear customer, again")
    assert drafts.load_draft(alice, ticket.id, "reply") == "dear customer, again"
    assert drafts.load_draft(alice, ticket.id, "note") == "internal\u2400 only"
    assert drafts.load_draft(bob, ticket.id, "reply") == ""
    drafts.save_draft(alice, ticket.id, "note", "  ")
    assert drafts.load_draft(alice, ticket.id, "note") == ""


def test_a_refused_reply_keeps_its_draft_and_a_sent_one_deletes_it(db: Database) -> None:
    alice = ctx(db)
    seen = tickets.claim(alice, opened(alice).id)
    too_long = "x" * (tickets.MAX_TEXT + 1)
    drafts.save_draft(alice, seen.id, "reply", too_long)
    with pytest.raises(Refused, match="longer than"):
        tickets.reply(alice, seen, too_long)
    assert drafts.load_draft(alice, seen.id, "reply") == too_long
    drafts.save_draft(alice, seen.id, "reply", "short")
    drafts.save_draft(alice, seen.id, "note", "a note")
    tickets.reply(alice, seen, "short")
    assert drafts.load_draft(alice, seen.id, "reply") == ""
    assert drafts.load_draft(alice, seen.id, "note") == "a note"
    tickets.add_note(alice, seen.id, "a note")
    assert drafts.load_draft(alice, seen.id, "note") == ""


def test_drafts_refuse_unknown_kinds_tickets_and_sizes(db: Database) -> None:
    alice = ctx(db)
    ticket = opened(alice)
    with pytest.raises(Refused, match="no drafts of status"):
        drafts.save_draft(alice, ticket.id, "status", "x")
    with pytest.raises(NotFound, match="no ticket #999"):
        drafts.save_draft(alice, 999, "reply", "x")
    with pytest.raises(Refused, match="at most 100,000 characters"):
        drafts.save_draft(alice, ticket.id, "reply", "x" * (drafts.MAX_DRAFT + 1))
