"""Requester history in the ticket view (issue 13 item 2): the contact's other tickets, and once an account is
linked, that account's tickets too; `h` lists them and opens one."""

from __future__ import annotations

from lifer_desk.services import history, tickets
from lifer_desk.ui.dialogs import ChoiceDialog
from lifer_desk.ui.ticket.screen import TicketScreen
from tests.ui.test_ui_ticket import header, open_ticket_view


async def test_the_requesters_other_tickets_are_counted_listed_and_opened(desk_app, make_ticket, settle) -> None:
    older = make_ticket("上次的退款", requester="Wu.Gang@foxmail.com")
    make_ticket("someone else", requester="other@qq.com")
    ticket = make_ticket("又扣费了", requester="wu.gang@foxmail.com")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket_view(app, pilot, ticket.id, settle)
        assert "history 1 other ticket (h to list)" in header(app)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == older.id


def test_a_linked_accounts_other_tickets_join_the_history(make_ticket, ctx) -> None:
    first = make_ticket("by email", requester="zhang.san@qq.com")
    second = make_ticket("by username", requester="xiaozhang")
    for made in (first, second):
        tickets.link_account(ctx, tickets.claim(ctx, made.id), "u_0001")
    past = history.requester_history(ctx, second.id)
    assert past.tickets == ()
    assert [t.id for t in past.account_tickets] == [first.id]
    assert history.requester_history(ctx, make_ticket("alone", requester="nobody@qq.com").id).tickets == ()
