"""`N` in the queues opens a ticket for a phone call or a walk-in (issue 13 item 5)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Label

from lifer_desk.store.models import AuditEvent
from lifer_desk.ui.queues.create_ticket import CreateTicketDialog
from lifer_desk.ui.ticket.screen import TicketScreen
from tests.ui.test_ui_ticket import header


async def fill_in(pilot: Pilot[Any], *, category: bool = True) -> None:
    await pilot.press("N")
    await pilot.pause()
    await pilot.press(*"138 0013 8000", "enter", *"王先生", "enter", *"电话 无法登录")
    await pilot.press("tab", *"客户来电说换手机后无法登录。")
    if category:
        await pilot.press("tab", "enter", "down", "enter")  # the first category after the prompt


async def test_n_opens_a_ticket_from_a_phone_call_and_shows_it(desk_app, settle, database) -> None:
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await fill_in(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        shown = header(app)
        assert "电话 无法登录" in shown and "138 0013 8000" in shown and "category recovery" in shown
    with database.read() as session:
        opened = session.exec(select(AuditEvent).where(col(AuditEvent.action) == "ticket.open")).one()
    assert opened.actor == "alice"
    assert json.loads(opened.details)["opened_by"] == "agent"


async def test_a_missing_category_is_said_in_the_form_and_nothing_typed_is_lost(desk_app, settle) -> None:
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await fill_in(pilot, category=False)
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CreateTicketDialog)
        assert "choose the category" in str(dialog.query_one("#dialog-error", Label).render())
        assert dialog.query_one("#new-subject").value == "电话 无法登录"


def test_the_new_ticket_form_80x24(snap_compare, desk_app, settle) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await fill_in(pilot)
        await pilot.pause()

    assert snap_compare(desk_app(), terminal_size=(80, 24), run_before=run_before)
