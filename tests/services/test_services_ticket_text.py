"""What the desk stores of customer and agent text, on SQLite and PostgreSQL: NUL, huge bodies, huge searches."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from lifer_desk.config import Settings
from lifer_desk.domain.queues import QueueName
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import queues, tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.services.ticket_views import ThreadWindow
from lifer_desk.store.db import Database
from tests.agent_support import enrol

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
NUL_SHOWN = "\u2400"


def ctx(db: Database, agent: str = "alice") -> DeskContext:
    enrol(db, agent)
    return DeskContext(db=db, settings=Settings(database_url=db.url), agent=agent, role="agent", clock=lambda: T0)


def draft(**given: str) -> tickets.TicketDraft:
    fields = {
        "channel": Channel.EMAIL,
        "subject": "refund",
        "body": "hello",
        "requester": "jane.doe@qq.com",
        "requester_name": "Jane",
        "category": Category.PAYMENT,
        "priority": Priority.HIGH,
    }
    return tickets.TicketDraft(**(fields | given))  # type: ignore[arg-type]


def test_nul_in_customer_text_is_stored_as_a_visible_placeholder(db: Database) -> None:
    alice = ctx(db)
    opened = tickets.open_ticket(
        alice, draft(subject="re\x00fund", body="body\x00here", requester="a\x00@qq.com", requester_name="J\x00")
    )
    assert (opened.subject, opened.requester, opened.requester_name) == (
        f"re{NUL_SHOWN}fund",
        f"a{NUL_SHOWN}@qq.com",
        f"J{NUL_SHOWN}",
    )
    assert opened.events[0].body == f"body{NUL_SHOWN}here"
    assert "\x00" not in opened.events[0].author


def test_nul_in_a_reply_or_note_is_stored_as_a_visible_placeholder(db: Database) -> None:
    alice = ctx(db)
    claimed = tickets.claim(alice, tickets.open_ticket(alice, draft()).id)
    replied = tickets.reply(alice, claimed, "thanks\x00 for waiting")
    noted = tickets.add_note(alice, replied.id, "\x00called back")
    assert [event.body for event in noted.events[1:]] == [f"thanks{NUL_SHOWN} for waiting", f"{NUL_SHOWN}called back"]


def test_a_search_word_too_long_for_the_index_is_refused_in_one_sentence(db: Database) -> None:
    alice = ctx(db)
    tickets.open_ticket(alice, draft())
    with pytest.raises(Refused) as refused:
        queues.page(alice, queues.queue_query(alice, QueueName.ALL, search="a" * 2047), limit=10)
    message = str(refused.value)
    assert message == f"A search word can be at most {queues.MAX_SEARCH_WORD} characters; shorten it."
    with pytest.raises(Refused, match="search can be at most"):
        queues.page(alice, queues.queue_query(alice, QueueName.ALL, search="ab " * 400), limit=10)


def test_a_body_with_a_word_too_long_for_the_index_is_stored_and_found_by_its_other_words(db: Database) -> None:
    alice = ctx(db)
    opened = tickets.open_ticket(alice, draft(body="refund " + "x" * 3000))
    found = queues.page(alice, queues.queue_query(alice, QueueName.ALL, search="refund "), limit=10)
    assert [row.id for _, row in found] == [opened.id]


def test_an_inbound_body_over_the_limit_is_stored_truncated_with_a_marker(db: Database) -> None:
    alice = ctx(db)
    limit = tickets.MAX_INBOUND_BODY
    body = "很" * (limit + 1234)
    opened = tickets.open_ticket(alice, draft(body=body))
    stored = tickets.get_ticket(alice, opened.id, ThreadWindow(events=1, chars=2 * limit)).events[0].body
    assert stored.startswith("很" * limit)
    assert stored.endswith("[truncated by the desk: 1,234 more characters not stored]")
    assert len(stored) < limit + 100


def test_the_other_agents_priority_change_does_not_refuse_a_reply(db: Database) -> None:
    alice, bob = ctx(db), ctx(db, "bob")
    seen = tickets.claim(alice, tickets.open_ticket(alice, draft()).id)
    tickets.set_priority(alice, seen, "urgent")
    tickets.add_note(bob, seen.id, "customer called")
    replied = tickets.reply(alice, seen, "we are on it")
    assert replied.priority == "urgent" and replied.status == "open"
    assert [event.kind for event in replied.events] == ["inbound", "field", "note", "reply"]


def test_a_status_change_since_the_reply_was_written_still_refuses_it(db: Database) -> None:
    alice = ctx(db)
    seen = tickets.claim(alice, tickets.open_ticket(alice, draft()).id)
    tickets.set_status(alice, seen, "resolved")
    with pytest.raises(tickets.StaleVersion, match="status new → resolved"):
        tickets.reply(alice, replace(seen), "we are on it")
    assert [event.kind for event in tickets.get_ticket(alice, seen.id).events] == ["inbound", "status"]


def test_a_ticket_read_returns_only_its_window_of_the_thread_cut_in_the_database(db: Database) -> None:
    alice = ctx(db)
    opened = tickets.open_ticket(alice, draft(body="退款" * 2_000))
    for n in range(12):
        tickets.add_note(alice, opened.id, f"note {n} " + "x" * 50)
    window = ThreadWindow(events=5, chars=10)
    read = tickets.get_ticket(alice, opened.id, window)
    assert read.earlier == 8
    notes = [f"note {n} " + "x" * 50 for n in range(7, 12)]
    assert [event.body for event in read.events] == [note[:10] for note in notes]
    assert [event.length for event in read.events] == [len(note) for note in notes]
    whole = tickets.get_ticket(alice, opened.id, ThreadWindow(events=100, chars=10_000))
    assert whole.earlier == 0 and whole.events[0].body == "退款" * 2_000 and whole.events[0].cut == 0
