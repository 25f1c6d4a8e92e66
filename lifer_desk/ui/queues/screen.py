"""Queues mode: the queue list with live counts, and the ticket table with search, filters and sorting."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, Static

from lifer_desk.domain.queues import QueueFilter, QueueName, SortKey
from lifer_desk.domain.sla import countdown_minute
from lifer_desk.i18n import N_, _
from lifer_desk.services import queues
from lifer_desk.services.errors import Refused
from lifer_desk.services.ticket_views import TicketDetail
from lifer_desk.ui.desk_screen import desk
from lifer_desk.ui.queue_table_screen import QueueTableScreen
from lifer_desk.ui.queues.create_ticket import CreateTicketDialog
from lifer_desk.ui.queues.filter_dialog import FilterDialog
from lifer_desk.ui.queues.queue_list import QueueList, count_label
from lifer_desk.ui.queues.source import QueueSource, QueueTable, QueueView, columns_for, queue_columns
from lifer_desk.ui.search_as_you_type import SearchAsYouType
from lifer_desk.ui.still_inputs import StillInput
from lifer_desk.ui.text.labels import category_label, priority_label, status_label
from widgets.columns import Column
from widgets.table_messages import RowSelected
from widgets.virtual_table import VirtualTable

POLL_EVERY = 1.0
SORT_ORDER = (SortKey.DUE, SortKey.PRIORITY, SortKey.UPDATED, SortKey.ID)
# Below this many cells the queue list narrows and the table drops to a narrower column set.
WIDE_LAYOUT_MIN = QueueList.width_for(narrow=False) + VirtualTable.width_for(queue_columns())


def filters_text(filters: QueueFilter) -> str:
    shown = [
        (_("status"), filters.status and status_label(filters.status)),
        (_("category"), filters.category and category_label(filters.category)),
        (_("priority"), filters.priority and priority_label(filters.priority)),
        (_("assignee"), _("unassigned") if filters.unassigned else filters.assignee),
    ]
    return " · ".join(f"{name}={value}" for name, value in shown if value)


class QueuesScreen(QueueTableScreen, SearchAsYouType):
    TABLE_ID = "tickets"
    TABLE_CLASS = QueueTable
    WIDE_LAYOUT_MIN = WIDE_LAYOUT_MIN
    POLL_EVERY = POLL_EVERY
    # Names this mode's commands in the palette ("queues: Search").
    PALETTE_NAME: ClassVar[str] = N_("queues")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", N_("Search"), id="queues.search"),
        Binding("f", "filters", N_("Filter"), id="queues.filters"),
        Binding("o", "sort", N_("Sort"), id="queues.sort"),
        Binding("O", "reverse", N_("Reverse"), show=False, id="queues.reverse"),
        Binding("n", "next_ticket", N_("Next unclaimed"), id="queues.next"),
        Binding("N", "create_ticket", N_("New ticket"), show=False, id="queues.create"),
        # Priority, so that the focus moves as the key arrives: keys typed just after it (fast, or bunched up by
        # SSH) then go to the pane it moved to, not into the search box (see `DeskModal`).
        Binding("tab", "switch_pane", N_("Queues/tickets"), show=False, priority=True, id="queues.switch_pane"),
        Binding("b", "toggle_queue_list", N_("Hide/show queue list"), show=False, id="queues.toggle_list"),
        Binding("escape", "clear_search", N_("Clear search"), show=False, id="queues.clear_search"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = QueueView()
        self._sort_before_search: tuple[str, bool] | None = None

    @property
    def title_text(self) -> str:
        return _("Queues")

    def queue_names(self) -> tuple[QueueName, ...]:
        return tuple(QueueName)

    def read_counts(self) -> dict[QueueName, int]:
        """The queues' capped counts."""
        return queues.counts(self.ctx)

    def compose_above_table(self) -> Iterable[Widget]:
        yield StillInput(placeholder=_("/ search: words, 中文, #123, email"), id="search")

    def table_source(self) -> QueueSource:
        return QueueSource(self.ctx, self.view)

    def empty_message(self) -> str:
        return _("No tickets here")

    def table_columns(self, width: int) -> tuple[Column, ...]:
        return columns_for(width)

    # Workers ----------------------------------------------------------------------------------------------

    def read_marker(self) -> tuple[datetime | None, datetime]:
        """The latest ticket change (here or by another agent) and the minute: countdowns move with the clock,
        so a new minute is a change too; anything else is idle (no bytes)."""
        return queues.changed_since(self.ctx), countdown_minute(self.ctx.clock())

    def clock_marker(self) -> datetime:
        return countdown_minute(self.ctx.clock())

    # Handlers ---------------------------------------------------------------------------------------------

    def show_counts(self, counts: dict[Any, int]) -> None:
        queue_list = self.query_one(QueueList)
        shown = queue_list.counts.get(self.view.queue)
        queue_list.show_counts(counts)
        if not queue_list.display and counts.get(self.view.queue) != shown:
            # Only a moved count is redrawn: the counts reload every minute, and idle means no bytes.
            self._describe_view()

    def choose_queue(self, queue_id: str) -> None:
        queue = QueueName(queue_id)
        if queue != self.view.queue:
            self._show_view(QueueView(queue, self.view.search, self.view.filters))

    @on(VirtualTable.RowSelected, "#tickets")
    def _open(self, event: RowSelected) -> None:
        desk(self).open_ticket(int(event.row_id))  # type: ignore[call-overload]  # rows are keyed by ticket id

    def search_table(self) -> VirtualTable:
        return self.table

    def run_search(self, text: str) -> None:
        try:
            text = queues.check_search(text)
        except Refused as refusal:
            # Said where it was typed; the table and its label stay on the last search that ran.
            self._describe_view(refusal=str(refusal))
            return
        if text != self.view.search:
            self._show_view(QueueView(self.view.queue, text, self.view.filters))

    def _show_view(self, view: QueueView) -> None:
        # Search results come newest first: on a million tickets that order lets the full-text index
        # stop at the first page, where any other order must rank every match. The agent's own order
        # comes back when the search is cleared, and can still be changed while searching.
        sort: tuple[str, bool] | None = None
        if view.search and not self.view.search:
            self._sort_before_search = self.table.sort
            sort = (SortKey.ID.value, True)
        elif self.view.search and not view.search:
            sort = self._sort_before_search or (SortKey.DUE.value, False)
        self.view = view
        self.table.set_source(QueueSource(self.ctx, view), keep_sort=True, sort=sort)
        self._describe_view()

    def _describe_view(self, refusal: str | None = None) -> None:
        queue_list = self.query_one(QueueList)
        label = self.view.queue.label
        if not queue_list.display:
            # The hidden list's count for this queue moves here.
            label = f"{label} ({count_label(queue_list.counts.get(self.view.queue))})"
        parts = [label]
        if self.view.search:
            parts.append(_("search: {text}").format(text=self.view.search))
        if not self.view.filters.empty:
            parts.append(filters_text(self.view.filters))
        # The search text is the agent's own typing, yet still shown as plain text, never markup.
        line = Text(" · ".join(parts), style="dim", no_wrap=True)
        if refusal is not None:
            # First, so that the one line of a narrow table pane shows the refusal whole.
            line = Text.assemble((refusal, "bold yellow"), " · ", line, no_wrap=True)
        self.query_one("#view-line", Static).update(line)

    # Actions ----------------------------------------------------------------------------------------------

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear_search(self) -> None:
        """Escape, from the search box or the table: the search ends and the table shows the whole view."""
        search = self.query_one("#search", Input)
        if search.value or self.view.search:
            if self._debounce is not None:
                self._debounce.stop()
            search.value = ""
            self.run_search("")
        self.table.focus()

    def action_filters(self) -> None:
        def chosen(filters: QueueFilter | None) -> None:
            if filters is not None:
                self._show_view(QueueView(self.view.queue, self.view.search, filters))

        self.app.push_screen(FilterDialog(self.view.filters), chosen)

    def action_sort(self) -> None:
        current = self.table.sort
        index = SORT_ORDER.index(SortKey(current[0])) + 1 if current else 1
        self.table.sort_by(SORT_ORDER[index % len(SORT_ORDER)], descending=False)

    def action_reverse(self) -> None:
        current = self.table.sort or (SortKey.DUE.value, False)
        self.table.sort_by(current[0], descending=not current[1])

    def action_next_ticket(self) -> None:
        desk(self).open_next_ticket()

    def action_create_ticket(self) -> None:
        def created(detail: TicketDetail | None) -> None:
            if detail is not None:
                desk(self).open_ticket(detail.id)

        self.app.push_screen(CreateTicketDialog(), created)

    def action_switch_pane(self) -> None:
        # `set_focus` moves the focus now; `Widget.focus` would only ask for it, after the keys already waiting.
        queue_list = self.query_one(QueueList)
        if queue_list.has_focus:
            self.set_focus(self.table)
        else:
            if not queue_list.display:
                self.action_toggle_queue_list()
            self.set_focus(queue_list)

    def action_toggle_queue_list(self) -> None:
        queue_list = self.query_one(QueueList)
        queue_list.display = not queue_list.display
        if not queue_list.display:
            self.table.focus()
        self.lay_out(self.app.size.width)
        self._describe_view()
