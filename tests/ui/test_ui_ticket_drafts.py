"""What the agent wrote is never thrown away: a refused reply or note stays a draft until sent or discarded,
across a desk restart, and an oversize paste is refused before it is laid out, keeping what was typed."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError
from textual import events
from textual.widgets import TextArea

from lifer_desk.services import drafts, tickets
from lifer_desk.ui.dialogs import TextDialog
from lifer_desk.ui.ticket.screen import TicketScreen
from tests.ui.test_ui_ticket import claimed_view, notice


async def box(pilot, settle, key: str) -> str:
    """Open the reply (r) or note (i) dialog and return the text it starts with."""
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, TextDialog)
    return pilot.app.screen.query_one(TextArea).text


async def test_a_reply_refused_as_stale_comes_back_in_the_box_and_after_a_restart(
    desk_app, make_ticket, settle, ctx
) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await claimed_view(app, pilot, ticket.id, settle)
        assert await box(pilot, settle, "r") == ""
        app.screen.query_one(TextArea).insert("您好，已为您办理退款。")
        # The same agent resolves it from another terminal while the reply is being written.
        tickets.set_status(ctx, tickets.get_ticket(ctx, ticket.id), "resolved")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen and "status new → resolved" in notice(app)
        assert await box(pilot, settle, "r") == "您好，已为您办理退款。"
        await pilot.press("escape")
        await settle(pilot)
    again = desk_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await claimed_view(again, pilot, ticket.id, settle)
        assert await box(pilot, settle, "r") == "您好，已为您办理退款。"
        await pilot.press("escape", "i")
        await settle(pilot)
        assert again.screen.query_one(TextArea).text == "", "a reply's draft never turns up as a note"


async def test_a_reply_sent_after_a_priority_change_goes_out_and_its_draft_is_gone(
    desk_app, make_ticket, settle, bob, ctx
) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await claimed_view(app, pilot, ticket.id, settle)
        await box(pilot, settle, "r")
        app.screen.query_one(TextArea).insert("已处理")
        tickets.set_priority(ctx, tickets.get_ticket(ctx, ticket.id), "urgent")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.detail.events[-1].body == "已处理" and screen.detail.priority == "urgent"
        assert "someone else" not in notice(app)
        assert await box(pilot, settle, "r") == ""
    assert drafts.load_draft(ctx, ticket.id, "reply") == ""


async def test_a_note_refused_by_a_locked_database_is_kept(desk_app, make_ticket, settle, monkeypatch) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await claimed_view(app, pilot, ticket.id, settle)

        def locked(*_args: object) -> None:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

        monkeypatch.setattr(drafts, "save_draft", locked)
        monkeypatch.setattr(tickets, "add_note", locked)
        await box(pilot, settle, "i")
        await pilot.press(*"客户来电", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert await box(pilot, settle, "i") == "客户来电"


async def test_a_reply_over_the_limit_is_kept_and_discarding_empties_the_box(
    desk_app, make_ticket, settle, ctx
) -> None:
    ticket = make_ticket()
    app = desk_app()
    long = "好" * (tickets.MAX_TEXT + 1)
    async with app.run_test(size=(80, 24)) as pilot:
        await claimed_view(app, pilot, ticket.id, settle)
        await box(pilot, settle, "r")
        app.screen.query_one(TextArea).insert(long)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert await box(pilot, settle, "r") == long
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert await box(pilot, settle, "r") == ""
    assert drafts.load_draft(ctx, ticket.id, "reply") == ""


async def test_an_oversize_paste_is_refused_in_place_and_what_was_typed_stays(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await claimed_view(app, pilot, ticket.id, settle)
        await box(pilot, settle, "r")
        await pilot.press(*"您好")
        area = app.screen.query_one(TextArea)
        # As the terminal driver delivers a bracketed paste: to the app, which forwards it to the focused widget.
        app.post_message(events.Paste("x" * 5_000_000))
        await settle(pilot)
        assert area.text == "您好"
        error = str(app.screen.query_one("#dialog-error").render())
        assert error == "Nothing was pasted: 5,000,000 characters would take this past its limit of 20,000."
        app.post_message(events.Paste("，谢谢"))
        await settle(pilot)
        assert area.text == "您好，谢谢"


async def test_a_draft_being_typed_is_kept_when_the_desk_goes_away_mid_sentence(
    desk_app, make_ticket, settle, monkeypatch, ctx
) -> None:
    monkeypatch.setattr(TextDialog, "KEEP_AFTER", 0.01)
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await claimed_view(app, pilot, ticket.id, settle)
        await box(pilot, settle, "r")
        await pilot.press(*"hello")
        for _ in range(500):
            await settle(pilot)
            if drafts.load_draft(ctx, ticket.id, "reply") == "hello":
                break
    # The session dropped with the dialog open: no send, no escape.
    again = desk_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await claimed_view(again, pilot, ticket.id, settle)
        assert await box(pilot, settle, "r") == "hello"
