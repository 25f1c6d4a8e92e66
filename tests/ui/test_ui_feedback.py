"""Feedback mode (key 2): mailboxes with live counts, the table, search, the detail view with masked personal data
and reveal, triage keys, selection and bulk actions, and the sync line."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace

import pytest
from textual.widgets import OptionList

from lifer_desk.admin_api import AdminApiError
from lifer_desk.domain.feedback import FeedbackFilter, Mailbox
from lifer_desk.services import feedback
from lifer_desk.services.context import AdminApiProvider, DeskContext
from lifer_desk.services.errors import DeskError
from lifer_desk.services.feedback_sync import sync_feedback
from lifer_desk.ui import DeskApp
from lifer_desk.ui.desk_screen import PolledScreen
from lifer_desk.ui.feedback.detail import FeedbackDetailScreen
from lifer_desk.ui.feedback.screen import FeedbackScreen
from lifer_desk.ui.feedback.source import FeedbackSource
from tests.fakes.admin_api import with_admin
from tests.services.feedback_support import FeedbackFeed, items
from tests.ui.test_ui_untrusted_text import screen_text
from tests.ui.ui_support import MAX_LOOKS
from widgets.page_source import Row
from widgets.virtual_table import VirtualTable

TEXTS = ("应用很好用，谢谢！", "退款申请一直没有回复", "Please add a dark mode", "请打13812345678联系我")


@pytest.fixture
def feed() -> FeedbackFeed:
    return FeedbackFeed(items(12, text=lambda i: TEXTS[i % len(TEXTS)]))


@pytest.fixture
def feedback_app(ctx: DeskContext, feed: FeedbackFeed) -> Callable[[], DeskApp]:
    synced = with_admin(ctx, feed)
    asyncio.run(sync_feedback(synced))
    return lambda: DeskApp(with_admin(ctx, feed))


async def open_feedback(pilot, settle) -> FeedbackScreen:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, FeedbackScreen)
    return screen


async def test_key_2_opens_the_inbox_with_counts_and_masked_text(feedback_app, settle) -> None:
    app = feedback_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_feedback(pilot, settle)
        text = screen_text(app)
        assert "Inbox" in text and "12" in text
        assert "13812345678" not in text and "***5678" in text
        assert "last synced" in text


async def test_reviewing_moves_an_item_and_the_counts_follow(feedback_app, settle, ctx) -> None:
    app = feedback_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_feedback(pilot, settle)
        first = screen.table.cursor_row
        assert first is not None
        await pilot.press("r")
        await settle(pilot)
        assert feedback.get_detail(ctx, int(first.id)).mailbox is Mailbox.REVIEWED
        assert first.id not in {row.id for row in screen.table.buffered_rows}
        assert " 11" in screen_text(app)


async def test_the_detail_view_masks_until_a_reason_is_given(feedback_app, settle, ctx) -> None:
    app = feedback_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_feedback(pilot, settle)
        phone = next(r.id for r in feedback.page(ctx, FeedbackFilter(), limit=20) if "5678" in r.text)
        app.push_screen(FeedbackDetailScreen(phone))
        await settle(pilot)
        assert "***5678" in screen_text(app) and "13812345678" not in screen_text(app)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press(*"caller asked", "ctrl+s")
        await settle(pilot)
        assert "13812345678" in screen_text(app)


async def test_the_detail_header_names_the_platform_once(feedback_app, settle, ctx) -> None:
    app = feedback_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_feedback(pilot, settle)
        rows = feedback.page(ctx, FeedbackFilter(), limit=20)
        on_web = next(r.id for r in rows if r.channel == "web")
        on_app = next(r.id for r in rows if r.channel == "app")
        app.push_screen(FeedbackDetailScreen(on_web))
        await settle(pilot)
        # The web form sends "web" as its platform too: the header says it once.
        assert "Inbox · web · 2025-03-01" in screen_text(app)
        app.pop_screen()
        app.push_screen(FeedbackDetailScreen(on_app))
        await settle(pilot)
        assert "Inbox · app · android 3.4.0 · 2025-03-01" in screen_text(app)


async def test_select_all_matching_asks_with_the_count_and_applies_to_all(feedback_app, settle, ctx) -> None:
    app = feedback_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_feedback(pilot, settle)
        await pilot.press("a")
        await settle(pilot)
        text = screen_text(app)
        assert "All 12 items matching this view" in text
        assert "Not spam" not in text and "Mark reviewed" in text
        await pilot.press("enter")
        await settle(pilot)
        assert feedback.counts(ctx)[Mailbox.REVIEWED] == 12


async def test_space_selects_and_the_spam_mailbox_lists_what_was_moved(feedback_app, settle, ctx) -> None:
    app = feedback_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_feedback(pilot, settle)
        await pilot.press("space", "space", "b")
        await settle(pilot)
        assert "2 selected items" in screen_text(app)
        await pilot.press("j", "enter")
        await settle(pilot)
        assert feedback.counts(ctx)[Mailbox.SPAM] == 2
        screen.query_one("#mailboxes", OptionList).highlighted = 2
        await settle(pilot)
        assert len(screen.query_one(VirtualTable).buffered_rows) == 2


async def test_every_desk_syncs_in_the_background_whatever_mode_it_shows(ctx, settle) -> None:
    feed = FeedbackFeed(items(30))
    app = DeskApp(with_admin(ctx, feed))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert feedback.counts(ctx)[None] == 0
        # What the app's timer (LIFER_FEEDBACK_SYNC_SECONDS) runs, from Queues mode.
        app.sync_feedback()
        await settle(pilot)
        assert feedback.counts(ctx)[None] == 30


async def test_an_outage_shows_when_it_began_beside_the_last_sync(feedback_app, feed, settle) -> None:
    feed.down_at = set(range(feed.pages, feed.pages + 100))
    app = feedback_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_feedback(pilot, settle)
        await pilot.press("s")
        await settle(pilot)
        assert "last synced 12:00, admin API unreachable since 12:00" in screen_text(app)


@pytest.mark.parametrize("table_thread", ["prompt", "descheduled"])
async def test_the_opening_sync_opens_the_admin_api_once_the_first_page_is_shown(
    ctx: DeskContext, settle, monkeypatch: pytest.MonkeyPatch, table_thread: str
) -> None:
    # Opening the admin API (importing httpx, building its TLS context) and syncing compete with the first page
    # for the CPU: on a loaded host they held the mode's rows back for seconds, so the sync waits for the rows.
    if table_thread == "descheduled":
        # The table's thread read the first page, and the host gave it no CPU before it posted the rows.
        read = FeedbackSource.first_page

        def first_page(source: FeedbackSource, limit: int) -> list[Row]:
            rows = read(source, limit)
            time.sleep(0.3)
            return rows

        monkeypatch.setattr(FeedbackSource, "first_page", first_page)
    feed = FeedbackFeed(items(12, text=lambda i: TEXTS[i % len(TEXTS)]))
    await sync_feedback(with_admin(ctx, feed))
    shown: list[str] = []

    def open_admin() -> FeedbackFeed:
        shown.append(screen_text(app))
        return feed

    app = DeskApp(replace(ctx, admin=AdminApiProvider(open_admin)))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_feedback(pilot, settle)
        assert shown, "Feedback mode did not sync on opening"
        assert TEXTS[1] in shown[0]


async def test_an_idle_inbox_reads_no_table_and_another_desks_outage_reaches_its_sync_line(
    feedback_app, settle, bob, looks
) -> None:
    """Feedback mode polls as every mode does (PolledScreen): nothing read while nothing is committed, and its
    marker holds the sync's health, so an outage another desk's sync recorded shows here."""
    polled: list[object] = []

    def hook(message: object) -> None:
        if isinstance(message, PolledScreen.Polled):
            polled.append(message)

    app = feedback_app()
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await open_feedback(pilot, settle)
        polled.clear()
        await looks.wait(pilot, ticks=4)
        assert polled == [], "nothing was committed: no poll"
        down = FeedbackFeed([])
        down.down_at = set(range(100))
        with suppress(AdminApiError, DeskError):
            await sync_feedback(with_admin(bob, down))
        for _ in range(MAX_LOOKS):
            if "unreachable" in screen_text(app):
                break
            await looks.wait(pilot)
        assert "last synced 12:00, admin API unreachable since 12:00" in screen_text(app)
        assert polled
