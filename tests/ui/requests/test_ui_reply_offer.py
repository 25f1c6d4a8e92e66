"""The reply offered once a request completed (issue 9 item 5): the ticket says a reply is ready, `r` opens it
prefilled (in the customer's language, editable), nothing goes out until the agent sends it, a draft of the
agent's own wins over the offer, and once a reply went out the offer is gone. With 80x24 snapshots."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

from lifer_desk.domain.identity import Field
from lifer_desk.domain.outbox import ReceiptItem
from lifer_desk.domain.requests import DeletionScope
from lifer_desk.domain.tickets import EventKind
from lifer_desk.services import drafts, requests, tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.request_completion import complete
from lifer_desk.store import audit
from lifer_desk.store import requests as request_store
from lifer_desk.ui import DeskApp
from lifer_desk.ui.dialogs import TextDialog
from tests.fakes.admin_api import with_admin
from tests.request_support import tamper
from tests.ui.requests.request_ui_support import IMAGES, admin_with_images, supervisor, verified_ticket
from tests.ui.test_ui_ticket import claimed_view, header, notice
from tests.ui.ui_support import ACCOUNT, NOW

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def fixed_audit_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "utcnow", lambda: NOW)


def completed_deletion(ctx: DeskContext) -> tuple[int, int]:
    """A ticket whose image deletion completed, as the deliverer completes one; returns (ticket, request)."""
    ticket_id = verified_ticket(ctx)
    raised = requests.raise_deletion(ctx, ticket_id, DeletionScope.IMAGES, etag=None,
                                     image_ids=tuple(image.id for image in IMAGES))  # fmt: skip
    requests.approve(supervisor(ctx), raised.id)
    tamper(ctx.db, raised.id, state="executing")
    items = tuple(ReceiptItem("image", image.id, NOW, f"key-{image.id}") for image in IMAGES)
    with ctx.db.write() as session:
        row = request_store.get(session, raised.id, for_update=True)
        assert row is not None
        complete(session, ctx, row, items, NOW)
    return ticket_id, raised.id


def desk_as(ctx: DeskContext) -> DeskApp:
    return DeskApp(with_admin(ctx, admin_with_images()))


async def test_the_offer_opens_prefilled_is_sent_only_as_the_agent_edited_it_and_then_goes(ctx, settle) -> None:
    ticket_id, request_id = completed_deletion(ctx)
    app = desk_as(ctx)
    async with app.run_test(size=SIZE) as pilot:
        screen = await claimed_view(app, pilot, ticket_id, settle)
        assert f"Request #{request_id} completed: press r" in notice(app)
        replies = [event for event in screen.detail.events if event.kind == EventKind.REPLY]
        assert replies == []  # offered, not sent

        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        offered = app.screen.query_one(TextArea).text
        # The ticket is written in Chinese: so is the reply; it says what went, when, and the request's number.
        assert "删除了您的 2 张图片" in offered and f"{NOW:%Y-%m-%d %H:%M}" in offered and f"#{request_id}" in offered
        assert ACCOUNT.id not in offered and "张三" not in offered
        app.screen.query_one(TextArea).insert("\n王客服")
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert app.screen is screen
        (sent,) = [event for event in screen.detail.events if event.kind == EventKind.REPLY]
        assert sent.body == offered + "\n王客服"
        assert "completed: press r" not in notice(app)
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.query_one(TextArea).text == "", "once replied, the offer is gone"


async def test_a_draft_of_the_agents_own_wins_over_the_offer(ctx, settle) -> None:
    ticket_id, _request_id = completed_deletion(ctx)
    drafts.save_draft(ctx, ticket_id, "reply", "my own words so far")
    app = desk_as(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await claimed_view(app, pilot, ticket_id, settle)
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.query_one(TextArea).text == "my own words so far"
    assert [e for e in tickets.get_ticket(ctx, ticket_id).events if e.kind == EventKind.REPLY] == []


class TestReplyOfferSnapshots:
    def test_the_ticket_says_a_reply_is_ready(self, snap_compare, ctx, settle) -> None:
        ticket_id, _request_id = completed_deletion(ctx)

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)

        app = DeskApp(with_admin(ctx, admin_with_images()), ticket_id=ticket_id)
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

    def test_the_reply_box_prefilled_with_the_offer(self, snap_compare, ctx, settle) -> None:
        ticket_id, _request_id = completed_deletion(ctx)

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)

        app = DeskApp(with_admin(ctx, admin_with_images()), ticket_id=ticket_id)
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_the_account_line_is_read_again_once_a_request_completes_while_the_ticket_is_open(
    ctx, settle, looks
) -> None:
    ticket_id = verified_ticket(ctx)
    admin = admin_with_images()
    app = DeskApp(with_admin(ctx, admin))
    async with app.run_test(size=SIZE) as pilot:
        await claimed_view(app, pilot, ticket_id, settle)
        assert f"{ACCOUNT.email_masked} · {ACCOUNT.username_masked}" in header(app)
        # Another desk's deliverer completes a username correction of the account meanwhile.
        raised = requests.raise_correction(ctx, ticket_id, {Field.USERNAME: "zhang_new"}, etag='"1"')
        tamper(ctx.db, raised.id, state="executing")
        account = admin.accounts[ACCOUNT.id]
        account.summary = account.summary.model_copy(update={"username_masked": "z***w"})
        with ctx.db.write() as session:
            row = request_store.get(session, raised.id, for_update=True)
            assert row is not None
            # A minute on: the ticket's stamp moves, as it does for a real completion.
            done = NOW + timedelta(minutes=1)
            complete(session, ctx, row, (ReceiptItem("username", ACCOUNT.id, done, "key-u"),), done)
        await looks.wait(pilot, ticks=2)
        assert f"{ACCOUNT.email_masked} · z***w" in header(app)
