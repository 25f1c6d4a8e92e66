"""Requests mode (key 3): the queues by state with their counts, and the table of requests, nearest legal
deadline first; enter opens a request's detail, where a supervisor approves or rejects it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from lifer_desk.i18n import N_, _, format_clock
from lifer_desk.services import outbox, request_queues
from lifer_desk.services.outbox import DeliveryHealth
from lifer_desk.services.request_queues import RequestQueue
from lifer_desk.ui.queue_table_screen import QueueTableScreen
from lifer_desk.ui.queues.queue_list import QueueList
from lifer_desk.ui.requests.detail import RequestDetailScreen
from lifer_desk.ui.requests.parts import POLL_EVERY
from lifer_desk.ui.requests.source import RequestSource, columns_for, request_columns
from widgets.columns import Column
from widgets.table_messages import RowSelected
from widgets.virtual_table import VirtualTable

# How often the status line asks how delivery goes: a failing admin API is said within this many seconds.
HEALTH_EVERY = 5.0
WIDE_LAYOUT_MIN = QueueList.width_for(narrow=False) + VirtualTable.width_for(request_columns())

Marker = tuple[datetime | None, int]


class RequestsScreen(QueueTableScreen):
    TABLE_ID = "requests"
    WIDE_LAYOUT_MIN = WIDE_LAYOUT_MIN
    POLL_EVERY = POLL_EVERY
    DEFAULT_CSS = """
    #requests-status {
        height: 1;
        padding: 0 1;
        &.-empty { display: none; }
    }
    """
    PALETTE_NAME: ClassVar[str] = N_("requests")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "switch_pane", N_("Queues/requests"), show=False, id="requests.switch_pane"),
    ]

    class HealthLoaded(Message):
        def __init__(self, health: DeliveryHealth) -> None:
            super().__init__()
            self.health = health

    def __init__(self) -> None:
        super().__init__()
        self.queue = RequestQueue.ALL

    @property
    def title_text(self) -> str:
        return _("Requests")

    def queue_names(self) -> tuple[RequestQueue, ...]:
        return tuple(RequestQueue)

    def read_counts(self) -> dict[RequestQueue, int]:
        return request_queues.counts(self.ctx)

    def compose_above_table(self) -> Iterable[Widget]:
        # The one status line of the mode (the deliverer's "admin API failing since HH:MM"), empty and hidden
        # until something is said there.
        yield Static("", id="requests-status", classes="-empty", markup=False)

    def table_source(self) -> RequestSource:
        return RequestSource(self.ctx, self.queue)

    def empty_message(self) -> str:
        return _("No requests here")

    def table_columns(self, width: int) -> tuple[Column, ...]:
        return columns_for(width)

    def on_mount(self) -> None:
        super().on_mount()
        self.check_delivery()
        self.set_interval(HEALTH_EVERY, self.check_delivery)

    # Workers ----------------------------------------------------------------------------------------------

    def read_marker(self) -> tuple[Marker, str]:
        """The requests' change marker and today's date (the days left move with it)."""
        return request_queues.changed_since(self.ctx), self.clock_marker()

    def clock_marker(self) -> str:
        return self.ctx.clock().astimezone(self.ctx.settings.timezone).date().isoformat()

    @work(thread=True, exclusive=True, exit_on_error=False, group="requests-health")
    def check_delivery(self) -> None:
        """What the health timer runs: read how delivery to the admin API goes, for the status line."""
        self.post_message(self.HealthLoaded(outbox.delivery_health(self.ctx)))

    # Handlers ---------------------------------------------------------------------------------------------

    @on(HealthLoaded)
    def _show_health(self, message: HealthLoaded) -> None:
        status = self.query_one("#requests-status", Static)
        failing = message.health.failing_since
        if failing is None:
            status.update("")
        else:
            since = format_clock(failing, self.ctx.settings.timezone)
            line = Text(_("⚠ admin API failing since {at}").format(at=since), style="bold reverse", end="")
            line.append(_(" · {n:,} waiting; work resumes by itself").format(n=message.health.pending))
            status.update(line)
        status.set_class(failing is None, "-empty")

    def choose_queue(self, queue_id: str) -> None:
        queue = RequestQueue(queue_id)
        if queue is not self.queue:
            self.queue = queue
            self.table.set_source(RequestSource(self.ctx, queue))
            self._describe_view()

    @on(VirtualTable.RowSelected, "#requests")
    def _open(self, event: RowSelected) -> None:
        self.app.push_screen(RequestDetailScreen(int(event.row_id)))  # type: ignore[call-overload]  # rows are keyed by request id

    def _describe_view(self) -> None:
        line = Text(self.queue.label, style="dim", no_wrap=True)
        line.append(_(" · nearest legal deadline first · enter opens"))
        self.query_one("#view-line", Static).update(line)

    # Actions ----------------------------------------------------------------------------------------------

    def action_switch_pane(self) -> None:
        queue_list = self.query_one(QueueList)
        if queue_list.has_focus:
            self.table.focus()
        else:
            queue_list.focus()
