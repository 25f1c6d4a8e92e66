"""The idle privacy screen: after LIFER_IDLE_LOCK_MINUTES without a key nothing of any customer is on screen, and
any key brings the desk back without acting (issue 16 item 2)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.pilot import Pilot

from lifer_desk.services.context import DeskContext
from lifer_desk.ui.app import DeskApp
from lifer_desk.ui.privacy.screen import PrivacyScreen
from lifer_desk.ui.ticket.screen import TicketScreen
from tests.fakes.admin_api import FakeAdminApi, with_admin

# 30 ms: the test waits for the screen to change, not for a time.
QUICK = 0.0005


def locking_app(ctx: DeskContext, fake_admin: FakeAdminApi) -> DeskApp:
    quick = replace(ctx, settings=replace(ctx.settings, idle_lock_minutes=QUICK))
    return DeskApp(with_admin(quick, fake_admin))


async def wait_for_lock(pilot: Pilot[Any]) -> None:
    while not isinstance(pilot.app.screen, PrivacyScreen):
        await pilot.pause()
    await pilot.pause()


def screen_text(app: DeskApp) -> str:
    """What the terminal shows: the top screen as drawn (a full screen hides every screen below it)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_an_idle_desk_hides_itself(make_ticket, ctx: DeskContext, fake_admin: FakeAdminApi) -> None:
    make_ticket("退款申请：重复扣费两次", name="张三")
    app = locking_app(ctx, fake_admin)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_lock(pilot)
        assert "Press any key to return." in screen_text(app)


async def test_the_privacy_screen_hides_customers_and_any_key_returns(make_ticket, desk_app, settle) -> None:
    make_ticket("退款申请：重复扣费两次", name="张三")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert "退款申请" in screen_text(app)
        await pilot.press("f12")
        await wait_for_lock(pilot)
        shown = screen_text(app)
        assert "退款申请" not in shown and "张三" not in shown
        assert "Press any key to return." in shown
        # `q` would quit the desk; here it only takes the privacy screen away.
        await pilot.press("q")
        assert isinstance(app.screen, TicketScreen)
        await pilot.pause()
        assert "退款申请" in screen_text(app)
        assert app.is_running


def test_privacy_screen_80x24(snap_compare, make_ticket, desk_app, settle) -> None:
    make_ticket("退款申请：重复扣费两次", name="张三")

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("f12")
        await wait_for_lock(pilot)

    assert snap_compare(desk_app(), terminal_size=(80, 24), run_before=run_before)


async def test_no_notification_is_shown_over_the_privacy_screen(desk_app, settle) -> None:
    # A toast can quote a customer (a failed reply, a sync error); it waits for the agent's return.
    app = desk_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.notify("Reply to 张三 is on its way", markup=False)
        await pilot.press("f12")
        await wait_for_lock(pilot)
        app.notify("Reply to 李四 failed", severity="error", markup=False)
        await settle(pilot)
        shown = screen_text(app)
        assert "张三" not in shown and "李四" not in shown
        assert "Press any key to return." in shown
        await pilot.press("space")
        await settle(pilot)
        shown = screen_text(app)
        assert "张三" in shown and "李四" in shown
