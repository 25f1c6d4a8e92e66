"""The outbox deliverer inside an open desk: a pass delivers what is due in the background, a desk with an empty
outbox never opens the admin API, and a failure reaches the agent through the desk's error path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.pilot import Pilot

from lifer_desk.admin_api import AdminApi, Image
from lifer_desk.config import ConfigError
from lifer_desk.domain.requests import DeletionScope, RequestState
from lifer_desk.services import outbox, requests
from lifer_desk.services.context import AdminApiProvider, DeskContext
from lifer_desk.services.request_views import get_request
from lifer_desk.store.db import Database
from lifer_desk.ui.app import DeskApp
from tests.agent_support import enrol
from tests.fakes.admin_api import FakeAccount, FakeAdminApi, with_admin
from tests.request_support import open_ticket, record_verified
from tests.ui.ui_support import ACCOUNT, Notices

IMAGE = Image(id="img_1", uploaded_at=datetime(2024, 1, 1, tzinfo=UTC), bytes=1024)


def approved_image_deletion(database: Database, ctx: DeskContext) -> int:
    enrol(database, "sam", "supervisor")
    ticket_id = open_ticket(ctx, ACCOUNT.id)
    record_verified(ctx, ticket_id, ACCOUNT.id)
    raised = requests.raise_deletion(ctx, ticket_id, DeletionScope.IMAGES, etag=None, image_ids=(IMAGE.id,))
    return requests.approve(replace(ctx, agent="sam", role="supervisor"), raised.id).id


async def test_an_open_desk_delivers_an_approved_request(
    database: Database, ctx: DeskContext, settle: Callable[[Pilot[Any]], Any]
) -> None:
    api = FakeAdminApi(FakeAccount(ACCOUNT, images=[IMAGE]))
    request_id = approved_image_deletion(database, ctx)
    app = DeskApp(with_admin(ctx, api))
    async with app.run_test() as pilot:
        app.deliver_outbox()
        await settle(pilot)
    assert get_request(ctx, request_id).request.state is RequestState.COMPLETED
    assert api.calls.count("delete_image") == 1


async def test_a_desk_with_nothing_to_deliver_never_opens_the_admin_api(
    ctx: DeskContext, settle: Callable[[Pilot[Any]], Any]
) -> None:
    opened: list[str] = []

    def factory() -> AdminApi:
        opened.append("opened")
        return FakeAdminApi()

    app = DeskApp(replace(ctx, admin=AdminApiProvider(factory)))
    async with app.run_test() as pilot:
        app.deliver_outbox()
        await settle(pilot)
    assert opened == []


async def test_a_delivery_that_cannot_start_is_shown_as_one_line(
    database: Database, ctx: DeskContext, settle: Callable[[Pilot[Any]], Any]
) -> None:
    approved_image_deletion(database, ctx)

    def factory() -> AdminApi:
        raise ConfigError("LIFER_ADMIN_TOKEN", "is required when LIFER_ADMIN_URL is set")

    notices = Notices()
    app = DeskApp(replace(ctx, admin=AdminApiProvider(factory)))
    async with app.run_test(message_hook=notices) as pilot:
        app.deliver_outbox()
        await settle(pilot)
    assert any("LIFER_ADMIN_TOKEN" in message for message in notices.messages)


async def test_an_outbox_found_empty_is_read_again_only_after_a_commit(
    database: Database, ctx: DeskContext, settle: Callable[[Pilot[Any]], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outbox timer runs every 2 s in every desk: while nothing is committed, it reads no table."""
    looked: list[object] = []
    real = outbox.next_due

    def counted(context: DeskContext) -> datetime | None:
        looked.append(context)
        return real(context)

    monkeypatch.setattr(outbox, "next_due", counted)
    app = DeskApp(with_admin(ctx, FakeAdminApi()))
    async with app.run_test() as pilot:
        await settle(pilot)
        app.deliver_outbox()
        await settle(pilot)
        seen = len(looked)
        assert seen >= 1
        app.deliver_outbox()
        app.deliver_outbox()
        await settle(pilot)
        assert len(looked) == seen, "nothing was committed, yet the outbox was read again"
        enrol(database, "bob")
        app.deliver_outbox()
        await settle(pilot)
        assert len(looked) == seen + 1
