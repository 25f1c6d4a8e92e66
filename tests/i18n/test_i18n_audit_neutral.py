"""Audit details stay language-neutral (issue 15): the same work done by an agent on the Chinese desk and by one on
the English desk leaves the same details in the chain (ids, codes and enum values, never translated text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifer_desk.config import Settings
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.i18n import install_language
from lifer_desk.services import agents, tickets
from lifer_desk.services.audit import recent
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import DeskError
from lifer_desk.store.db import Database
from lifer_desk.store.migrate import upgrade
from tests.agent_support import enrol
from tests.ui.ui_support import NOW


def _work(db: Database) -> list[tuple[str, str]]:
    """A day's work with refusals in it, as `alice`; the chain's (action, details) afterwards."""
    enrol(db, "alice")
    ctx = DeskContext(db=db, settings=Settings(database_url=db.url), agent="alice", role="agent", clock=lambda: NOW)
    host = agents.Actor("root", operator=True)
    agents.add_agent(db, actor=host, name="bob", role="agent", lang="zh_CN")
    draft = tickets.TicketDraft(
        Channel.PHONE, "退款申请", "你好", "+86 138 0000 0000", "张三", Category.PAYMENT, Priority.HIGH
    )
    seen = tickets.claim(ctx, tickets.open_ticket(ctx, draft).id)
    seen = tickets.set_status(ctx, tickets.reply(ctx, seen, "已收到"), "pending_customer")
    seen = tickets.set_category(ctx, tickets.set_priority(ctx, seen, "urgent"), "deletion")
    tickets.release_claim(ctx, seen.id)
    for refused in (
        lambda: agents.deactivate_agent(db, actor=agents.Actor("alice"), name="bob"),
        lambda: tickets.set_status(ctx, tickets.get_ticket(ctx, seen.id), "new"),
    ):
        with pytest.raises(DeskError):
            refused()
    agents.set_language(db, actor=host, name="bob", lang=None)
    return [(event.action, event.details) for event in reversed(recent(db, 100))]


def test_the_chinese_desk_audits_what_the_english_one_does(tmp_path: Path) -> None:
    trails = []
    for lang in ("en", "zh_CN"):
        db = Database(f"sqlite:///{tmp_path / lang}.db")
        upgrade(db)
        install_language(lang)
        trails.append(_work(db))
        db.dispose()
    english, chinese = trails
    assert len(english) == 10
    assert chinese == english
