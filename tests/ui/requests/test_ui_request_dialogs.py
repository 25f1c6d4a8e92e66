"""Raising requests from a ticket: `d` with its scope and counted preview, `e` with values checked as typed,
a username already taken said before approval, the verification rule, and minors at urgent priority."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from lifer_desk.admin_api import Unavailable
from lifer_desk.domain.requests import DeletionScope, RequestKind, RequestState
from lifer_desk.services import request_views
from lifer_desk.services.context import DeskContext
from lifer_desk.ui import DeskApp
from lifer_desk.ui.ticket.request_dialogs import CorrectionDialog, DeletionDialog
from lifer_desk.ui.ticket.screen import TicketScreen
from tests.fakes.admin_api import FakeAdminApi, with_admin
from tests.ui.requests.request_ui_support import MINOR, admin_with_images, linked_ticket, verified_ticket
from tests.ui.ui_support import Notices


@pytest.fixture
def admin() -> FakeAdminApi:
    return admin_with_images()


def text_of(app: DeskApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def raised(ctx: DeskContext) -> list[request_views.RequestView]:
    return list(request_views.list_requests(ctx).rows)


async def open_dialog(app: DeskApp, pilot, settle, ticket_id: int, key: str) -> None:
    await settle(pilot)
    app.open_ticket(ticket_id)
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot)


async def test_a_deletion_previews_what_goes_and_waits_for_verification(ctx, admin, settle) -> None:
    ticket_id = linked_ticket(ctx)
    app = DeskApp(with_admin(ctx, admin))
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await open_dialog(app, pilot, settle, ticket_id, "d")
        assert isinstance(app.screen, DeletionDialog)
        preview = text_of(app, "#request-preview")
        assert "Will delete: account 1 · images 2 · diary entries 0 · payment links 0" in preview
        assert "caller not verified on this ticket" in text_of(app, "#request-account")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
    [request] = raised(ctx)
    assert (request.kind, request.state) == (RequestKind.DELETE, RequestState.AWAITING_VERIFICATION)
    assert request.payload is not None and request.payload.scope is DeletionScope.ACCOUNT
    assert f"Request #{request.id} raised: it waits until the caller is verified on this ticket" in notices.messages


async def test_selected_images_only_are_counted_and_raised(ctx, admin, settle) -> None:
    ticket_id = verified_ticket(ctx)
    app = DeskApp(with_admin(ctx, admin))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(app, pilot, settle, ticket_id, "d")
        await pilot.press("down")  # selected images only
        await pilot.pause()
        assert "images 0" in text_of(app, "#request-preview")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Pick at least one image" in text_of(app, "#request-problem")
        await pilot.press("tab", "space")
        await pilot.pause()
        assert "Will delete: images 1" in text_of(app, "#request-preview")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
    [request] = raised(ctx)
    assert request.state is RequestState.AWAITING_APPROVAL
    assert request.payload is not None and request.payload.image_ids == ("img_01",)


async def test_a_minor_without_consent_is_raised_urgent(ctx, admin, settle) -> None:
    ticket_id = verified_ticket(ctx, MINOR.id)
    app = DeskApp(with_admin(ctx, admin))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(app, pilot, settle, ticket_id, "d")
        assert "URGENT priority: under 14 without guardian consent" in text_of(app, "#request-preview")
        await pilot.press("ctrl+s")
        await settle(pilot)
    [request] = raised(ctx)
    assert (request.priority, request.state) == ("urgent", RequestState.AWAITING_APPROVAL)


async def test_a_refused_value_is_said_at_its_field_and_nothing_is_raised(ctx, admin, settle) -> None:
    ticket_id = verified_ticket(ctx)
    app = DeskApp(with_admin(ctx, admin))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(app, pilot, settle, ticket_id, "e")
        assert isinstance(app.screen, CorrectionDialog)
        app.screen.query_one("#new-email", Input).value = "zhang.san.new@qq"
        app.screen.query_one("#new-birthday", Input).value = "2031-02-30"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CorrectionDialog), "a refused value keeps the dialog and what was typed"
        assert text_of(app, "#error-birthday").startswith("↑ ")
        assert text_of(app, "#error-email").startswith("↑ ")
        assert app.screen.query_one("#new-email", Input).value == "zhang.san.new@qq"
    assert raised(ctx) == []


async def test_a_username_already_taken_is_said_before_approval(ctx, admin, settle) -> None:
    ticket_id = verified_ticket(ctx)
    app = DeskApp(with_admin(ctx, admin))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(app, pilot, settle, ticket_id, "e")
        app.screen.query_one("#new-username", Input).value = " lilei "
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(app, "#error-username") == "↑ already taken by another account"
        app.screen.query_one("#new-username", Input).value = "zhangsan2025"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
    [request] = raised(ctx)
    # A username correction needs no approval: once the caller is verified it is approved, by no supervisor, as
    # it is raised (the desk's deliverer may already be running it, so its state is not asserted).
    assert request.approved_by is None and request.approved_at == request.created_at


async def test_the_correction_preview_shows_the_masked_old_value_beside_the_new(ctx, admin, settle) -> None:
    ticket_id = verified_ticket(ctx)
    app = DeskApp(with_admin(ctx, admin))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(app, pilot, settle, ticket_id, "e")
        app.screen.query_one("#new-email", Input).value = "Zhang.San@163.com"
        await pilot.press("enter")
        await settle(pilot)
        preview = text_of(app, "#request-preview")
        assert "email: z***@qq.com → zhang.san@163.com" in preview
        assert "Needs approval by a supervisor other than you." in preview


async def test_an_unlinked_ticket_or_an_outage_is_said_in_the_dialog(ctx, admin, settle) -> None:
    unlinked = linked_ticket(ctx)
    app = DeskApp(with_admin(ctx, admin))
    async with app.run_test(size=(80, 24)) as pilot:
        admin.error = Unavailable(503, "Admin API unreachable", "GET /v1/users: ConnectError")
        await open_dialog(app, pilot, settle, unlinked, "d")
        assert text_of(app, "#request-problem") == "The admin API is unreachable: try again in a moment."
        admin.error = None
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Will delete: account 1" in text_of(app, "#request-preview"), "ctrl+s read the account again"
        assert isinstance(app.screen, DeletionDialog), "and raised nothing the agent had not seen"
    assert raised(ctx) == []


async def test_a_ticket_without_an_account_says_to_link_one(ctx, admin, settle) -> None:
    ticket_id = linked_ticket(ctx, account_id=None)
    app = DeskApp(with_admin(ctx, admin))
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("d", "e"):
            await open_dialog(app, pilot, settle, ticket_id, key)
            assert text_of(app, "#request-problem") == f"link the caller's account to ticket #{ticket_id} first"
            # The line that said the account was being read no longer promises it.
            assert text_of(app, "#request-account") == "No account read."
            await pilot.press("escape")


async def test_the_header_lists_the_raised_request_and_an_overlapping_one_is_refused_in_the_dialog(
    ctx, admin, settle
) -> None:
    ticket_id = verified_ticket(ctx)
    app = DeskApp(with_admin(ctx, admin))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(app, pilot, settle, ticket_id, "d")
        await pilot.press("down", "tab", "space", "ctrl+s")
        await settle(pilot)
        [request] = raised(ctx)
        # Without reopening the ticket, in words rather than the stored state's name.
        header = text_of(app, "#ticket-header")
        assert f"latest #{request.id} delete images · awaiting approval" in header.replace("\n", " ")
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("down", "tab", "space", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DeletionDialog), "the agent's picks stay on screen"
        assert f"request #{request.id} is still open" in text_of(app, "#request-problem")
    assert [view.id for view in raised(ctx)] == [request.id]
