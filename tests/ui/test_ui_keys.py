"""Help lists every key of the screen it was opened on; the command palette offers the same actions."""

from __future__ import annotations

from lifer_desk.ui.key_help import HelpScreen
from lifer_desk.ui.ticket.screen import TicketScreen


def help_text(app) -> str:
    return str(app.screen.query_one("#keys").render())


async def test_help_on_the_queues_lists_its_keys(desk_app, settle) -> None:
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = help_text(app)
        for description in ("Search", "Filter", "Sort", "Next unclaimed", "Open", "Up", "Down", "Help", "Quit"):
            assert description in text
        assert "Claim" not in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_help_on_the_ticket_view_lists_its_keys(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_ticket(ticket.id)
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        text = help_text(app)
        for description in ("Claim", "Next", "Reply", "Note", "Status", "Priority", "Category", "Link account", "Back"):
            assert description in text


async def test_every_ticket_action_is_in_the_command_palette(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_ticket(ticket.id)
        await settle(pilot)
        screen = app.screen
        titles = {command.title for command in app.get_system_commands(screen)}
        actions = ("Claim", "Next", "Reply", "Note", "Status", "Priority", "Category", "Link account")
        assert {f"ticket: {action}" for action in actions} | {"desk: Help"} <= titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Claim")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.detail.assignee == "alice"


async def test_no_color_turns_colour_off(desk_app, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = desk_app()
    async with app.run_test(size=(80, 24)):
        assert app.no_color
