"""The queue table's rows: `widgets.VirtualTable`'s page-source protocol over `services.queues.page`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from rich.text import Text

from lifer_desk.domain.queues import PageKey, QueueFilter, QueueName, SortKey
from lifer_desk.domain.tickets import Category, Priority, TicketStatus
from lifer_desk.i18n import N_, _
from lifer_desk.services import queues
from lifer_desk.services.context import DeskContext
from lifer_desk.services.queues import QueueQuery
from lifer_desk.services.ticket_views import TicketRow
from lifer_desk.ui.desk_table import DeskTable
from lifer_desk.ui.text.cells import countdown, customer_line, day_or_time, day_time_cells, paused_countdown, short_time
from lifer_desk.ui.text.labels import category_label, priority_label, status_label
from widgets.columns import Column
from widgets.page_source import Row
from widgets.virtual_table import VirtualTable

# The countdown column: "-2d13h", and a Chinese countdown shortened to fit (`cells.countdown`).
SLA_CELLS = 7

# Four-cell abbreviations for the narrower column sets; the full labels are in the ticket view.
_SHORT_PRIORITY = {
    Priority.URGENT: N_("urg"),
    Priority.HIGH: N_("high"),
    Priority.NORMAL: N_("norm"),
    Priority.LOW: N_("low"),
}
_SHORT_STATUS = {
    TicketStatus.NEW: N_("new"),
    TicketStatus.OPEN: N_("open"),
    TicketStatus.PENDING_CUSTOMER: N_("pend"),
    TicketStatus.RESOLVED: N_("done"),
    TicketStatus.CLOSED: N_("shut"),
}
_SHORT_CATEGORY = {
    Category.ACCOUNT_RECOVERY: N_("recv"),
    Category.DELETION: N_("del"),
    Category.CORRECTION: N_("corr"),
    Category.MINOR_DATA: N_("minr"),
    Category.IMAGE_DELETION: N_("img"),
    Category.PAYMENT: N_("pay"),
    Category.PRIVACY_QUESTION: N_("priv"),
    Category.COMPLAINT: N_("cmpl"),
    Category.FEEDBACK: N_("fdbk"),
    Category.OTHER: N_("othr"),
}


class Cell(IntEnum):
    """The cells of every queue row, in order: the wide set's, then the narrow set's abbreviations."""

    ID = 0
    PRIORITY = 1
    DUE = 2
    STATUS = 3
    SUBJECT = 4
    REQUESTER = 5
    ASSIGNEE = 6
    CATEGORY = 7
    UPDATED = 8
    PRIORITY_SHORT = 9
    STATUS_SHORT = 10
    UPDATED_SHORT = 11
    CATEGORY_SHORT = 12


def queue_columns() -> tuple[Column, ...]:
    """Every column of the issue, for a terminal of about 135 cells and more."""
    # Sortable columns carry a SortKey value as their key; the database does the sorting.
    return (
        Column(SortKey.ID.value, "#", width=7, justify="right", sortable=True, cell=Cell.ID),
        Column(SortKey.PRIORITY.value, _("Pri"), width=6, sortable=True, cell=Cell.PRIORITY),
        Column(SortKey.DUE.value, _("SLA"), width=SLA_CELLS, justify="right", sortable=True, cell=Cell.DUE),
        Column("status", _("Status"), width=8, cell=Cell.STATUS),
        # At least 30 cells, or the abbreviated set is used: at 120 columns this set left the subject 17.
        Column("subject", _("Subject"), min_width=30, ratio=3, cell=Cell.SUBJECT),
        Column("requester", _("Requester"), width=14, cell=Cell.REQUESTER),
        Column("assignee", _("Agent"), width=8, cell=Cell.ASSIGNEE),
        Column("category", _("Category"), width=10, cell=Cell.CATEGORY),
        Column(SortKey.UPDATED.value, _("Updated"), width=day_time_cells(), sortable=True, cell=Cell.UPDATED),
    )


def compact_queue_columns() -> tuple[Column, ...]:
    """Every column, abbreviated: an 80-cell table (the queue list hidden, or a terminal of about 100)."""
    return (
        Column(SortKey.ID.value, "#", width=7, justify="right", sortable=True, cell=Cell.ID),
        Column(SortKey.PRIORITY.value, _("Pr"), width=4, sortable=True, cell=Cell.PRIORITY_SHORT),
        Column(SortKey.DUE.value, _("SLA"), width=SLA_CELLS, justify="right", sortable=True, cell=Cell.DUE),
        Column("status", _("St"), width=4, cell=Cell.STATUS_SHORT),
        Column("category", _("Cat"), width=4, cell=Cell.CATEGORY_SHORT),
        Column("subject", _("Subject"), min_width=12, cell=Cell.SUBJECT),
        Column("requester", _("Requester"), width=11, cell=Cell.REQUESTER),
        Column("assignee", _("Agent"), width=7, cell=Cell.ASSIGNEE),
        Column(SortKey.UPDATED.value, _("Upd"), width=5, sortable=True, cell=Cell.UPDATED_SHORT),
    )


def narrow_queue_columns() -> tuple[Column, ...]:
    """The columns beside the queue list on an 80-cell terminal: abbreviated, without agent and category.

    Those two are the least telling in a queue list (most queues already fix one or the other: My open,
    Unassigned, Deletion...) and the ticket view's header shows both, so the subject keeps its room. Hiding
    the queue list brings them back (`compact_queue_columns`).
    """
    return tuple(column for column in compact_queue_columns() if column.key not in ("category", "assignee"))


def columns_for(table_width: int) -> tuple[Column, ...]:
    """The richest column set that shows whole in a table `table_width` cells wide."""
    for columns in (queue_columns(), compact_queue_columns()):
        if VirtualTable.width_for(columns) <= table_width:
            return columns
    return narrow_queue_columns()


@dataclass(frozen=True)
class QueueView:
    """What the table shows: a queue, its search and filters. A new view means a new source."""

    queue: QueueName = QueueName.MY_OPEN
    search: str = ""
    filters: QueueFilter = field(default_factory=QueueFilter)


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

    def _query(self) -> QueueQuery:
        return queues.queue_query(
            self._ctx,
            self.view.queue,
            sort=self.sort,
            descending=self.descending,
            search=self.view.search,
            filters=self.view.filters,
        )

    def _page(
        self, limit: int, *, after: PageKey | None = None, before: PageKey | None = None, last: bool = False
    ) -> list[Row]:
        query = self._query()
        now = self._ctx.clock()
        return [
            self._row(key, ticket, now)
            for key, ticket in queues.page(self._ctx, query, limit=limit, after=after, before=before, last=last)
        ]

    def _row(self, key: PageKey, ticket: TicketRow, now: datetime) -> Row:
        zone = self._ctx.settings.timezone
        cells = (
            Text(str(ticket.id)),
            Text(priority_label(ticket.priority)),
            paused_countdown() if ticket.sla_paused else countdown(ticket.resolution_due, now, SLA_CELLS),
            Text(status_label(ticket.status)),
            customer_line(ticket.subject),
            customer_line(ticket.requester_masked),
            Text(ticket.assignee or "—"),
            Text(category_label(ticket.category)),
            Text(short_time(ticket.updated_at, now, zone)),
            Text(_(_SHORT_PRIORITY[Priority(ticket.priority)])),
            Text(_(_SHORT_STATUS[TicketStatus(ticket.status)])),
            Text(day_or_time(ticket.updated_at, now, zone)),
            Text(_(_SHORT_CATEGORY[Category(ticket.category)])),
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
        """The view's size up to `COUNT_CAP`, as the queue list counts; None past it ("9,999+"), since a wrong
        total would misplace every row after End."""
        total = queues.capped_total(self._ctx, self._query(), queues.COUNT_CAP)
        return total if total <= queues.COUNT_CAP else None


class QueueTable(DeskTable):
    """The ticket table: a view too big to count says so, "row 12 of 9,999+" (`QueueSource.estimate_count`)."""

    def format_total(self, total: int | None) -> str | None:
        return f"{queues.COUNT_CAP:,}+" if total is None else f"{total:,}"
