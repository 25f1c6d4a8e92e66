"""Requests mode (key 3): the queues by state with their counts, and the table of requests, nearest legal
deadline first; enter opens a request's detail, where a supervisor approves or rejects it."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, OptionList, Static

from lifer_desk.i18n import N_, _, format_clock
from lifer_desk.services import outbox, request_queues
from lifer_desk.services.outbox import DeliveryHealth
from lifer_desk.services.request_queues import RequestQueue
from lifer_desk.ui.desk_screen import PolledScreen, desk
from lifer_desk.ui.queues.queue_list import QueueList
from lifer_desk.ui.requests.detail import RequestDetailScreen
from lifer_desk.ui.requests.source import RequestSource, columns_for, request_columns
from widgets.table_messages import LoadFailed, RowSelected
from widgets.virtual_table import VirtualTable

POLL_EVERY = 2.0
# How often the status line asks how delivery goes: a failing admin API is said within this many seconds.
HEALTH_EVERY = 5.0
WIDE_LAYOUT_MIN = QueueList.width_for(narrow=False) + VirtualTable.width_for(request_columns())

Marker = tuple[datetime | None, int]


class RequestsScreen(PolledScreen):
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

    class CountsLoaded(Message):
        def __init__(self, counts: dict[RequestQueue, int]) -> None:
            super().__init__()
            self.counts = counts

    def __init__(self) -> None:
        super().__init__()
        self.queue = RequestQueue.ALL

    @property
    def title_text(self) -> str:
        return _("Requests")

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#requests", VirtualTable)

    def compose(self) -> ComposeResult:
        width = self.app.size.width
        narrow = width < WIDE_LAYOUT_MIN
        with Horizontal():
            yield QueueList(tuple(RequestQueue), narrow=narrow, id="queues")
            with Vertical(id="table-pane"):
                # The one status line of the mode (the deliverer's "admin API failing since HH:MM"), empty and
                # hidden until something is said there.
                yield Static("", id="requests-status", classes="-empty", markup=False)
                yield Static("", id="view-line", markup=False)
                yield VirtualTable(
                    RequestSource(self.ctx, self.queue),
                    columns_for(width - QueueList.width_for(narrow)),
                    id="requests",
                    empty_message=_("No requests here"),
                    loading_message=_("Loading…"),
                )
        yield Footer(compact=narrow)

    def on_mount(self) -> None:
        self._describe_view()
        self.table.focus()
        self.start_polling(POLL_EVERY)
        self.check_delivery()
        self.set_interval(HEALTH_EVERY, self.check_delivery)

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < WIDE_LAYOUT_MIN
        queue_list = self.query_one(QueueList)
        queue_list.set_narrow(narrow)
        self.table.set_columns(columns_for(event.size.width - QueueList.width_for(narrow)))
        self.query_one(Footer).compact = narrow

    # Workers ----------------------------------------------------------------------------------------------

    def read_marker(self) -> tuple[Marker, str]:
        """The requests' change marker and today's date (the days left move with it)."""
        return request_queues.changed_since(self.ctx), self.clock_marker()

    def clock_marker(self) -> str:
        return self.ctx.clock().astimezone(self.ctx.settings.timezone).date().isoformat()

    def show_changes(self, marker: object, before: object) -> None:
        self.table.reload()
        self.reload_counts()

    @work(thread=True, exclusive=True, exit_on_error=False, group="requests-counts")
    def reload_counts(self) -> None:
        """Count every queue again and post the counts."""
        self.post_message(self.CountsLoaded(request_queues.counts(self.ctx)))

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

    @on(CountsLoaded)
    def _show_counts(self, message: CountsLoaded) -> None:
        self.query_one(QueueList).show_counts(message.counts)

    @on(OptionList.OptionHighlighted, "#queues")
    def _queue_chosen(self, event: OptionList.OptionHighlighted) -> None:
        assert event.option.id is not None  # every option is made with its queue as id
        queue = RequestQueue(event.option.id)
        if queue is not self.queue:
            self.queue = queue
            self.table.set_source(RequestSource(self.ctx, queue))
            self._describe_view()

    @on(OptionList.OptionSelected, "#queues")
    def _queue_opened(self) -> None:
        self.table.focus()

    @on(VirtualTable.RowSelected, "#requests")
    def _open(self, event: RowSelected) -> None:
        self.app.push_screen(RequestDetailScreen(int(event.row_id)))  # type: ignore[call-overload]  # rows are keyed by request id

    @on(VirtualTable.LoadFailed)
    def _load_failed(self, event: LoadFailed) -> None:
        desk(self).show_error(event.error)

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
