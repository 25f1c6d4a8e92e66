"""The screen as an agent reads it: who and where, the sort arrow, `1` back to the queues, help in dialogs."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Static, TextArea

from lifer_desk.domain.tickets import Priority
from lifer_desk.services import tickets
from lifer_desk.ui import DeskApp
from lifer_desk.ui.key_help import HelpScreen
from lifer_desk.ui.queues.screen import QueuesScreen
from lifer_desk.ui.ticket.screen import TicketScreen
from lifer_desk.ui.verify.screen import VerifyDialog
from tests.agent_support import enrol
from tests.fakes.admin_api import with_admin
from tests.ui.screen_support import screen_lines
from tests.ui.ui_support import ACCOUNT, NOW, Notices


def shown(app: DeskApp) -> list[str]:
    """The screen's lines as painted (not as the widgets would draw them now)."""
    return [line for line in screen_lines(app.export_screenshot()) if line.strip()]


async def test_the_identity_line_names_the_agent_the_role_and_the_sandbox(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert shown(app)[0].strip() == "Queues · alice (agent) · admin API: sandbox"
        app.open_ticket(ticket.id)
        await settle(pilot)
        assert shown(app)[0].strip() == f"Ticket #{ticket.id} · alice (agent) · admin API: sandbox"


async def test_the_identity_line_names_the_live_admin_apis_host_only(ctx, fake_admin, settle) -> None:
    enrol(ctx.db, "sam", "supervisor")
    settings = replace(ctx.settings, admin_url="https://admin.lifer.example:8443/v1?debug=1")
    app = DeskApp(with_admin(replace(ctx, agent="sam", role="supervisor", settings=settings), fake_admin))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert shown(app)[0].strip() == "Queues · sam (supervisor) · admin API: admin.lifer.example:8443"


async def test_the_sort_arrow_follows_o_and_shift_o(desk_app, make_ticket, settle) -> None:
    make_ticket("低", priority=Priority.LOW)
    make_ticket("急", priority=Priority.URGENT)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("tab", *["j"] * 8, "tab")
        await settle(pilot)

        def header() -> str:
            return next(line for line in shown(app) if "Subject" in line)

        await pilot.press("o")  # due -> priority
        await settle(pilot)
        assert "Pr ▲" in header()
        await pilot.press("O")
        await settle(pilot)
        assert "Pr ▼" in header()
        await pilot.press("o")  # priority -> updated: the arrow moves
        await settle(pilot)
        assert "Pr ▲" not in header() and "Pr ▼" not in header()
        assert "▲" in header()


async def test_1_from_a_ticket_goes_back_to_the_queues_and_gives_the_claim_back(
    desk_app, make_ticket, settle, ctx
) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert tickets.get_ticket(ctx, ticket.id).claimed_by("alice", NOW)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, QueuesScreen)
        assert not tickets.get_ticket(ctx, ticket.id).claimed_by("alice", NOW)


async def test_in_a_dialog_question_mark_is_typed_and_f1_lists_the_dialogs_own_keys(
    desk_app, make_ticket, settle
) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_ticket(ticket.id)
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"why?")
        assert app.screen.query_one(TextArea).text == "why?"
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = str(app.screen.query_one("#keys", Static).render())
        assert "Send" in keys and "Discard draft" in keys
        assert "Claim" not in keys, "the ticket screen's keys do not apply in its dialog"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one(TextArea).text == "why?"


async def test_verify_keys_that_do_not_apply_say_why(desk_app, make_ticket, settle, ctx) -> None:
    ticket = make_ticket()
    tickets.link_account(ctx, tickets.claim(ctx, ticket.id), ACCOUNT.id)
    app = desk_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await settle(pilot)
        app.open_ticket(ticket.id)
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("ctrl+o", "ctrl+t", "ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, VerifyDialog)
    assert notices.messages == [
        "Only a supervisor can unlock verification.",
        "A minor-data ticket is offered only for an account under 14 without guardian consent.",
        "This ticket already has an account linked.",
    ]
