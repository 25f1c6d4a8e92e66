"""The requests table's rows: `widgets.VirtualTable`'s page-source protocol over `services.request_queues.page`."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum

from rich.text import Text

from lifer_desk.i18n import _
from lifer_desk.services import request_queues
from lifer_desk.services.context import DeskContext
from lifer_desk.services.request_queues import RequestKey, RequestQueue
from lifer_desk.services.request_views import RequestView
from lifer_desk.ui.requests.parts import (
    OVERDUE_MARK,
    account_cell,
    age_text,
    clocks_running,
    days_cells,
    days_left,
    overdue,
    state_text,
    what_text,
)
from widgets.columns import Column
from widgets.page_source import Row
from widgets.virtual_table import VirtualTable


class Cell(IntEnum):
    ID = 0
    STATE = 1
    WHAT = 2
    ACCOUNT = 3
    TICKET = 4
    RAISED_BY = 5
    AGE = 6
    REPLY_DUE = 7
    DELETE_DUE = 8


def request_columns() -> tuple[Column, ...]:
    """Every column, for a terminal of about 100 cells and more."""
    return (
        Column("id", "#", width=5, justify="right", cell=Cell.ID),
        Column("state", _("State"), width=9, cell=Cell.STATE),
        Column("what", _("Request"), min_width=14, cell=Cell.WHAT),
        Column("account", _("Account"), width=7, cell=Cell.ACCOUNT),
        Column("ticket", _("Ticket"), width=6, justify="right", cell=Cell.TICKET),
        Column("raised_by", _("Raised by"), width=9, cell=Cell.RAISED_BY),
        Column("age", _("Age"), width=4, justify="right", cell=Cell.AGE),
        Column("reply_due", _("30d"), width=days_cells(), justify="right", cell=Cell.REPLY_DUE),
        Column("delete_due", _("15wd"), width=days_cells(), justify="right", cell=Cell.DELETE_DUE),
    )


def narrow_request_columns() -> tuple[Column, ...]:
    """Beside the queue list at 80 cells: narrower and abbreviated, without the age (the detail view dates
    every step)."""
    return (
        Column("id", "#", width=4, justify="right", cell=Cell.ID),
        Column("state", _("State"), width=8, cell=Cell.STATE),
        Column("what", _("Request"), min_width=10, cell=Cell.WHAT),
        Column("account", _("Acct"), width=6, cell=Cell.ACCOUNT),
        Column("ticket", _("Tkt"), width=5, justify="right", cell=Cell.TICKET),
        Column("raised_by", _("By"), width=6, cell=Cell.RAISED_BY),
        Column("reply_due", _("30d"), width=days_cells(), justify="right", cell=Cell.REPLY_DUE),
        Column("delete_due", _("15wd"), width=days_cells(), justify="right", cell=Cell.DELETE_DUE),
    )


def columns_for(table_width: int) -> tuple[Column, ...]:
    columns = request_columns()
    return columns if VirtualTable.width_for(columns) <= table_width else narrow_request_columns()


class RequestSource:
    """Pages of one request queue, nearest deadline first; called from the table's worker thread."""

    def __init__(self, ctx: DeskContext, queue: RequestQueue) -> None:
        self._ctx = ctx
        self.queue = queue

    def _page(
        self, limit: int, *, after: RequestKey | None = None, before: RequestKey | None = None, last: bool = False
    ) -> list[Row]:
        now = self._ctx.clock()
        found = request_queues.page(self._ctx, self.queue, limit=limit, after=after, before=before, last=last)
        return [self._row(key, request, now) for key, request in found]

    def _row(self, key: RequestKey, request: RequestView, now: datetime) -> Row:
        running = clocks_running(request)
        late = overdue(request, now)
        state = state_text(request.state)
        if late:
            # Said in the text as well as the style, so that it reads under NO_COLOR.
            state = Text.assemble((OVERDUE_MARK, "bold red reverse"), state, end="")
        cells = (
            Text(str(request.id), style="bold" if late else "", end=""),
            state,
            what_text(request),
            account_cell(request.account_id),
            Text(f"#{request.ticket_id}" if request.ticket_id is not None else "—", end=""),
            Text(request.requested_by, end=""),
            age_text(request.created_at, now),
            days_left(request.due_calendar, now, running=running),
            days_left(request.due_working, now, running=running),
        )
        return Row(request.id, key, cells)

    def first_page(self, limit: int) -> list[Row]:
        return self._page(limit)

    def last_page(self, limit: int) -> list[Row]:
        return self._page(limit, last=True)

    def page_after(self, key: RequestKey, limit: int) -> list[Row]:
        return self._page(limit, after=key)

    def page_before(self, key: RequestKey, limit: int) -> list[Row]:
        return self._page(limit, before=key)

    def estimate_count(self) -> int | None:
        # The queue list shows each queue's count.
        return None
