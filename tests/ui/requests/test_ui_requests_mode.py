"""Requests mode (key 3): queues by state with counts, nearest deadline first with overdue marked, the detail
view, approve/reject/cancel as the services allow them, a failed request's problem, and `--ticket N`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from itertools import product
from typing import Any

import pytest
from sqlalchemy import text
from textual.widgets import TextArea

from lifer_desk.domain.outbox import ReceiptItem
from lifer_desk.domain.requests import RequestState
from lifer_desk.i18n import SOURCE_LANGUAGE, _, install_language
from lifer_desk.services import request_views, requests, tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.request_queues import RequestQueue
from lifer_desk.ui import DeskApp
from lifer_desk.ui.queues.queue_list import QueueList
from lifer_desk.ui.requests.detail import RequestDetailScreen
from lifer_desk.ui.requests.screen import RequestsScreen
from lifer_desk.ui.ticket.screen import TicketScreen
from tests.fakes.admin_api import with_admin
from tests.i18n.zh_support import speak
from tests.request_support import tamper
from tests.ui.requests.request_ui_support import (
    admin_with_images,
    fail_with_problem,
    linked_ticket,
    raise_deletions,
    supervisor,
)
from tests.ui.screen_support import screen_lines
from tests.ui.ui_support import NOW
from widgets.virtual_table import VirtualTable


@pytest.fixture
def boss(ctx: DeskContext) -> DeskContext:
    return supervisor(ctx)


@pytest.fixture
def made(ctx: DeskContext, boss: DeskContext) -> list[int]:
    return raise_deletions(ctx, boss)


def desk_as(ctx: DeskContext) -> DeskApp:
    return DeskApp(with_admin(ctx, admin_with_images()))


@asynccontextmanager
async def on_detail(ctx: DeskContext, request_id: int, settle) -> AsyncIterator[tuple[DeskApp, Any]]:
    """A desk at 120x30 as `ctx`, showing request `request_id`'s detail."""
    app = desk_as(ctx)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        app.push_screen(RequestDetailScreen(request_id))
        await settle(pilot)
        yield app, pilot


def rows(app: DeskApp) -> list[list[str]]:
    table = app.screen.query_one("#requests", VirtualTable)
    return [[cell.plain for cell in row.cells] for row in table.visible_rows]


def detail_text(app: DeskApp) -> str:
    return str(app.screen.query_one("#request-text").render())


def notice(app: DeskApp) -> str:
    return str(app.screen.query_one("#request-notice").render())


def offered(app: DeskApp) -> dict[str, bool]:
    """The footer's keys as the agent sees them: each description, and whether it is lit (False: dimmed)."""
    return {
        active.binding.description: active.enabled
        for active in app.screen.active_bindings.values()
        if active.binding.show
    }


def state_of(ctx: DeskContext, request_id: int) -> RequestState:
    return request_views.get_request(ctx, request_id).request.state


async def test_requests_mode_lists_by_nearest_deadline_with_overdue_marked(ctx, made, settle) -> None:
    app = desk_as(ctx)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)
        shown = rows(app)
        assert [int(row[0]) for row in shown] == [made[0], made[1], made[2], made[4], made[3]]
        assert shown[0][1] == "!approve" and shown[0][7].startswith("!-"), "overdue reads without colour"
        assert shown[-1][1] == "verify" and shown[-1][7] == "—", "no clock before verification"
        counts = app.screen.query_one(QueueList).counts
        assert counts[RequestQueue.ALL] == 5
        assert counts[RequestQueue.AWAITING_VERIFICATION] == 1
        assert counts[RequestQueue.AWAITING_MY_APPROVAL] == 0, "an agent approves nothing"


async def test_a_supervisor_sees_what_awaits_their_approval_and_approves_it(ctx, boss, made, settle) -> None:
    app = desk_as(boss)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert app.screen.query_one(QueueList).counts[RequestQueue.AWAITING_MY_APPROVAL] == 3
        await pilot.press("tab", "down", "down", "enter")
        await settle(pilot)
        assert [int(row[0]) for row in rows(app)] == [made[0], made[1], made[4]], "not the supervisor's own"
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestDetailScreen)
        shown = detail_text(app)
        assert "scope: the whole account" in shown
        assert "verified by alice at 2025-03-03 12:00; matched: birthday, email, username" in shown
        # The history in words, never the audit trail's action names.
        assert "alice  raised" in shown and "alice  submitted → awaiting approval" in shown and "hash " in shown
        assert "request." not in shown
        await pilot.press("a")
        await settle(pilot)
        assert notice(app) == f"Request #{made[1]} is now approved"
        shown = detail_text(app)
        assert "approved by carol at 2025-03-03 12:00" in shown
        assert "carol  approved" in shown and "→ approved" not in shown, "its words say where it led"
    assert state_of(ctx, made[1]) is RequestState.APPROVED


async def test_the_refusal_of_self_approval_is_shown_on_the_request(ctx, boss, made, settle) -> None:
    async with on_detail(boss, made[2], settle) as (app, pilot):
        await pilot.press("a")
        await settle(pilot)
        assert notice(app) == "a request needs a supervisor other than the agent who raised it"
    assert state_of(ctx, made[2]) is RequestState.AWAITING_APPROVAL


async def test_an_agent_cannot_approve(ctx, made, settle) -> None:
    async with on_detail(ctx, made[1], settle) as (app, pilot):
        await pilot.press("a", "x")
        await settle(pilot)
        assert isinstance(app.screen, RequestDetailScreen)
    assert state_of(ctx, made[1]) is RequestState.AWAITING_APPROVAL


async def test_rejecting_needs_a_reason_which_the_requester_reads_on_the_ticket(ctx, boss, made, settle) -> None:
    async with on_detail(boss, made[1], settle) as (app, pilot):
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert notice(app) == "give a reason for rejecting"
        await pilot.press("x")
        await settle(pilot)
        app.screen.query_one(TextArea).insert("需要监护人同意书")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert notice(app) == f"Request #{made[1]} is now rejected"
        assert "rejected: 需要监护人同意书" in detail_text(app)
    ticket_id = request_views.get_request(ctx, made[1]).request.ticket_id
    assert ticket_id is not None
    notes = [event.body for event in tickets.get_ticket(ctx, ticket_id).events if event.kind == "note"]
    assert any("需要监护人同意书" in note for note in notes)


async def test_the_requester_cancels_and_enter_opens_the_ticket(ctx, made, settle) -> None:
    async with on_detail(ctx, made[3], settle) as (app, pilot):
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert notice(app) == f"Request #{made[3]} is now cancelled"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
    assert state_of(ctx, made[3]) is RequestState.CANCELLED


async def test_the_detail_follows_another_desks_change_and_says_so(ctx, boss, made, settle, looks) -> None:
    async with on_detail(boss, made[3], settle) as (app, pilot):
        shown = detail_text(app)
        assert "verify ·" in shown and "cancelled" not in shown and notice(app) == ""
        # The requester cancels it from their own desk: this one shows it within a poll, without a key.
        requests.cancel(ctx, made[3])
        await looks.wait(pilot, ticks=2)
        shown = detail_text(app)
        assert "cancelled ·" in shown and "alice  cancelled" in shown
        assert notice(app) == f"Request #{made[3]} is now cancelled", "it says where the request stands now"
        assert "Cancel request" not in offered(app), "nothing left to cancel"
    assert state_of(ctx, made[3]) is RequestState.CANCELLED


async def test_a_change_that_leaves_the_state_is_still_said(ctx, boss, made, settle, looks) -> None:
    async with on_detail(boss, made[1], settle) as (app, pilot):
        tamper(ctx.db, made[1], payload_hash="0" * 64)
        await looks.wait(pilot, ticks=2)
        assert "hash " + "0" * 64 in detail_text(app)
        assert notice(app) == "Changed since you opened it; this is the latest."


async def test_the_footer_offers_only_the_keys_that_apply_to_the_request(ctx, boss, made, settle) -> None:
    async with on_detail(boss, made[1], settle) as (app, _pilot):
        awaiting = offered(app)
    assert awaiting["Approve"] and awaiting["Reject"] and awaiting["Cancel request"]
    assert "Retry" not in awaiting and "Re-submit" not in awaiting
    fail_with_problem(ctx.db, made[1], "422 Invalid value: scope")
    async with on_detail(boss, made[1], settle) as (app, _pilot):
        failed = offered(app)
    assert failed["Retry"] and failed["Cancel request"]
    assert "Approve" not in failed and "Reject" not in failed and "Re-submit" not in failed
    async with on_detail(ctx, made[0], settle) as (app, _pilot):
        as_agent = offered(app)
    assert "Approve" not in as_agent and "Reject" not in as_agent, "a supervisor's to decide"
    assert as_agent["Cancel request"], "the requester cancels"
    async with on_detail(ctx, made[2], settle) as (app, _pilot):
        assert offered(app)["Cancel request"] is False, "dimmed: another agent raised it"


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_the_footer_fits_80_columns_whatever_the_request_and_whoever_reads_it(
    ctx, boss, made, settle, lang
) -> None:
    speak(ctx.db, lang, "alice", "carol")
    try:
        fail_with_problem(ctx.db, made[4], "422 Invalid value: scope")
        tamper(ctx.db, made[3], state="expired")
        for reader, request_id in product((ctx, boss), (made[1], made[3], made[4])):
            app = desk_as(reader)
            async with app.run_test(size=(80, 24)) as pilot:
                await settle(pilot)
                app.push_screen(RequestDetailScreen(request_id))
                await settle(pilot)
                footer = screen_lines(app.export_screenshot())[-1]
                help_key = "? " + _("Help")
                assert help_key in footer, f"{reader.agent} on #{request_id}: {footer!r}"
    finally:
        install_language(SOURCE_LANGUAGE)


async def test_the_requester_resubmits_an_expired_request_with_r(ctx, boss, made, settle) -> None:
    tamper(ctx.db, made[1], state="expired")
    async with on_detail(boss, made[1], settle) as (app, _pilot):
        assert offered(app)["Re-submit"], "a supervisor may re-submit it too"
    async with on_detail(ctx, made[1], settle) as (app, pilot):
        assert offered(app)["Re-submit"] and "Retry" not in offered(app)
        await pilot.press("r")
        await settle(pilot)
        assert notice(app) == f"Request #{made[1]} is now awaiting approval"
        assert "Re-submit" not in offered(app) and "alice  re-submitted" in detail_text(app)
    view = request_views.get_request(ctx, made[1]).request
    assert view.state is RequestState.AWAITING_APPROVAL and view.approved_by is None


async def test_a_failed_request_shows_its_problem_detail(ctx, made, settle) -> None:
    fail_with_problem(ctx.db, made[1], "422 Invalid value: username: 3 to 32 printable characters\x1b[31m")
    app = desk_as(ctx)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert app.screen.query_one(QueueList).counts[RequestQueue.FAILED] == 1
        app.push_screen(RequestDetailScreen(made[1]))
        await settle(pilot)
        shown = detail_text(app)
        assert "FAILED" in shown
        assert "problem: 422 Invalid value: username: 3 to 32 printable characters" in shown
        assert "\x1b" not in shown


async def test_the_receipt_says_when_each_object_went_and_what_was_already_absent(ctx, made, settle) -> None:
    done = [
        ReceiptItem("image", "img_01", NOW, "key-1"),
        ReceiptItem("image", "img_02", NOW, "key-2", absent=True),
        ReceiptItem("diary_entry", "d_7", NOW, "key-3"),
    ]
    receipt = json.dumps([item.to_json() for item in done])
    tamper(ctx.db, made[1], state="completed", receipt=receipt)
    async with on_detail(ctx, made[1], settle) as (app, pilot):
        await pilot.press("end")
        shown = detail_text(app)
    assert "image img_01  2025-03-03 12:00" in shown and "already absent" not in shown.split("img_02")[0]
    assert "image img_02  2025-03-03 12:00  already absent" in shown
    assert "diary entry d_7  2025-03-03 12:00" in shown


async def test_evidence_edited_outside_the_desk_still_shows(ctx, made, settle) -> None:
    request = request_views.get_request(ctx, made[1]).request
    with ctx.db.write() as session:
        session.execute(
            text("UPDATE verification SET results = :results WHERE id = :id"),
            {"results": '{"email": "match", "shoe_size": "match"}', "id": request.verification_id},
        )
    async with on_detail(ctx, made[1], settle) as (app, _pilot):
        assert "matched: email, shoe_size" in detail_text(app)


async def test_the_desk_opens_on_the_ticket_given(ctx, settle) -> None:
    ticket_id = linked_ticket(ctx)
    app = DeskApp(with_admin(ctx, admin_with_images()), ticket_id=ticket_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == ticket_id
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.title_text == "Queues"


async def test_a_supervisor_retries_a_failed_request_with_r_and_an_agent_is_refused(ctx, boss, made, settle) -> None:
    fail_with_problem(ctx.db, made[1], "503 Service Unavailable")
    async with on_detail(ctx, made[1], settle) as (app, pilot):
        await pilot.press("r")
        await settle(pilot)
        assert state_of(ctx, made[1]) is RequestState.FAILED
    async with on_detail(boss, made[1], settle) as (app, pilot):
        await pilot.press("r")
        await settle(pilot)
        assert notice(app) == f"Request #{made[1]} is now running"
    assert state_of(ctx, made[1]) is RequestState.EXECUTING


async def test_requests_mode_says_since_when_the_admin_api_is_failing(ctx, made, settle) -> None:
    fail_with_problem(ctx.db, made[1], "503 Service Unavailable")
    since = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    with ctx.db.write() as session:
        # As the deliverer leaves a row it backs off from: pending, due later, failing since 09:30.
        session.execute(
            text("UPDATE outbox SET state = 'pending', failing_since = :since, next_attempt_at = :later"),
            {"since": since, "later": ctx.clock() + timedelta(minutes=5)},
        )
    app = desk_as(ctx)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        at = since.astimezone(ctx.settings.timezone).strftime("%H:%M")
        line = str(app.screen.query_one("#requests-status").render())
        assert line == f"⚠ admin API failing since {at} · 1 waiting; work resumes by itself"
