"""Feedback sync: import new items from the admin API, a page per transaction, from the stored cursor.

Resumable: a page's items and the cursor after it commit together, so a sync killed at any point resumes at the
last committed page, and items are keyed by their external id, so nothing is imported twice. Any number of desks
may sync at once: the cursor moves by compare-and-set (store.feedback_sync), and a desk that lost the race on a
page reads the cursor again and goes on from there. An outage is recorded on the cursor row (since when), for
Feedback mode to say; the admin client already retries each call, and the desks' timers retry the sync.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from lifer_desk.admin_api import AdminApi, AdminApiError, FeedbackItem, FeedbackPage, Unavailable
from lifer_desk.domain.text_safety import storable
from lifer_desk.i18n import _
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import SyncFailed
from lifer_desk.services.suppression import account_digests, forgotten_accounts, suppression_key
from lifer_desk.services.writing import writing
from lifer_desk.store import feedback as store
from lifer_desk.store import feedback_sync as cursors
from lifer_desk.store.feedback import ImportRow
from lifer_desk.store.feedback_sync import FEEDBACK_CURSOR

# The admin API's largest page: fewest round trips for a large backlog.
PAGE_SIZE = 500
# The most items one transaction writes: pages that arrived while the last batch was written are written
# together. Each commit rewrites every page of the random-order indexes (external id, account) that its items
# touched, whether one item or ten touched it: at 500,000 items SQLite's work per item was 50 us in
# transactions of 2,000 (18 of them committing) and 36 us in transactions of 10,000 (6 committing). Another
# desk's write waits for the lock for at most about half a second during a large first sync.
BATCH_ITEMS = 10_000
# What the admin API accepts back as `after` (64 characters, URL-safe): anything else would be refused on the
# next call, so it is refused before it is stored.
_CURSOR = re.compile(r"[A-Za-z0-9._~=-]{1,64}")
MAX_VERSION = 32
MAX_PLATFORM = 16


@dataclass(frozen=True)
class SyncProgress:
    imported: int
    pages: int
    # About how many items are still to come, when the admin API says.
    remaining: int | None


@dataclass(frozen=True)
class SyncResult:
    imported: int
    pages: int


@dataclass(frozen=True)
class SyncStatus:
    """What Feedback mode says about the sync: when it last reached the admin API, and since when it fails."""

    last_synced: datetime | None
    failing_since: datetime | None


@dataclass(frozen=True)
class Import:
    """Fetched items as the desk imports them, built outside any transaction (`to_import`), and which of them
    `kept` keeps, decided in the transaction that writes them."""

    rows: list[ImportRow]
    # digest -> account id, of every account among the rows (services.suppression.account_digests).
    accounts: dict[str, str]

    @staticmethod
    def joined(imports: Sequence[Import]) -> Import:
        if len(imports) == 1:
            return imports[0]
        return Import(
            [row for part in imports for row in part.rows],
            {digest: account for part in imports for digest, account in part.accounts.items()},
        )

    def kept(self, session: Session) -> list[ImportRow]:
        """All but what a person the desk forgot wrote (an erased account): their accounts checked in one read, in
        the transaction that writes the rows, so that an erasure that completed after the fetching still counts."""
        forgotten = forgotten_accounts(session, self.accounts)
        return [row for row in self.rows if row.account_id not in forgotten] if forgotten else self.rows


def to_import(items: Sequence[FeedbackItem], key: bytes, sqlite: bool) -> Import:
    """The one place that decides what the items of a page fetched are imported as; a rule about which items the
    desk keeps belongs in `Import.kept`.

    Pure, and run in a thread of its own while the previous pages are written: tokenising, converting and
    hashing a page would otherwise hold the GIL in the writer, between its statements, and (on the desk's event
    loop) hold up the screen. `key` is the suppression key (services.suppression.suppression_key).
    """
    rows = [
        store.import_row(
            sqlite,
            external_id=item.id,
            channel=item.channel,
            account_id=item.user_id,
            body=storable(item.text),
            submitted_at=item.submitted_at,
            app_version=storable(item.app_version)[:MAX_VERSION] if item.app_version else None,
            platform=storable(item.platform)[:MAX_PLATFORM] if item.platform else None,
        )
        for item in items
    ]
    return Import(rows, account_digests(key, (item.user_id for item in items if item.user_id)))


def _checked_cursor(page: FeedbackPage, after: str | None) -> str | None:
    cursor = page.next_cursor
    if cursor is None:
        if page.items or page.has_more:
            raise SyncFailed(_("The admin API sent feedback without a cursor to continue from; nothing was imported."))
        return after
    if not _CURSOR.fullmatch(cursor):
        raise SyncFailed(_("The admin API sent a malformed feedback cursor; nothing of that page was imported."))
    if page.has_more and not page.items:
        raise SyncFailed(_("The admin API sent an empty page that claims more follow; the sync stopped there."))
    return cursor


def _commit(ctx: DeskContext, after: str | None, imports: Sequence[Import], cursor: str | None) -> int | None:
    """Write the items of pages fetched one after another from `after`, and move the cursor past the last of them
    (`cursor`), in one transaction; None (nothing written) when another desk had moved the cursor first."""
    now = ctx.clock()
    with writing(ctx) as session, store.import_cache(session):
        if not cursors.advance(session, FEEDBACK_CURSOR, after, cursor, now):
            return None
        # The pages' items together: one check for forgotten people per transaction rather than per page.
        return store.insert_items(session, Import.joined(imports).kept(session), now)


def _start(ctx: DeskContext) -> tuple[str | None, bytes]:
    """Where the sync starts, and the suppression key its pages are checked with."""
    with ctx.db.read() as session:
        state = cursors.read_cursor(session, FEEDBACK_CURSOR)
        if state is not None:
            # Read, not written: a write would make every other open desk read its screen again.
            return state.cursor, suppression_key(session)
    with writing(ctx) as session:
        cursors.ensure_cursor(session, FEEDBACK_CURSOR, ctx.clock())
        state = cursors.read_cursor(session, FEEDBACK_CURSOR)
        assert state is not None  # ensured just above
        return state.cursor, suppression_key(session)


def _current(ctx: DeskContext) -> str | None:
    with ctx.db.read() as session:
        state = cursors.read_cursor(session, FEEDBACK_CURSOR)
        return state.cursor if state is not None else None


def _failing(ctx: DeskContext) -> None:
    with writing(ctx) as session:
        cursors.mark_failing(session, FEEDBACK_CURSOR, ctx.clock())


def _checked(ctx: DeskContext) -> None:
    with writing(ctx) as session:
        cursors.mark_checked(session, FEEDBACK_CURSOR, ctx.clock())


async def _fetch(ctx: DeskContext, api: AdminApi, after: str | None, page_size: int) -> FeedbackPage:
    try:
        return await api.list_feedback(after=after, limit=page_size)
    except Unavailable:
        await asyncio.to_thread(_failing, ctx)
        raise
    except AdminApiError as refused:
        if refused.status == 422:
            raise SyncFailed(
                _("The admin API refused the stored feedback cursor ({detail}); the sync stopped.").format(
                    detail=refused.detail or refused.title
                )
            ) from None
        raise


@dataclass(frozen=True)
class _Fetched:
    page: FeedbackPage
    # Where the page ends: the cursor to store once it is written.
    cursor: str | None
    # The page's items made ready to write (`to_import`), while the next page is fetched.
    items: asyncio.Future[Import]


_Queue = asyncio.Queue[_Fetched | Exception]


async def _fetch_from(
    ctx: DeskContext, api: AdminApi, after: str | None, page_size: int, key: bytes, queue: _Queue
) -> None:
    """Fetch page after page from `after` into `queue`, up to the last page or the first error, which is queued
    too: the writer raises it once it has written the pages before it. Each page's items are made ready to write
    in a thread while the next page is fetched, so that the admin API serves it meanwhile."""
    while True:
        try:
            page = await _fetch(ctx, api, after, page_size)
            cursor = _checked_cursor(page, after)
            ready = asyncio.ensure_future(asyncio.to_thread(to_import, page.items, key, ctx.db.is_sqlite))
            fetched = _Fetched(page, cursor, ready)
        except Exception as failed:
            await queue.put(failed)
            return
        await queue.put(fetched)
        if not page.has_more:
            return
        after = fetched.cursor


async def _next_batch(queue: _Queue, most: int) -> tuple[list[_Fetched], Exception | None]:
    """The next page, with those that arrived while the last batch was written (up to `most` pages), and the
    error that ended the fetching, if it came among them."""
    batch: list[_Fetched] = []
    while len(batch) < most and (not batch or not queue.empty()):
        fetched = await queue.get()
        if isinstance(fetched, Exception):
            return batch, fetched
        batch.append(fetched)
    return batch, None


async def sync_feedback(
    ctx: DeskContext,
    *,
    page_size: int = PAGE_SIZE,
    progress: Callable[[SyncProgress], object] | None = None,
) -> SyncResult:
    """Import every item after the stored cursor; raises the admin API's error (recorded as an outage when it is
    one) or SyncFailed, leaving every committed page in place.

    Pages are fetched while earlier ones are written, so a large backlog waits on the slower of the two rather
    than on both, and the pages that arrived during one write are written together in the next transaction.
    """
    api = await ctx.admin.get()
    most = max(BATCH_ITEMS // page_size, 1)

    def fetch_from(after: str | None) -> tuple[asyncio.Task[None], _Queue]:
        queue: _Queue = asyncio.Queue(maxsize=most)
        return asyncio.create_task(_fetch_from(ctx, api, after, page_size, key, queue)), queue

    after, key = await asyncio.to_thread(_start, ctx)
    imported = pages = 0
    fetching, queue = fetch_from(after)
    try:
        while True:
            batch, failed = await _next_batch(queue, most)
            # Nothing new leaves the cursor as it is: the check at the end, that the feed answered, is the only write.
            if batch and (batch[-1].cursor != after or any(fetched.page.items for fetched in batch)):
                cursor, imports = batch[-1].cursor, [await fetched.items for fetched in batch]
                added = await asyncio.to_thread(_commit, ctx, after, imports, cursor)
                if added is None:
                    # Another desk imported these pages first: carry on from wherever it got to.
                    fetching.cancel()
                    after = await asyncio.to_thread(_current, ctx)
                    fetching, queue = fetch_from(after)
                    continue
                imported, pages, after = imported + added, pages + len(batch), cursor
                if progress is not None:
                    progress(SyncProgress(imported, pages, batch[-1].page.remaining))
            if failed is not None:
                raise failed
            if not batch[-1].page.has_more:
                break
    finally:
        fetching.cancel()
    await asyncio.to_thread(_checked, ctx)
    return SyncResult(imported, pages)


def _due(ctx: DeskContext) -> bool:
    with ctx.db.read() as session:
        state = cursors.read_cursor(session, FEEDBACK_CURSOR)
    if state is None or state.checked_at is None or state.failing_since is not None:
        return True
    # Half an interval: a desk whose timer fires just before another desk's check ends still leaves the next
    # one to whichever desk comes first after it, so new feedback waits at most one and a half intervals.
    return ctx.clock() - state.checked_at >= timedelta(seconds=ctx.settings.feedback_sync_seconds / 2)


async def sync_if_due(ctx: DeskContext) -> SyncResult | None:
    """What each desk's feedback timer runs: a sync, unless a desk checked the feed within half an interval and
    found it answering (None then). Every desk runs the timer, and one check an interval between them is enough:
    each check commits, and every commit makes every other open desk read its screen again."""
    if not await asyncio.to_thread(_due, ctx):
        # Opened all the same, on the desk's first run of the timer: the next sync needs it, and opening it (the
        # in-process sandbox loads its web app, a real client httpx) is start-up work. Left to the next due sync,
        # it cost a quarter of a second of CPU in the desk's first idle minute (issue 16: idle CPU).
        await ctx.admin.get()
        return None
    return await sync_feedback(ctx)


def sync_status(ctx: DeskContext) -> SyncStatus:
    with ctx.db.read() as session:
        state = cursors.read_cursor(session, FEEDBACK_CURSOR)
    if state is None:
        return SyncStatus(None, None)
    return SyncStatus(state.checked_at, state.failing_since)
