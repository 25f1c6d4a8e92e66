"""Macros in the ticket view (issue 13 item 6): `m` lists them, the filled text can be edited, and sending it
replies and makes the macro's changes in one step."""

from __future__ import annotations

from textual.widgets import TextArea

from lifer_desk.services import macros, tickets
from lifer_desk.services.agents import Actor
from lifer_desk.services.macros import NewMacro
from lifer_desk.ui.dialogs import ChoiceDialog, TextDialog
from tests.ui.test_ui_ticket import header, notice, open_ticket_view

OPERATOR = Actor("root", operator=True)


async def test_a_macro_fills_its_placeholders_replies_and_sets_its_status(desk_app, make_ticket, settle, ctx) -> None:
    macros.add_macro(
        ctx.db,
        OPERATOR,
        NewMacro(
            "more-info", "zh", "{requester_name}您好，请补充工单 {ticket} 的信息。{agent}", status="pending_customer"
        ),
    )
    ticket = make_ticket("退款申请", name="张三")
    tickets.claim(ctx, ticket.id)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket_view(app, pilot, ticket.id, settle)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        area = app.screen.query_one(TextArea)
        assert area.text == f"张三您好，请补充工单 #{ticket.id} 的信息。alice"
        await pilot.press("end", *" 谢谢", "ctrl+s")
        await settle(pilot)
        assert "pending" in header(app)
        assert notice(app) == ""
    shown = tickets.get_ticket(ctx, ticket.id)
    assert shown.status == "pending_customer"
    assert shown.events[-2].kind == "reply" and shown.events[-2].body.endswith("alice 谢谢")


async def test_a_refused_macro_keeps_the_text_as_the_reply_draft(desk_app, make_ticket, settle, ctx) -> None:
    macros.add_macro(ctx.db, OPERATOR, NewMacro("thanks", "en", "Thanks {requester_name}"))
    ticket = make_ticket("Cannot log in", name="Jane")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket_view(app, pilot, ticket.id, settle)
        await pilot.press("m", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")  # not claimed: refused
        await settle(pilot)
        assert "claim ticket" in notice(app)
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.query_one(TextArea).text == "Thanks Jane"
