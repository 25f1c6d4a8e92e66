"""80x24 SVG snapshots of raising requests and of Requests mode: the deletion dialog with its preview, the
correction dialog with a refused value, Requests mode as an agent and as a supervisor, and a failed request
with its problem detail.

The desk's clock is fixed (tests/ui/conftest.py) and so is the audit trail's, so the history reads the same on
every run.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from lifer_desk.services.context import DeskContext
from lifer_desk.store import audit
from lifer_desk.ui import DeskApp
from lifer_desk.ui.requests.detail import RequestDetailScreen
from tests.fakes.admin_api import with_admin
from tests.ui.requests.request_ui_support import (
    MINOR,
    admin_with_images,
    fail_with_problem,
    raise_deletions,
    supervisor,
    verified_ticket,
)
from tests.ui.ui_support import NOW

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def fixed_audit_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "utcnow", lambda: NOW)


def desk_as(ctx: DeskContext, ticket_id: int | None = None) -> DeskApp:
    return DeskApp(with_admin(ctx, admin_with_images()), ticket_id=ticket_id)


class TestRaisingRequests:
    """The dialogs a ticket opens with `d` and `e`, with what the admin API said in their previews."""

    def test_deletion_dialog_with_its_preview(self, snap_compare, ctx, settle) -> None:
        ticket_id = verified_ticket(ctx, MINOR.id)

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("d")
            await settle(pilot)

        assert snap_compare(desk_as(ctx, ticket_id), terminal_size=SIZE, run_before=run_before)

    def test_correction_dialog_with_a_refused_value(self, snap_compare, ctx, settle) -> None:
        ticket_id = verified_ticket(ctx)

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("e")
            await settle(pilot)
            pilot.app.screen.query_one("#new-email", Input).value = "Zhang.San@163.com"
            pilot.app.screen.query_one("#new-username", Input).value = "lilei"
            pilot.app.screen.query_one("#new-birthday", Input).value = "2031-02-30"
            await pilot.press("ctrl+s")
            await settle(pilot)

        assert snap_compare(desk_as(ctx, ticket_id), terminal_size=SIZE, run_before=run_before)


class TestRequestsMode:
    """Key 3: the queues by state and the requests, nearest deadline first, as each role sees them."""

    def test_as_an_agent(self, snap_compare, ctx, settle) -> None:
        raise_deletions(ctx, supervisor(ctx))

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("3")
            await settle(pilot)

        assert snap_compare(desk_as(ctx), terminal_size=SIZE, run_before=run_before)

    def test_as_a_supervisor(self, snap_compare, ctx, settle) -> None:
        boss = supervisor(ctx)
        raise_deletions(ctx, boss)

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("3")
            await settle(pilot)
            await pilot.press("tab", "down", "down", "enter")
            await settle(pilot)

        assert snap_compare(desk_as(boss), terminal_size=SIZE, run_before=run_before)

    def test_a_failed_request_with_its_problem_detail(self, snap_compare, ctx, settle) -> None:
        boss = supervisor(ctx)
        made = raise_deletions(ctx, boss)
        fail_with_problem(ctx.db, made[1], "422 Invalid value: scope: payment_links is not enabled for this account")

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            pilot.app.push_screen(RequestDetailScreen(made[1]))
            await settle(pilot)

        assert snap_compare(desk_as(boss), terminal_size=SIZE, run_before=run_before)
