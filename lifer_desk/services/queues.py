"""Queue pages, live counts and change detection for the queues screen."""

from __future__ import annotations

from datetime import datetime

from lifer_desk.domain.queues import PageKey, QueueName
from lifer_desk.services.context import DeskContext
from lifer_desk.services.ticket_views import TicketRow, row_view
from lifer_desk.store import queues as store_queues
from lifer_desk.store.queues import QueueQuery
from lifer_desk.store.tickets import last_change

COUNT_CAP = 9_999


def queue_query(ctx: DeskContext, queue: QueueName, **options: object) -> QueueQuery:
    return QueueQuery(queue=queue, agent=ctx.agent, now=ctx.clock(), **options)  # type: ignore[arg-type]  # QueueQuery checks its own fields


def page(
    ctx: DeskContext,
    query: QueueQuery,
    *,
    limit: int,
    after: PageKey | None = None,
    before: PageKey | None = None,
    last: bool = False,
) -> list[tuple[PageKey, TicketRow]]:
    """Rows with the keyset key of each, so the caller can ask for the page after or before it."""
    with ctx.db.read() as session:
        rows = store_queues.page(session, query, limit=limit, after=after, before=before, last=last)
        return [(store_queues.sort_key(query, row), row_view(row)) for row in rows]


def counts(ctx: DeskContext, cap: int = COUNT_CAP) -> dict[QueueName, int]:
    """Each queue's size, capped: a count above `cap` comes back as `cap + 1` ("9999+")."""
    now = ctx.clock()
    with ctx.db.read() as session:
        return {
            queue: store_queues.capped_count(session, QueueQuery(queue, ctx.agent, now), cap) for queue in QueueName
        }


def changed_since(ctx: DeskContext) -> datetime | None:
    """The latest ticket change; the UI polls it and reloads only when it moves."""
    with ctx.db.read() as session:
        return last_change(session)
