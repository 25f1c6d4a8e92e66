"""Feedback sync: idempotent and resumable, an outage recorded and recovered from, a malformed cursor refused,
and two syncs at once without duplicates, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text

from lifer_desk.admin_api import FeedbackPage, Unavailable
from lifer_desk.config import Settings
from lifer_desk.services.context import AdminApiProvider, DeskContext
from lifer_desk.services.errors import SyncFailed
from lifer_desk.services.feedback_sync import sync_feedback, sync_if_due, sync_status
from lifer_desk.services.suppression import suppress
from lifer_desk.store.db import Database
from tests.agent_support import enrol
from tests.fakes.admin_api import with_admin
from tests.services.feedback_support import FeedbackFeed, items

NOW = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)


def _ctx(db: Database, feed: FeedbackFeed, now: datetime = NOW) -> DeskContext:
    enrol(db, "alice")
    ctx = DeskContext(db, Settings(database_url=db.url), "alice", "agent", clock=lambda: now)
    return with_admin(ctx, feed)


def _imported(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.execute(text("SELECT external_id FROM feedback_item ORDER BY external_id")).scalars())


def test_a_sync_imports_everything_and_a_second_imports_nothing(db: Database) -> None:
    feed = FeedbackFeed(items(1_234))
    ctx = _ctx(db, feed)
    first = asyncio.run(sync_feedback(ctx, page_size=500))
    assert (first.imported, first.pages) == (1_234, 3)
    again = asyncio.run(sync_feedback(ctx, page_size=500))
    assert again.imported == 0
    assert _imported(db) == [item.id for item in feed.feedback]
    assert sync_status(ctx).last_synced == NOW and sync_status(ctx).failing_since is None


class _Writes:
    """The tables written through the database's engine, one entry per writing statement."""

    def __init__(self, db: Database) -> None:
        self.tables: list[str] = []
        event.listen(db.engine, "before_cursor_execute", self._executing)

    def _executing(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        words = statement.split()
        if words[0] in ("INSERT", "UPDATE", "DELETE"):
            self.tables.append(words[2] if words[0] in ("INSERT", "DELETE") else words[1])


def test_a_sync_that_finds_nothing_new_commits_only_its_check(db: Database) -> None:
    # Every commit makes every other open desk read its screen again; a quiet feed must not cost them that.
    ctx = _ctx(db, FeedbackFeed(items(10)))
    asyncio.run(sync_feedback(ctx))
    writes = _Writes(db)
    assert asyncio.run(sync_feedback(ctx)).imported == 0
    assert writes.tables == ["sync_cursor"]
    assert sync_status(ctx).last_synced == NOW


def test_a_desks_timer_leaves_the_sync_to_the_desk_that_checked_lately(db: Database) -> None:
    # Every desk runs the timer; one check an interval between them is enough, whatever the number of desks.
    now = [NOW]
    first, second = FeedbackFeed(items(10)), FeedbackFeed(items(12))
    ctx_a, ctx_b = (replace(_ctx(db, feed), clock=lambda: now[0]) for feed in (first, second))
    interval = timedelta(seconds=ctx_a.settings.feedback_sync_seconds)
    assert asyncio.run(sync_if_due(ctx_a)) is not None
    now[0] = NOW + interval / 2 - timedelta(seconds=1)
    writes = _Writes(db)
    assert asyncio.run(sync_if_due(ctx_b)) is None
    assert "list_feedback" not in second.calls and writes.tables == []
    now[0] = NOW + interval / 2
    result = asyncio.run(sync_if_due(ctx_b))
    assert result is not None and result.imported == 2
    assert sync_status(ctx_b).last_synced == now[0]


def test_a_desk_whose_opening_sync_is_not_due_opens_the_admin_api_all_the_same(db: Database) -> None:
    # Opening it is start-up work (the in-process sandbox loads its web app, a real client httpx): paid in the
    # first idle minute instead, it was a quarter of a second of CPU where an idle desk should spend nothing.
    first, second = FeedbackFeed(items(10)), FeedbackFeed(items(12))
    assert asyncio.run(sync_if_due(_ctx(db, first))) is not None
    opened: list[FeedbackFeed] = []
    ctx = replace(_ctx(db, second), admin=AdminApiProvider(lambda: opened.append(second) or second))
    assert asyncio.run(sync_if_due(ctx)) is None
    assert opened == [second] and "list_feedback" not in second.calls


def test_a_failing_feed_is_tried_again_by_the_next_desk_at_once(db: Database) -> None:
    now = [NOW]
    down, up = FeedbackFeed(items(10)), FeedbackFeed(items(12))
    ctx_a, ctx_b = (replace(_ctx(db, feed), clock=lambda: now[0]) for feed in (down, up))
    asyncio.run(sync_feedback(ctx_a))
    down.down_at = {down.pages}
    now[0] = NOW + timedelta(seconds=1)
    with pytest.raises(Unavailable):  # an agent's own sync, moments after the last good one
        asyncio.run(sync_feedback(ctx_a))
    now[0] = NOW + timedelta(seconds=2)
    result = asyncio.run(sync_if_due(ctx_b))
    assert result is not None and result.imported == 2
    assert sync_status(ctx_b).failing_since is None


def test_new_items_arrive_on_the_next_sync(db: Database) -> None:
    feed = FeedbackFeed(items(700))
    ctx = _ctx(db, feed)
    asyncio.run(sync_feedback(ctx, page_size=300))
    feed.feedback += items(750)[700:]
    assert asyncio.run(sync_feedback(ctx, page_size=300)).imported == 50
    assert len(_imported(db)) == 750


def test_an_outage_is_recorded_with_its_start_and_the_next_sync_carries_on(db: Database) -> None:
    feed = FeedbackFeed(items(1_000))
    feed.down_at = {2, 3}
    ctx = _ctx(db, feed)
    with pytest.raises(Unavailable):
        asyncio.run(sync_feedback(ctx, page_size=300))
    assert len(_imported(db)) == 600
    later = NOW + timedelta(minutes=1)
    with pytest.raises(Unavailable):
        asyncio.run(sync_feedback(replace(ctx, clock=lambda: later), page_size=300))
    status = sync_status(ctx)
    assert (status.last_synced, status.failing_since) == (NOW, NOW)
    recovered = NOW + timedelta(minutes=2)
    assert asyncio.run(sync_feedback(replace(ctx, clock=lambda: recovered), page_size=300)).imported == 400
    assert sync_status(ctx).failing_since is None and sync_status(ctx).last_synced == recovered
    assert _imported(db) == [item.id for item in feed.feedback]


def test_a_malformed_cursor_from_the_api_stores_nothing_of_its_page(db: Database) -> None:
    feed = FeedbackFeed(items(1_000))
    feed.bad_cursor_at = {1}
    ctx = _ctx(db, feed)
    with pytest.raises(SyncFailed, match="malformed"):
        asyncio.run(sync_feedback(ctx, page_size=300))
    assert len(_imported(db)) == 300
    # The API mends its ways: the sync resumes after the last good page, with no gap.
    assert asyncio.run(sync_feedback(ctx, page_size=300)).imported == 700
    assert _imported(db) == [item.id for item in feed.feedback]


def test_a_page_without_a_cursor_to_go_on_from_is_refused(db: Database) -> None:
    feed = FeedbackFeed(items(10))
    feed.bad_cursor = None  # type: ignore[assignment]  # what a broken API may send
    feed.bad_cursor_at = {0}
    with pytest.raises(SyncFailed, match="without a cursor"):
        asyncio.run(sync_feedback(_ctx(db, feed), page_size=5))
    assert _imported(db) == []


class _Together(FeedbackFeed):
    """Both syncs fetch their first page before either commits it, so they race for the same page."""

    def __init__(self, barrier: threading.Barrier, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.barrier = barrier

    async def list_feedback(self, after: str | None = None, limit: int = 100) -> FeedbackPage:
        page = await super().list_feedback(after, limit)
        if self.pages == 1:
            await asyncio.to_thread(self.barrier.wait, 30)
        return page


def test_two_syncs_at_once_import_each_item_once(db: Database) -> None:
    feedback = items(2_000)
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    contexts = [_ctx(db, _Together(barrier, feedback)) for _ in range(2)]

    def run(ctx: DeskContext) -> None:
        try:
            results.append(asyncio.run(sync_feedback(ctx, page_size=250)).imported)
        except BaseException as exc:  # reported below, with the thread's own traceback
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(ctx,)) for ctx in contexts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(results) == 2_000
    assert _imported(db) == [item.id for item in feedback]


def test_what_a_forgotten_person_wrote_is_not_imported_again(db: Database) -> None:
    feed = FeedbackFeed(items(3, user="usr_gone") + items(5, user="usr_kept")[3:])
    ctx = _ctx(db, feed)
    with db.write() as session:
        # As the purge of a completed account erasure leaves it (services.person_purge).
        suppress(session, account_id="usr_gone", contacts=[], request_id=None, at=NOW)
    assert asyncio.run(sync_feedback(ctx, page_size=500)).imported == 2
    assert _imported(db) == ["fb_000003", "fb_000004"]
