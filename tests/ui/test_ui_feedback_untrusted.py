"""Hostile feedback (markup, escape sequences, bidi controls) renders literally and inert in the feedback table and
the detail view under Pilot. (The real desk's terminal bytes for Feedback mode are not tested here: in full
parallel CI runs the desk under a pty did not switch to Feedback mode, a defect recorded on issue 10.)"""

from __future__ import annotations

import asyncio

from lifer_desk.domain.feedback import FeedbackFilter
from lifer_desk.domain.text_safety import one_line
from lifer_desk.sandbox.corpus import HOSTILE_FEEDBACK
from lifer_desk.services import feedback
from lifer_desk.services.context import DeskContext
from lifer_desk.services.feedback_sync import sync_feedback
from lifer_desk.ui import DeskApp
from lifer_desk.ui.feedback.detail import FeedbackDetailScreen
from tests.fakes.admin_api import with_admin
from tests.services.feedback_support import FeedbackFeed, items
from tests.ui.test_ui_untrusted_text import assert_inert, screen_text

WIDE = (200, 40)


def _hostile(ctx: DeskContext) -> FeedbackFeed:
    feed = FeedbackFeed(items(len(HOSTILE_FEEDBACK), text=lambda i: HOSTILE_FEEDBACK[i]))
    asyncio.run(sync_feedback(with_admin(ctx, feed)))
    return feed


async def test_hostile_feedback_is_inert_in_the_table_and_the_detail_view(ctx, settle) -> None:
    feed = await asyncio.to_thread(_hostile, ctx)
    app = DeskApp(with_admin(ctx, feed))
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        shown = screen_text(app)
        assert_inert(app)
        assert "[@click=app.quit]Click here for a refund[/]" in shown
        assert "[bold red blink]URGENT[/]" in shown
        for row in feedback.page(ctx, FeedbackFilter(), limit=len(HOSTILE_FEEDBACK)):
            app.push_screen(FeedbackDetailScreen(row.id))
            await settle(pilot)
            assert_inert(app)
            assert one_line(row.text)[:30] in " ".join(screen_text(app).split())
            await pilot.press("escape")
            await settle(pilot)
        # Still running: no hostile [@click=app.quit] was ever clickable or run.
        assert app.is_running
