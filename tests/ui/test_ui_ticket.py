"""The ticket view: every action and its refusals (someone else's claim, a stale version, an invalid transition)."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError
from textual.widgets import Label, OptionList, TextArea

from lifer_desk.admin_api import AdminApi, Unavailable
from lifer_desk.config import ConfigError
from lifer_desk.domain.tickets import Category, Priority, TicketStatus
from lifer_desk.services import tickets
from lifer_desk.services.context import AdminApiProvider
from lifer_desk.ui import DeskApp
from lifer_desk.ui.dialogs import ChoiceDialog
from lifer_desk.ui.queues.screen import QueuesScreen
from lifer_desk.ui.ticket.screen import TicketScreen
from tests.fakes.admin_api import with_admin
from tests.ui.ui_support import NOW, Notices, context


def header(app) -> str:
    return str(app.screen.query_one("#ticket-header").render())


def notice(app) -> str:
    return str(app.screen.query_one("#ticket-notice").render())


async def open_ticket_view(app, pilot, ticket_id: int, settle) -> TicketScreen:
    await settle(pilot)
    app.open_ticket(ticket_id)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, TicketScreen)
    return screen


async def test_claim_then_release_on_leaving(desk_app, make_ticket, settle, ctx) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ticket_view(app, pilot, ticket.id, settle)
        assert "no (c to claim)" in header(app)
        await pilot.press("c")
        await settle(pilot)
        assert "by you" in header(app)
        assert screen.detail.assignee == "alice"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueuesScreen)
    assert tickets.get_ticket(ctx, ticket.id).claim_expires_at is None


async def test_claim_renewal_keeps_the_lease(desk_app, make_ticket, settle, ctx, database) -> None:
    ticket = make_ticket()
    app = desk_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_ticket_view(app, pilot, ticket.id, settle)
        await pilot.press("c")
        await settle(pilot)
        screen.renew_claim()
        await settle(pilot)
        assert notices.messages == []
        assert tickets.get_ticket(ctx, ticket.id).claim_expires_at == screen.detail.claim_expires_at


async def test_claiming_a_ticket_someone_else_holds_is_refused(desk_app, make_ticket, settle, bob) -> None:
    ticket = make_ticket()
    tickets.claim(bob, ticket.id)
    app = desk_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_ticket_view(app, pilot, ticket.id, settle)
        assert "bob" in header(app)
        await pilot.press("c")
        await settle(pilot)
        assert screen.detail.assignee == "bob"
        assert "claimed by bob" in notice(app)
        assert app.is_running


async def claimed_view(app, pilot, ticket_id: int, settle) -> TicketScreen:
    screen = await open_ticket_view(app, pilot, ticket_id, settle)
    await pilot.press("c")
    await settle(pilot)
    return screen


async def test_reply_is_recorded_in_the_thread(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await claimed_view(app, pilot, ticket.id, settle)
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("您好，已为您办理退款。")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.detail.events[-1].kind == "reply"
        assert screen.detail.events[-1].body == "您好，已为您办理退款。"
        assert screen.detail.status == TicketStatus.OPEN
        assert "answered" in header(app)
        assert len(screen.query(".event.-reply")) == 1


async def test_reply_without_a_claim_is_refused(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket()
    app = desk_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_ticket_view(app, pilot, ticket.id, settle)
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("hello")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [event.kind for event in screen.detail.events] == ["inbound"]
        assert "claim ticket" in notice(app)


async def test_internal_note_looks_different(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ticket_view(app, pilot, ticket.id, settle)
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("客户很着急")
        await pilot.press("ctrl+s")
        await settle(pilot)
        note = screen.query_one(".event.-note")
        assert "internal note" in str(note.query_one(".event-title").render())
        assert note.styles.border_left != screen.query_one(".event.-inbound").styles.border_left


async def test_escape_cancels_a_reply(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await claimed_view(app, pilot, ticket.id, settle)
        await pilot.press("r", "escape")
        await settle(pilot)
        assert app.screen is screen and len(screen.detail.events) == 1


async def choose(pilot, settle, key: str, value: str) -> list[str]:
    """Open a chooser with `key`, pick `value`; returns the values it offered."""
    await pilot.press(key)
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, ChoiceDialog)
    options = dialog.query_one(OptionList)
    offered = [options.get_option_at_index(i).id for i in range(options.option_count)]
    options.highlighted = offered.index(value)
    await pilot.press("enter")
    await settle(pilot)
    return offered


async def test_status_offers_only_allowed_transitions(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await claimed_view(app, pilot, ticket.id, settle)
        offered = await choose(pilot, settle, "s", "resolved")
        assert offered == ["open", "pending_customer", "resolved"]
        assert screen.detail.status == "resolved"
        offered = await choose(pilot, settle, "s", "closed")
        assert offered == ["open", "closed"]
        changes = [str(title.render()) for title in screen.query(".event.-status .event-title")]
        assert "status new → resolved" in changes[0] and "status resolved → closed" in changes[1]
        await pilot.press("s")
        await pilot.pause()
        assert "stays closed" in str(app.screen.query("Label").last().render())


async def test_invalid_transition_after_someone_elses_change_is_refused(desk_app, make_ticket, settle, ctx) -> None:
    ticket = make_ticket()
    app = desk_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await claimed_view(app, pilot, ticket.id, settle)
        # The same agent resolves it from another terminal (the CLI), after this view offered "pending".
        other = tickets.set_status(ctx, tickets.get_ticket(ctx, ticket.id), "resolved")
        assert other.status == "resolved"
        await choose(pilot, settle, "s", "pending_customer")
        assert screen.detail.status == "resolved"
        assert "cannot go from resolved to pending_customer" in notice(app)
        assert app.is_running


async def test_stale_version_reloads_and_says_what_changed(desk_app, make_ticket, settle, ctx) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await claimed_view(app, pilot, ticket.id, settle)
        tickets.set_priority(ctx, tickets.get_ticket(ctx, ticket.id), "urgent")
        await choose(pilot, settle, "s", "pending_customer")
        assert screen.detail.priority == "urgent" and screen.detail.status == "new"
        assert "priority normal → urgent" in notice(app)
        assert "reloaded" in notice(app)
        assert "urgent" in header(app)


async def test_priority_and_category_setters(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await claimed_view(app, pilot, ticket.id, settle)
        offered = await choose(pilot, settle, "p", "high")
        assert Priority.NORMAL not in offered
        offered = await choose(pilot, settle, "g", "deletion")
        assert Category.PAYMENT not in offered
        assert (screen.detail.priority, screen.detail.category) == ("high", "deletion")
        assert "legal reply" in header(app)
        assert [event.meta.get("field") for event in screen.detail.events[1:]] == ["priority", "category"]


async def look_up_account(app, pilot, settle, email: str) -> str:
    """Open the link dialog, look `email` up, and return what the dialog says about it."""
    await pilot.press("l")
    await pilot.pause()
    await pilot.press(*email, "enter")
    await settle(pilot)
    return str(app.screen.query_one("#account").render())


async def test_link_an_account_by_exact_email(desk_app, make_ticket, settle, fake_admin) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await claimed_view(app, pilot, ticket.id, settle)
        assert "No account has that email" in await look_up_account(app, pilot, settle, "nobody@qq.com")
        await pilot.press("ctrl+s")  # nothing found, nothing to link
        await pilot.pause()
        app.screen.query_one("#lookup").value = "zhang.san@qq.com"
        await pilot.press("enter")
        await settle(pilot)
        summary = str(app.screen.query_one("#account").render())
        assert "z***@qq.com" in summary and "sandbox" in summary
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.detail.account_id == "u_0001"
        assert "z***@qq.com · x*** · u_0001" in header(app)
        assert "zhang.san@qq.com" not in summary
        assert app.sub_title == "admin API: in-process sandbox"


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        # Trimmed and case-folded, as verify's lookup does: the account is found.
        (" Zhang.San@QQ.com ", "email: z***@qq.com"),
        # The masked value the desk itself shows is refused, not sent off as a lookup that finds nothing.
        ("z***@qq.com", "email looks masked (contains *): ask the caller for the full value"),
    ],
)
async def test_the_link_dialog_looks_up_as_verify_does(desk_app, make_ticket, settle, fake_admin, typed, said) -> None:
    """Issue 8 item 3: the link dialog called the admin API directly, without verify's normalisation and
    masked-value refusal."""
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await claimed_view(app, pilot, ticket.id, settle)
        await pilot.press("l")
        await pilot.pause()
        app.screen.query_one("#lookup").value = typed
        await pilot.press("enter")
        await settle(pilot)
        assert said in str(app.screen.query_one("#account").render())
    if "*" in typed:
        assert fake_admin.calls == []


async def test_next_from_the_ticket_view_releases_and_moves_on(desk_app, make_ticket, settle, ctx) -> None:
    first = make_ticket(priority=Priority.URGENT)
    second = make_ticket(priority=Priority.NORMAL)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.ticket_id == first.id
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.ticket_id == second.id
        assert tickets.get_ticket(ctx, first.id).claim_expires_at is None
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueuesScreen)


async def test_quitting_releases_the_open_claim(desk_app, make_ticket, settle, ctx) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert tickets.get_ticket(ctx, ticket.id).claim_expires_at is None


async def test_someone_elses_change_shows_in_the_open_ticket(desk_app, make_ticket, settle, bob) -> None:
    ticket = make_ticket("退款申请")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_ticket(ticket.id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.detail is not None
        tickets.add_note(bob, ticket.id, "客户来电催促")
        screen.check_for_changes()  # what the WATCH_EVERY timer runs
        await settle(pilot)
        assert screen.detail.events[-1].body == "客户来电催促"
        assert "updated by someone else" in str(screen.query_one("#ticket-notice").render())
        # The agent's own change is not reported as someone else's.
        await pilot.press("i")
        await pilot.press(*"我来处理", "ctrl+s")
        await settle(pilot)
        screen.check_for_changes()
        await settle(pilot)
        assert screen.detail.events[-1].body == "我来处理"
        assert "someone else" not in str(screen.query_one("#ticket-notice").render())


async def test_a_failed_write_does_not_hide_later_changes_by_others(
    desk_app, make_ticket, settle, bob, monkeypatch
) -> None:
    ticket = make_ticket("退款申请")
    app = desk_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_ticket_view(app, pilot, ticket.id, settle)

        def locked(*_args: object) -> None:
            raise OperationalError("INSERT", {}, Exception("database is locked"))

        monkeypatch.setattr(tickets, "add_note", locked)
        await pilot.press("i")
        await pilot.press(*"我来处理", "ctrl+s")
        await settle(pilot)
        assert any("database failed" in message for message in notices.messages)
        monkeypatch.undo()
        tickets.add_note(bob, ticket.id, "客户来电催促")
        screen.check_for_changes()
        await settle(pilot)
        assert screen.detail.events[-1].body == "客户来电催促"
        assert "updated by someone else" in notice(app)


@pytest.mark.parametrize(("answer", "owner_line"), [(("enter",), "claimed by you"), (("down", "enter"), "agent bob")])
async def test_a_released_ticket_names_its_owner_and_taking_it_over_asks_first(
    desk_app, make_ticket, settle, bob, answer, owner_line
) -> None:
    ticket = make_ticket("退款申请")
    tickets.claim(bob, ticket.id)
    tickets.release_claim(bob, ticket.id)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ticket_view(app, pilot, ticket.id, settle)
        assert "agent bob, not claimed (c to claim)" in header(app)
        await pilot.press("c")
        await settle(pilot)
        # Someone else's ticket is not taken without a word: the desk asks first, and nothing changed yet.
        assert isinstance(app.screen, ChoiceDialog)
        assert "take over from bob?" in str(app.screen.query_one(".dialog-title", Label).render())
        await pilot.press(*answer)  # yes, or no
        await settle(pilot)
        assert owner_line in header(app)


async def test_the_header_countdowns_follow_the_clock_while_the_ticket_stays_open(
    database, make_ticket, settle, fake_admin
) -> None:
    ticket = make_ticket("退款申请")
    clock = [NOW]
    app = DeskApp(with_admin(replace(context(database), clock=lambda: clock[0]), fake_admin))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ticket_view(app, pilot, ticket.id, settle)
        assert "first response 7h00m" in header(app)
        clock[0] = NOW + timedelta(seconds=30)
        screen.repaint_countdowns()  # what the clock timer runs
        assert "first response 7h00m" in header(app)
        clock[0] = NOW + timedelta(hours=2, minutes=1)
        screen.repaint_countdowns()
        await pilot.pause()
        assert "first response 4h59m" in header(app)


async def test_linking_during_an_admin_api_outage_says_so_in_place(desk_app, make_ticket, settle, fake_admin) -> None:
    fake_admin.error = Unavailable(503, "Service Unavailable", "maintenance")
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await claimed_view(app, pilot, ticket.id, settle)
        assert "The admin API is unreachable" in await look_up_account(app, pilot, settle, "zhang.san@qq.com")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen.detail.account_id is None


async def test_the_agents_own_write_is_not_someone_elses_even_after_it_cancelled_a_reload(
    desk_app, make_ticket, settle, monkeypatch
) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ticket_view(app, pilot, ticket.id, settle)
        committed, release = threading.Event(), threading.Event()
        real_get, real_claim = tickets.get_ticket, tickets.claim

        def slow_get(ctx, ticket_id: int):
            release.wait(5)
            return real_get(ctx, ticket_id)

        def claim_then_hold(ctx, ticket_id: int):
            detail = real_claim(ctx, ticket_id)
            committed.set()
            release.wait(5)
            return detail

        monkeypatch.setattr(tickets, "get_ticket", slow_get)
        monkeypatch.setattr(tickets, "claim", claim_then_hold)
        screen.reload_ticket()  # a reload in flight...
        await pilot.pause()
        await pilot.press("c")  # ...cancelled by the agent's claim, which commits and has not been shown yet
        await asyncio.to_thread(committed.wait, 5)
        screen.check_for_changes()  # the watch now sees a new version in the database
        await pilot.pause(0.2)
        release.set()
        await settle(pilot)
        assert "someone else" not in notice(app)
        assert "claimed by you" in header(app)


async def test_an_admin_api_that_cannot_be_opened_is_named_in_the_link_dialog(database, make_ticket, settle) -> None:
    def misconfigured() -> AdminApi:
        raise ConfigError("LIFER_SANDBOX_OUTAGE", "expected 1/0 or true/false, got 'maybe'")

    ticket = make_ticket()
    app = DeskApp(replace(context(database), admin=AdminApiProvider(misconfigured)))
    async with app.run_test(size=(80, 24)) as pilot:
        await claimed_view(app, pilot, ticket.id, settle)
        said = await look_up_account(app, pilot, settle, "zhang.san@qq.com")
        assert said == "The admin API cannot be opened: LIFER_SANDBOX_OUTAGE: expected 1/0 or true/false, got 'maybe'"
