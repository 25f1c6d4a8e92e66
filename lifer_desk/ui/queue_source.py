"""The queue table's rows: `widgets.VirtualTable`'s page-source protocol over `services.queues.page`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from rich.text import Text

from lifer_desk.domain.queues import QueueName, SortKey
from lifer_desk.services import queues
from lifer_desk.services.context import DeskContext
from lifer_desk.services.ticket_views import TicketRow
from lifer_desk.store.queues import PageKey
from lifer_desk.ui.cells import countdown, customer_line, short_time
from lifer_desk.ui.labels import category_label, priority_label, status_label
from widgets.columns import Column
from widgets.page_source import Row


def queue_columns() -> tuple[Column, ...]:
    # Sortable columns carry a SortKey value as their key; the database does the sorting.
    return (
        Column(SortKey.ID.value, "#", width=6, justify="right", sortable=True),
        Column(SortKey.PRIORITY.value, "Pri", width=6, sortable=True),
        Column(SortKey.DUE.value, "SLA", width=7, justify="right", sortable=True),
        Column("status", "Status", width=8),
        Column("subject", "Subject", min_width=16, ratio=3),
        Column("requester", "Requester", width=14),
        Column("assignee", "Agent", width=8),
        Column("category", "Category", width=10),
        Column(SortKey.UPDATED.value, "Updated", width=11, sortable=True),
    )


@dataclass(frozen=True)
class QueueView:
    """What the table shows: a queue, its search and filters. A new view means a new source."""

    queue: QueueName = QueueName.MY_OPEN
    search: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)


class QueueSource:
    """Pages of one queue view, sorted in the database; called from the table's worker thread."""

    def __init__(self, ctx: DeskContext, view: QueueView, sort: SortKey = SortKey.DUE, descending: bool = False):
        self._ctx = ctx
        self.view = view
        self.sort = sort
        self.descending = descending

    def set_sort(self, column: str, descending: bool) -> None:
        self.sort = SortKey(column)
        self.descending = descending

    def _page(self, limit: int, **where: PageKey | bool | None) -> list[Row]:
        query = queues.queue_query(
            self._ctx,
            self.view.queue,
            sort=self.sort,
            descending=self.descending,
            search=self.view.search,
            filters=dict(self.view.filters),
        )
        now = self._ctx.clock()
        return [self._row(key, ticket, now) for key, ticket in queues.page(self._ctx, query, limit=limit, **where)]

    def _row(self, key: PageKey, ticket: TicketRow, now: datetime) -> Row:
        zone = self._ctx.settings.timezone
        cells = (
            Text(str(ticket.id)),
            Text(priority_label(ticket.priority)),
            countdown(ticket.resolution_due, now),
            Text(status_label(ticket.status)),
            customer_line(ticket.subject),
            customer_line(ticket.requester_masked),
            Text(ticket.assignee or "—"),
            Text(category_label(ticket.category)),
            Text(short_time(ticket.updated_at, now, zone)),
        )
        return Row(ticket.id, key, cells)

    def first_page(self, limit: int) -> list[Row]:
        return self._page(limit)

    def last_page(self, limit: int) -> list[Row]:
        return self._page(limit, last=True)

    def page_after(self, key: PageKey, limit: int) -> list[Row]:
        return self._page(limit, after=key)

    def page_before(self, key: PageKey, limit: int) -> list[Row]:
        return self._page(limit, before=key)

    def estimate_count(self) -> int | None:
        # Counting a searched or filtered million-row queue is not free; the queue list shows capped counts.
        return None
