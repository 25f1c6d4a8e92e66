"""Finding things (issue 13 items 1, 4 and 9): search by number, requester and account, one-letter prefixes,
go to a ticket, escape clears the search from the table, and lookups prefilled with the requester's contact."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Label, Select

from lifer_desk.services import queues, tickets
from lifer_desk.ui.queues.go_to_dialog import GoToDialog
from lifer_desk.ui.ticket.screen import TicketScreen
from lifer_desk.ui.verify.account_lookup import AccountLookup
from lifer_desk.ui.verify.link_dialog import LinkAccountDialog
from tests.ui.test_ui_queues import open_all, shown_ids
from tests.ui.test_ui_ticket import open_ticket_view
from widgets.virtual_table import VirtualTable


async def search_for(pilot, text: str, settle) -> None:
    await pilot.press("slash", *text, "enter")
    await settle(pilot)


async def found_by(desk_app, settle, *searches: str) -> list[list[int]]:
    """The tickets each search lists in the All queue, in turn (escape clears each one)."""
    app = desk_app()
    found = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_all(pilot)
        for text in searches:
            await search_for(pilot, text, settle)
            found.append(sorted(shown_ids(app)))
            await pilot.press("escape")
            await settle(pilot)
    return found


async def test_a_ticket_number_with_or_without_hash_lists_that_ticket(desk_app, make_ticket, settle) -> None:
    make_ticket("退款申请")
    wanted = make_ticket("Cannot log in")
    assert await found_by(desk_app, settle, f"#{wanted.id}", str(wanted.id)) == [[wanted.id], [wanted.id]]


async def test_an_email_username_or_account_id_lists_that_requesters_tickets(
    desk_app, make_ticket, settle, ctx
) -> None:
    first = make_ticket("退款申请", requester="Wu.Gang126@foxmail.com")
    second = make_ticket("再次退款", requester="wu.gang126@foxmail.com")
    by_name = make_ticket("Cannot log in", requester="xiaozhang")
    linked = make_ticket("账号", requester="other@qq.com")
    tickets.link_account(ctx, tickets.claim(ctx, linked.id), "u_0042")
    found = await found_by(desk_app, settle, "wu.gang126@foxmail.com", "xiaozhang", "u_0042")
    assert found == [sorted([first.id, second.id]), [by_name.id], [linked.id]]


async def test_one_letter_or_one_chinese_character_finds_by_prefix(desk_app, make_ticket, settle) -> None:
    login = make_ticket("Cannot log in")
    refund = make_ticket("退款申请")
    assert await found_by(desk_app, settle, "l", "退") == [[login.id], [refund.id]]


async def test_escape_in_the_table_clears_the_search(desk_app, make_ticket, settle) -> None:
    refund = make_ticket("退款申请")
    login = make_ticket("Cannot log in")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_all(pilot)
        await search_for(pilot, "退款", settle)
        assert app.screen.query_one(VirtualTable).has_focus
        assert shown_ids(app) == [refund.id]
        await pilot.press("escape")
        await settle(pilot)
        assert sorted(shown_ids(app)) == sorted([refund.id, login.id])
        assert app.screen.query_one("#search", Input).value == ""
        assert "search:" not in str(app.screen.query_one("#view-line").render())


async def test_ctrl_g_goes_to_a_ticket_and_names_a_missing_one(desk_app, make_ticket, settle) -> None:
    wanted = make_ticket("Cannot log in")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, GoToDialog)
        await pilot.press(*"#999", "enter")
        await settle(pilot)
        assert "no ticket #999" in str(app.screen.query_one("#dialog-error", Label).render())
        await pilot.press("ctrl+a", "ctrl+k", *str(wanted.id), "enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == wanted.id


async def test_the_link_dialog_opens_with_the_requesters_username_and_finds_it(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket("Cannot log in", requester="xiaozhang")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket_view(app, pilot, ticket.id, settle)
        await pilot.press("l")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, LinkAccountDialog)
        assert dialog.query_one(Select).value == "username"
        assert dialog.query_one("#lookup", Input).value == "xiaozhang"
        await pilot.press("enter")
        await settle(pilot)
        assert "u_0001" in str(dialog.query_one("#account").render())


async def test_the_verify_dialog_opens_with_the_requesters_username(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket("退款申请", requester="xiaozhang")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket_view(app, pilot, ticket.id, settle)
        await pilot.press("v")
        await settle(pilot)
        lookup = app.screen.query_one(AccountLookup)
        assert lookup.query_one(Select).value == "username"
        assert lookup.query_one("#lookup", Input).value == "xiaozhang"


def status_line(app) -> str:
    table = app.screen.query_one(VirtualTable)
    return str(table.render_line(table.size.height - 1).text).strip()


@pytest.mark.parametrize(
    ("cap", "first", "at_end"), [(None, "row 1 of 6", "row 6 of 6"), (3, "row 1 of 3+", "last rows of 3+")]
)
async def test_the_position_line_counts_the_view_and_stays_after_end(
    desk_app, make_ticket, settle, monkeypatch, cap, first, at_end
) -> None:
    if cap is not None:  # a view too big to count says so
        monkeypatch.setattr(queues, "COUNT_CAP", cap)
    for n in range(5):
        make_ticket(f"退款 {n}")
    make_ticket("Cannot log in")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_all(pilot)
        await settle(pilot)
        assert status_line(app) == first
        await pilot.press("end")
        await settle(pilot)
        assert status_line(app) == at_end
        await search_for(pilot, "cannot", settle)
        assert status_line(app) == "row 1 of 1"
