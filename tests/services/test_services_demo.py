"""`lifer-desk demo`: any seeded agent (`--as NAME`, LIFER_AGENT), a set of macros, and hostile customer text."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from lifer_desk.config import Settings
from lifer_desk.domain.queues import QueueName
from lifer_desk.domain.tickets import Category, TicketStatus
from lifer_desk.sandbox import demo_contacts
from lifer_desk.services import demo, queues
from lifer_desk.services.errors import Refused
from lifer_desk.services.macros import list_macros


@dataclass(frozen=True)
class Contact:
    email: str
    username: str
    display_name: str
    language: str
    minor: bool = False
    birthday: str = "1990-01-02"
    gender: str | None = "female"
    images: int = 2


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


def test_a_few_callers_state_the_details_that_verify_them(small_demo: None, sandbox_db: Path, tmp_path: Path) -> None:
    # Whoever tries the demo cannot know a sandbox account's birthday; these callers say it, as callers do.
    def real_contacts(_path: Path, limit: int) -> list:
        return list(demo_contacts(sandbox_db, limit))

    desk = demo.prepare_demo(Settings(), agent="agent", contacts=real_contacts, home=tmp_path)
    sandbox = sqlite3.connect(sandbox_db)
    sandbox.row_factory = sqlite3.Row
    gender_words = {"male": ("male", "男"), "female": ("female", "女"), "other": ("other", "其他")}
    for _language, category, subject, _body in demo.DEMO_SELF_VERIFYING:
        with desk.ctx.db.read() as session:
            found = session.execute(
                text(
                    "SELECT t.requester, t.category, e.body FROM ticket t JOIN ticket_event e ON e.ticket_id = t.id"
                    " WHERE t.subject = :subject AND e.kind = 'inbound'"
                ),
                {"subject": subject},
            ).all()
        assert len(found) == 1, subject
        requester, stored_category, body = found[0]
        assert stored_category == category.value
        account = sandbox.execute("SELECT * FROM user WHERE email = ?", (requester,)).fetchone()
        stated = [
            account["email"] in body,
            account["username"] in body,
            account["birthday"] in body,
            (said := re.search(r"(?:gender|性别) (\w+)", body)) is not None
            and said[1] in gender_words.get(account["gender"], ()),
        ]
        # The policy: at least three matching fields, email or username among them.
        assert stated[0] and sum(stated) >= 3, subject
        assert sandbox.execute("SELECT count(*) FROM image WHERE user_id = ?", (account["id"],)).fetchone()[0] > 0
