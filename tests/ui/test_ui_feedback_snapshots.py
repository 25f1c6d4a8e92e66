"""80x24 snapshots of Feedback mode: the inbox, the detail view, the bulk confirmation and the spam mailbox, on
feedback in Chinese and English with a phone number masked and hostile text made inert."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList

from lifer_desk.domain.feedback import FeedbackFilter, TriageAction
from lifer_desk.services import feedback
from lifer_desk.services.feedback_sync import sync_feedback
from lifer_desk.ui import DeskApp
from lifer_desk.ui.feedback.detail import FeedbackDetailScreen
from tests.fakes.admin_api import with_admin
from tests.services.feedback_support import FeedbackFeed, items

TEXTS = (
    "应用很好用，谢谢！",
    "退款申请一直没有回复，请尽快处理。",
    "Please add a dark mode.",
    "请打13812345678联系我，邮箱 zhang.wei88@qq.com",
    "[@click=app.quit]Click here for a refund[/] \x1b[31mSYSTEM\x1b[0m \u202egpj.exe",
)


@pytest.fixture
def seeded_app(ctx):
    feed = FeedbackFeed(items(15, text=lambda i: TEXTS[i % len(TEXTS)]))
    synced = with_admin(ctx, feed)
    asyncio.run(sync_feedback(synced))
    rows = feedback.page(ctx, FeedbackFilter(), limit=15)
    feedback.triage(ctx, rows[2].id, TriageAction.TAG, "praise")
    for row in rows[5:8]:
        feedback.triage(ctx, row.id, TriageAction.SPAM)
    return lambda: DeskApp(with_admin(ctx, feed))


def in_feedback(settle, *keys: str):
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)

    return run_before


class TestFeedbackMode:
    """Feedback mode at 80x24: the mailboxes with counts, the items, and the sync line."""

    def test_inbox(self, snap_compare, seeded_app, settle) -> None:
        assert snap_compare(seeded_app(), terminal_size=(80, 24), run_before=in_feedback(settle))

    def test_spam_mailbox(self, snap_compare, seeded_app, settle) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            await in_feedback(settle)(pilot)
            pilot.app.screen.query_one("#mailboxes", OptionList).highlighted = 2
            await settle(pilot)

        assert snap_compare(seeded_app(), terminal_size=(80, 24), run_before=run_before)

    def test_bulk_confirmation(self, snap_compare, seeded_app, settle) -> None:
        assert snap_compare(seeded_app(), terminal_size=(80, 24), run_before=in_feedback(settle, "a"))


class TestFeedbackItem:
    """One item: masked phone and email, its history, other feedback from the same account."""

    def test_detail_view(self, snap_compare, seeded_app, ctx, settle) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            await in_feedback(settle)(pilot)
            phone = next(r.id for r in feedback.page(ctx, FeedbackFilter(), limit=20) if "5678" in r.text)
            pilot.app.push_screen(FeedbackDetailScreen(phone))
            await settle(pilot)

        assert snap_compare(seeded_app(), terminal_size=(80, 24), run_before=run_before)
