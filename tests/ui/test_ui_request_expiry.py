"""An open desk marks requests past either expiry (issue 9), when it opens and on its timer, so that no screen
shows one as still awaiting approval."""

from __future__ import annotations

from datetime import timedelta

from lifer_desk.domain.requests import DeletionScope, RequestState
from lifer_desk.services import requests
from lifer_desk.services.context import DeskContext
from lifer_desk.services.request_views import get_request
from tests.request_support import Clock, context, open_ticket
from tests.ui.ui_support import NOW


def _stale_request(ctx: DeskContext) -> int:
    """Raised 73 hours ago and never verified: past the 72 h expiry, and not marked yet."""
    long_ago = context(ctx.db, Clock(NOW - timedelta(hours=73)), ctx.agent)
    return requests.raise_deletion(long_ago, open_ticket(long_ago), DeletionScope.DIARY, etag=None).id


def _state(ctx: DeskContext, request_id: int) -> RequestState:
    return get_request(ctx, request_id).request.state


async def test_the_desk_expires_stale_requests_when_it_opens_and_on_its_timer(
    desk_app, settle, ctx: DeskContext
) -> None:
    before = _stale_request(ctx)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert _state(ctx, before) is RequestState.EXPIRED
        later = _stale_request(ctx)
        assert _state(ctx, later) is RequestState.AWAITING_VERIFICATION
        app.expire_requests()  # what the timer runs every EXPIRE_REQUESTS_EVERY seconds
        await settle(pilot)
        assert _state(ctx, later) is RequestState.EXPIRED
