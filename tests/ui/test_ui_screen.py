"""The screen as an agent reads it: who and where, the sort arrow, `1` back to the queues, help in dialogs."""

from __future__ import annotations

from dataclasses import replace

from textual import events
from textual.widgets import Input, Static, TextArea

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


async def step(pilot, settle, *keys: str) -> None:
    """Press `keys`, then let the desk finish what they started."""
    await pilot.press(*keys)
    await settle(pilot)


async def on_ticket(pilot, settle, ticket_id: int, *keys: str) -> None:
    """From the desk's start: the queues loaded, the ticket's view open, then `keys` pressed."""
    await settle(pilot)
    pilot.app.open_ticket(ticket_id)
    await settle(pilot)
    if keys:
        await step(pilot, settle, *keys)


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
        await step(pilot, settle, "tab", *["j"] * 8, "tab")

        def header() -> str:
            return next(line for line in shown(app) if "Subject" in line)

        await pilot.press("o")  # due -> priority
        await settle(pilot)
        assert "Pr ▲" in header()
        await step(pilot, settle, "O")
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
        await step(pilot, settle, "n")
        assert isinstance(app.screen, TicketScreen)
        assert tickets.get_ticket(ctx, ticket.id).claimed_by("alice", NOW)
        await step(pilot, settle, "1")
        assert isinstance(app.screen, QueuesScreen)
        assert not tickets.get_ticket(ctx, ticket.id).claimed_by("alice", NOW)


async def test_in_a_dialog_question_mark_is_typed_and_f1_lists_the_dialogs_own_keys(
    desk_app, make_ticket, settle
) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await on_ticket(pilot, settle, ticket.id, "r")
        await pilot.press(*"why?")
        assert app.screen.query_one(TextArea).text == "why?"
        await step(pilot, settle, "f1")
        assert isinstance(app.screen, HelpScreen)
        keys = str(app.screen.query_one("#keys", Static).render())
        assert "Send" in keys and "Discard draft" in keys
        assert "Claim" not in keys, "the ticket screen's keys do not apply in its dialog"
        await step(pilot, settle, "escape")
        assert app.screen.query_one(TextArea).text == "why?"


async def test_verify_keys_that_do_not_apply_say_why(desk_app, make_ticket, settle, ctx) -> None:
    ticket = make_ticket()
    tickets.link_account(ctx, tickets.claim(ctx, ticket.id), ACCOUNT.id)
    app = desk_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await on_ticket(pilot, settle, ticket.id, "v")
        await step(pilot, settle, "ctrl+o", "ctrl+t", "ctrl+l")
        assert isinstance(app.screen, VerifyDialog)
    assert notices.messages == [
        "Only a supervisor can unlock verification.",
        "A minor-data ticket is offered only for an account under 14 without guardian consent.",
        "This ticket already has an account linked.",
    ]


async def test_the_footer_at_80_columns_shows_the_main_keys_and_help_and_dialogs_show_their_own(
    desk_app, make_ticket, settle
) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "? Help" in shown(app)[-1]
        app.open_ticket(ticket.id)
        await settle(pilot)
        footer = shown(app)[-1]
        for key in ("r Reply", "i Note", "c Claim", "s Status", "v Verify", "? Help"):
            assert key in footer
        assert footer.rstrip().endswith("^p palette"), "nothing is cut"
        await step(pilot, settle, "r")
        footer = shown(app)[-1]
        assert "f1 Help" in footer and "^s Send" in footer
        assert "Claim" not in footer, "the ticket screen's keys do not apply in its dialog"


async def test_narrow_layouts_keep_queue_names_and_give_the_subject_room(desk_app, make_ticket, settle) -> None:
    subject = "退款申请：重复扣费两次，请尽快处理 refund twice"
    make_ticket(subject)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        names = [line[:20] for line in shown(app)[1:10]]
        assert not any("…" in name for name in names), names
        await pilot.resize_terminal(120, 40)
        await step(pilot, settle, "tab", *["j"] * 8, "tab")
        row = next(line for line in shown(app) if "退款" in line)
        assert "重复扣费两次，请尽快处理" in row


async def test_at_80_columns_a_dialog_leaves_no_slivers_and_gender_is_one_line(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await on_ticket(pilot, settle, ticket.id, "v")
        lines = shown(app)
        dialog = [line for line in lines if line[:1] in "╭│╰"]
        assert dialog and all(len(line) == 80 for line in dialog), "the dialog spans the terminal"
        assert not [line for line in lines if "│" in line[1:] and line[:1] not in "╭│╰"]
        gender = next(line for line in lines if "gender" in line)
        for choice in ("not stated", "male · 男", "female · 女", "other"):
            assert choice in gender


async def test_x_tab_y_sent_at_once_land_in_two_fields(desk_app, make_ticket, settle) -> None:
    """As a terminal delivers them: three keys in one read, posted before the first is handled (Pilot's press
    waits between keys, which hides the race)."""
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await on_ticket(pilot, settle, ticket.id, "v")
        app.screen.query_one("#claim-email", Input).focus()
        await pilot.pause()
        for key, character in (("X", "X"), ("tab", "\t"), ("Y", "Y")):
            app.post_message(events.Key(key, character))
        await settle(pilot)
        assert app.screen.query_one("#claim-email", Input).value == "X"
        assert app.screen.query_one("#claim-username", Input).value == "Y"


async def test_in_the_queues_a_key_typed_just_after_tab_leaves_the_search_box(desk_app, settle) -> None:
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await step(pilot, settle, "slash")
        for key, character in (("a", "a"), ("tab", "\t"), ("j", "j")):
            app.post_message(events.Key(key, character))
        await settle(pilot)
        assert app.screen.query_one("#search", Input).value == "a"
