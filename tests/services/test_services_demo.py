"""`lifer-desk demo`: any seeded agent (`--as NAME`, LIFER_AGENT), a set of macros, and hostile customer text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from lifer_desk.config import Settings
from lifer_desk.domain.queues import QueueName
from lifer_desk.domain.tickets import Category, TicketStatus
from lifer_desk.services import demo, queues
from lifer_desk.services.errors import Refused
from lifer_desk.services.macros import list_macros


@dataclass(frozen=True)
class Contact:
    email: str
    username: str
    display_name: str
    language: str


def contacts(_path: Path, limit: int) -> list[Contact]:
    return [Contact(f"c{n}@qq.com", f"c{n}", f"客户{n}", "zh") for n in range(min(limit, 20))]


@pytest.fixture
def small_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "DEMO_TICKETS", 400)


def test_the_demo_opens_as_any_seeded_agent_with_macros_and_hostile_text(small_demo: None, tmp_path: Path) -> None:
    desk = demo.prepare_demo(Settings(), agent="li.wei", contacts=contacts, home=tmp_path)
    assert (desk.ctx.agent, desk.ctx.role) == ("li.wei", "agent")
    names = {(macro.name, macro.language) for macro in list_macros(desk.ctx.db)}
    assert {name for name, *_rest in demo.DEMO_MACROS} == {name for name, _language in names}
    assert len(names) == 2 * len(demo.DEMO_MACROS)
    found = queues.page(desk.ctx, queues.queue_query(desk.ctx, QueueName.ALL, search="evil"), limit=10)
    assert found and "[link=" in found[0][1].subject
    again = demo.prepare_demo(Settings(), agent="supervisor", contacts=contacts, home=tmp_path)
    assert (again.ctx.agent, again.ctx.role) == ("demo-supervisor", "supervisor")
    assert len(list_macros(again.ctx.db)) == len(names)
    with pytest.raises(Refused, match="'nobody' is not a demo agent"):
        demo.prepare_demo(Settings(), agent="nobody", contacts=contacts, home=tmp_path)


def test_every_state_and_category_is_in_the_demo(small_demo: None, tmp_path: Path) -> None:
    desk = demo.prepare_demo(Settings(), agent="agent", contacts=contacts, home=tmp_path)
    for status in TicketStatus:
        chosen = queues.queue_filter(status=status.value)
        query = queues.queue_query(desk.ctx, QueueName.ALL, filters=chosen)
        assert queues.page(desk.ctx, query, limit=1), status
    for category in Category:
        chosen = queues.queue_filter(category=category.value)
        query = queues.queue_query(desk.ctx, QueueName.ALL, filters=chosen)
        assert queues.page(desk.ctx, query, limit=1), category
