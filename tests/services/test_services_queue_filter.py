"""The queue filter: typed from the UI to the store, and what an agent chose checked in the service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lifer_desk.config import Settings
from lifer_desk.domain.queues import QueueFilter, QueueName
from lifer_desk.domain.tickets import Category, Channel, Priority, TicketStatus
from lifer_desk.services import queues, tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.store.db import Database
from tests.agent_support import enrol

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _ctx(db: Database, agent: str) -> DeskContext:
    enrol(db, agent)
    return DeskContext(db=db, settings=Settings(database_url=db.url), agent=agent, role="agent", clock=lambda: NOW)


def _open(ctx: DeskContext, category: Category, priority: Priority) -> int:
    draft = tickets.TicketDraft(Channel.EMAIL, "退款申请", "你好", "jane.doe@qq.com", "Jane", category, priority)
    return tickets.open_ticket(ctx, draft).id


def test_the_chosen_values_become_a_typed_filter() -> None:
    assert queues.queue_filter() == QueueFilter()
    assert queues.queue_filter(status="open", category="deletion", priority="urgent", assignee=" bob ") == QueueFilter(
        TicketStatus.OPEN, Category.DELETION, Priority.URGENT, "bob"
    )
    assert queues.queue_filter(unassigned=True) == QueueFilter(unassigned=True)


@pytest.mark.parametrize(
    ("chosen", "said"),
    [
        ({"status": "opened"}, "There is no status 'opened'; choose one of new, open,"),
        ({"priority": "asap"}, "There is no priority 'asap'; choose one of urgent, high, normal, low."),
        ({"category": "refund"}, "There is no category 'refund'"),
        ({"assignee": "bob smith"}, "'bob smith' is not an agent name."),
        ({"assignee": "bob", "unassigned": True}, "Filter by an agent or by unassigned tickets, not both."),
    ],
)
def test_an_invalid_choice_is_refused_in_one_sentence(chosen: dict[str, object], said: str) -> None:
    with pytest.raises(Refused) as refused:
        queues.queue_filter(**chosen)  # type: ignore[arg-type]
    assert str(refused.value).startswith(said)


def test_each_filter_narrows_the_queue(db: Database) -> None:
    alice, bob = _ctx(db, "alice"), _ctx(db, "bob")
    urgent = _open(alice, Category.DELETION, Priority.URGENT)
    held = _open(alice, Category.PAYMENT, Priority.URGENT)
    normal = _open(alice, Category.PAYMENT, Priority.NORMAL)
    tickets.claim(bob, held)

    def shown(filters: QueueFilter) -> set[int]:
        query = queues.queue_query(alice, QueueName.ALL, filters=filters)
        return {row.id for _, row in queues.page(alice, query, limit=10)}

    assert shown(QueueFilter()) == {urgent, held, normal}
    assert shown(QueueFilter(priority=Priority.URGENT)) == {urgent, held}
    assert shown(QueueFilter(category=Category.PAYMENT, priority=Priority.URGENT)) == {held}
    assert shown(QueueFilter(status=TicketStatus.NEW)) == {urgent, held, normal}
    assert shown(QueueFilter(assignee="bob")) == {held}
    assert shown(QueueFilter(unassigned=True)) == {urgent, normal}
